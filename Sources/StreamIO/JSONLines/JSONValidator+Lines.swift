import CStreamIOSupport

extension JSONValue {
  /// How many whole lines at the start of `bytes` are each a plain flat JSON
  /// object the parser accepts, checked 64 bytes at a time across lines (see
  /// ``JSONValidator/plainObjectLines(in:)``: it may stop short of the last
  /// such line, never past it); and how many bytes they take, line feeds
  /// included. For `gen count`: the lines after them are checked
  /// one at a time, as before.
  package static func plainObjectLines(in bytes: UnsafeRawBufferPointer) -> TakenLines {
    JSONValidator.plainObjectLines(in: bytes)
  }
}

extension JSONValue {
  /// ``plainObjectLines(in:)``, and each line it takes lent to `body` as it
  /// is checked, in order, with its members as ``members(of:into:)`` finds
  /// them in the line's bytes (found from the same bit masks, not read
  /// again): the line's offset in `bytes`, its length without its ending
  /// (as ``LineReader`` reads it: a `\r` before the `\n` dropped), and the
  /// members, lent: valid only until `body` returns. `events` is scratch
  /// space, kept by the caller from call to call.
  package static func forEachPlainObjectLine(
    in bytes: UnsafeRawBufferPointer, members: inout [JSONMemberSpan], events: inout [UInt32],
    _ body: (_ offset: Int, _ length: Int, _ members: UnsafeBufferPointer<JSONMemberSpan>) throws -> Void
  ) rethrows -> TakenLines {
    try JSONValidator.plainObjectLines(in: bytes, members: &members, events: &events, body)
  }
}

extension JSONValidator {
  /// A run of whole lines (each ending in `\n`, or `\r\n`) at the start of
  /// `bytes` that are each a plain flat object: one or more members whose
  /// values are strings, numbers, true, false or null; no control byte, no
  /// byte from 0x80 and no backslash, so spaces (0x20) are the only
  /// whitespace and each quote opens or closes a string. Such lines are
  /// objects the parser accepts. A blank line, `{}`, or any other line ends
  /// the run (so do the lines before it that end in the same 64-byte block):
  /// those are for the byte-by-byte check.
  ///
  /// Checked from bit masks, 64 bytes at a time whatever the lines' lengths
  /// (the way simdjson finds strings and structure):
  /// - A prefix XOR of the quotes marks the strings. A line feed in one, an
  ///   attention byte anywhere (but a `\r` before `\n`), ends the run.
  /// - Outside strings each byte is a space, a separator (`{` `}` `:` `,`
  ///   `\n`) or part of a scalar (a number or a word).
  /// - The separators go `{ : , : ... : } \n` on every line: by their
  ///   parity, `{`, `,` and `}` are the 1st, 3rd, 5th... and `:` and `\n`
  ///   the 2nd, 4th....
  /// - The next byte that is not a space after each token is one the grammar
  ///   allows there: after `\n` a `{`; after `{` or `,` a key's opening quote;
  ///   after `:` a value's first byte; after a value `:`, `,` or `}`; after
  ///   `}` a `\n`. (A carry through a run of spaces finds those next bytes
  ///   for all tokens at once.) With the parity, this is the grammar.
  /// - Each scalar is read as a number or a word.
  ///
  /// A failure found in a 64-byte block belongs to a line that ends in it or
  /// later: the lines ending before it are taken.
  static func plainObjectLines(in bytes: UnsafeRawBufferPointer) -> TakenLines {
    let count = bytes.count
    guard count > 0 else { return TakenLines(byteCount: 0, lineCount: 0) }
    let base = bytes.baseAddress!
    var lines = PlainObjectLines(bytes)
    // Masks for up to 16 blocks at a time (AVX2 where there is, out of line),
    // then the checks block by block.
    return withUnsafeTemporaryAllocation(of: cbs_json_lines_masks.self, capacity: 16) { masks in
      var offset = 0
      while count &- offset >= 64 {
        let blocks = Swift.min(16, (count &- offset) / 64)
        cbs_masks_json_lines_run(base + offset, blocks, masks.baseAddress!)
        guard lines.check(masks.baseAddress!, blocks: blocks, at: offset) else { return lines.taken }
        offset &+= 64 &* blocks
      }
      if offset < count { _ = lines.check(lastBlockMasks(bytes, from: offset), at: offset) }
      return lines.taken
    }
  }

  /// ``JSONValue/forEachPlainObjectLine(in:members:events:_:)``: the checks
  /// of ``plainObjectLines(in:)``, which also note where each string and
  /// scalar starts and ends (its events); each line is lent to `body` once
  /// the block with its `\n` is checked, its members read off the events.
  static func plainObjectLines(
    in bytes: UnsafeRawBufferPointer, members: inout [JSONMemberSpan], events: inout [UInt32],
    _ body: (_ offset: Int, _ length: Int, _ members: UnsafeBufferPointer<JSONMemberSpan>) throws -> Void
  ) rethrows -> TakenLines {
    let count = bytes.count
    guard count > 0 else { return TakenLines(byteCount: 0, lineCount: 0) }
    // At most one event a byte, each block's written whole, four at a time.
    if events.count < count &+ 64 &+ 4 { events = Array(repeating: 0, count: count &+ 64 &+ 4) }
    return try events.withUnsafeMutableBufferPointer { events in
      let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
      var lines = PlainObjectLines(bytes, events: events.baseAddress!)
      var delivered = 0, next = 0, lineStart = 0  // lines lent; the next line's first event and byte
      return try withUnsafeTemporaryAllocation(of: cbs_json_lines_masks.self, capacity: 16) { masks in
        var offset = 0
        var checked = true
        while checked && offset < count {
          if count &- offset >= 64 {
            let blocks = Swift.min(16, (count &- offset) / 64)
            cbs_masks_json_lines_run(base + offset, blocks, masks.baseAddress!)
            checked = lines.check(masks.baseAddress!, blocks: blocks, at: offset)
            offset &+= 64 &* blocks
          } else {
            checked = lines.check(lastBlockMasks(bytes, from: offset), at: offset)
            offset = count
          }
          // The lines taken so far: each member is four events (a key's
          // quotes, its value's start and end), and a line ends with its `\n`.
          guard delivered < lines.taken.lineCount else { continue }
          // (Room for as many members as the events not yet lent can
          // describe, so that no line's loop checks for room.)
          let room = (lines.eventCount &- next) / 4 &+ 1
          // (Grown in place: the lines read one by one between batches
          // share the array, and leave it short but with its memory.)
          if members.count < room {
            members.reserveCapacity(Swift.max(room, 2 &* members.count))
            members.append(contentsOf: repeatElement(JSONMemberSpan.none, count: room &- members.count))
          }
          // (Lent from the array's buffer once for all these lines, and the
          // loop's state in locals: the array passed to `body`, or state read
          // through captures, cost a retain or reloads for every line.)
          let lineCount = lines.taken.lineCount
          try members.withUnsafeMutableBufferPointer { spans in
            let spans = spans.baseAddress!
            var event = next, start = lineStart
            for _ in delivered..<lineCount {
              var memberCount = 0
              while true {
                let keyOpen = Int(events[event])
                if base[keyOpen] == 0x0A { break }  // (the line's `\n`: no member starts with it)
                let keyEnd = Int(events[event &+ 1])
                let valueStart = Int(events[event &+ 2])
                var valueEnd = Int(events[event &+ 3])
                let kind = base[valueStart]
                let isString = kind == UInt8(ascii: "\"")
                if isString { valueEnd &+= 1 }  // (the event is the closing quote; for a scalar, the byte after it)
                // (Events ascend, so each range's bounds are in order.)
                spans[memberCount] = JSONMemberSpan(
                  key: Range(uncheckedBounds: (keyOpen &+ 1 &- start, keyEnd &- start)), keyNeedsDecoding: false,
                  keyIsASCII: true, value: Range(uncheckedBounds: (valueStart &- start, valueEnd &- start)),
                  kind: kind, stringNeedsDecoding: false, stringIsASCII: isString)
                memberCount &+= 1
                event &+= 4
              }
              let newline = Int(events[event])
              let length = newline &- start &- (newline > start && base[newline &- 1] == 0x0D ? 1 : 0)
              try body(start, length, UnsafeBufferPointer(start: spans, count: memberCount))
              event &+= 1
              start = newline &+ 1
            }
            next = event
            lineStart = start
          }
          delivered = lineCount
        }
        return lines.taken
      }
    }
  }

  /// The masks of the last block, shorter than 64 bytes: copied first, as
  /// bytes past `bytes` may not be readable.
  @inline(__always)
  private static func lastBlockMasks(_ bytes: UnsafeRawBufferPointer, from offset: Int) -> cbs_json_lines_masks {
    var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    return withUnsafeMutableBytes(of: &block) { block in
      block.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
      return cbs_masks_json_lines(block.baseAddress!)
    }
  }

  /// A number, true, false or null from `position`, ending where a scalar
  /// must: before a space, a quote, a separator or a line ending.
  @inline(__always)
  fileprivate mutating func scalar() -> Bool {
    switch position.pointee {
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): guard number() else { return false }
    case UInt8(ascii: "t"): guard word("true") else { return false }
    case UInt8(ascii: "f"): guard word("false") else { return false }
    case UInt8(ascii: "n"): guard word("null") else { return false }
    default: return false  // NaN, Infinity or bad: the byte-by-byte check
    }
    guard position < end else { return false }
    switch position.pointee {
    case 0x20, 0x0A, 0x0D, UInt8(ascii: "\""), UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "{"),
      UInt8(ascii: "}"):
      return true
    default: return false
    }
  }
}

/// The state of ``JSONValidator/plainObjectLines(in:)`` from one 64-byte
/// block to the next.
private struct PlainObjectLines {
  let base: UnsafePointer<UInt8>
  let count: Int
  var validator: JSONValidator  // (reads the scalars)
  /// Where to note each block's events (see ``JSONValidator/plainObjectLines(in:members:events:_:)``), if anywhere.
  let events: UnsafeMutablePointer<UInt32>?
  var eventCount = 0
  /// The whole lines checked so far.
  var taken = TakenLines(byteCount: 0, lineCount: 0)
  // Carried from block to block: all ones when a block starts inside a
  // string, or after an odd number of separators; the bit after a token that
  // ends on the last byte; and each addition's carry.
  var inString: UInt64 = 0, separatorParity: UInt64 = 0
  var closingCarry: UInt64 = 0, scalarCarry: UInt64 = 0, keyCarry: UInt64 = 0, colonCarry: UInt64 = 0
  var closeCarry: UInt64 = 0, newlineCarry: UInt64 = 1  // (the start is a line's start)
  var spaceCarries = false  // (whether any of these is true)
  var carriedSums = (false, false, false, false, false)

  init(_ bytes: UnsafeRawBufferPointer, events: UnsafeMutablePointer<UInt32>? = nil) {
    base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
    count = bytes.count
    validator = JSONValidator(bytes)
    self.events = events
  }

  /// Checks `blocks` blocks from `offset`, whose masks are `masks`; false at a failure.
  mutating func check(_ masks: UnsafePointer<cbs_json_lines_masks>, blocks: Int, at offset: Int) -> Bool {
    for index in 0..<blocks {
      guard check(masks[index], at: offset &+ 64 &* index) else { return false }
    }
    return true
  }

  /// Checks the block at `offset`, whose masks are `masks`; false at a failure.
  @inline(__always)
  mutating func check(_ masks: cbs_json_lines_masks, at offset: Int) -> Bool {
    let remaining = count &- offset
    let valid = ByteMasks.lowBits(remaining)
    let newlines = masks.newlines & valid

    let attention = masks.attention & valid & ~newlines
    var returns: UInt64 = 0
    if attention != 0 {
      // A `\r` just before a `\n` ends the line with it: a space here.
      var beforeNewline = newlines &>> 1
      if remaining > 64 && base[offset &+ 64] == 0x0A { beforeNewline |= 1 &<< 63 }
      returns = attention & beforeNewline
      var check = returns
      while check != 0 {
        guard base[offset &+ check.trailingZeroBitCount] == 0x0D else { return false }
        check &= check &- 1
      }
      guard attention & ~returns == 0 else { return false }
    }

    let quotes = masks.quotes & valid
    let strings = Self.prefixXor(quotes) ^ inString  // opening quotes and the bytes inside
    inString = Self.signFill(strings)
    guard strings & newlines == 0 else { return false }
    let opening = quotes & strings, closing = quotes & ~strings
    let outside = valid & ~(strings | quotes)
    let spaces = (masks.spaces | returns) & outside
    let colons = masks.colons & outside, commas = masks.commas & outside
    let opens = masks.opens & outside, closes = masks.closes & outside
    let scalars = outside & ~(spaces | colons | commas | opens | closes | newlines)
    let scalarsShifted = scalars &<< 1 | scalarCarry
    let scalarStarts = scalars & ~scalarsShifted

    // The byte after each token, then the first from it that is not a space.
    let afterScalars = scalarsShifted & ~scalars
    let afterAtoms = (closing &<< 1 | closingCarry) | afterScalars
    let keySeparators = opens | commas
    let afterKeySeparators = keySeparators &<< 1 | keyCarry
    let afterColons = colons &<< 1 | colonCarry
    let afterCloses = closes &<< 1 | closeCarry
    let afterNewlines = newlines &<< 1 | newlineCarry
    closingCarry = closing &>> 63
    scalarCarry = scalars &>> 63
    keyCarry = keySeparators &>> 63
    colonCarry = colons &>> 63
    closeCarry = closes &>> 63
    newlineCarry = newlines &>> 63
    if spaces == 0 && !spaceCarries {
      // (Compact JSON: each token's next byte is the one after it.)
      guard afterAtoms & ~(colons | commas | closes) == 0, afterKeySeparators & ~opening == 0,
        afterColons & ~(opening | scalarStarts) == 0, afterCloses & ~newlines == 0,
        afterNewlines & valid & ~opens == 0
      else { return false }
    } else {
      var (atomSum, keySum, colonSum, closeSum, newlineSum) = carriedSums
      let nextAfterAtoms = Self.nextNonSpace(afterAtoms, spaces: spaces, carry: &atomSum)
      let nextAfterKeySeparators = Self.nextNonSpace(afterKeySeparators, spaces: spaces, carry: &keySum)
      let nextAfterColons = Self.nextNonSpace(afterColons, spaces: spaces, carry: &colonSum)
      let nextAfterCloses = Self.nextNonSpace(afterCloses, spaces: spaces, carry: &closeSum)
      let nextAfterNewlines = Self.nextNonSpace(afterNewlines, spaces: spaces, carry: &newlineSum) & valid
      guard nextAfterAtoms & ~(colons | commas | closes) == 0, nextAfterKeySeparators & ~opening == 0,
        nextAfterColons & ~(opening | scalarStarts) == 0, nextAfterCloses & ~newlines == 0,
        nextAfterNewlines & ~opens == 0
      else { return false }
      spaceCarries = atomSum || keySum || colonSum || closeSum || newlineSum
      carriedSums = (atomSum, keySum, colonSum, closeSum, newlineSum)
    }

    let separators = keySeparators | colons | closes | newlines
    let parity = Self.prefixXor(separators) ^ separatorParity
    separatorParity = Self.signFill(parity)
    guard (keySeparators | closes) & ~parity == 0, (colons | newlines) & parity == 0 else { return false }

    var starts = scalarStarts
    while starts != 0 {
      validator.position = base + (offset &+ starts.trailingZeroBitCount)
      starts &= starts &- 1
      guard validator.scalar() else { return false }
    }

    if let events {
      // Each string's quotes, each scalar's first byte and the byte after it, each `\n`.
      // Four at a time, unconditionally (past the last, what is written is
      // overwritten later or never read: there is room for it).
      var bits = opening | closing | scalarStarts | afterScalars | newlines
      let found = bits.nonzeroBitCount
      var index = eventCount
      let base = UInt32(truncatingIfNeeded: offset)
      while bits != 0 {
        events[index] = base &+ UInt32(truncatingIfNeeded: bits.trailingZeroBitCount)
        bits &= bits &- 1
        events[index &+ 1] = base &+ UInt32(truncatingIfNeeded: bits.trailingZeroBitCount)
        bits &= bits &- 1
        events[index &+ 2] = base &+ UInt32(truncatingIfNeeded: bits.trailingZeroBitCount)
        bits &= bits &- 1
        events[index &+ 3] = base &+ UInt32(truncatingIfNeeded: bits.trailingZeroBitCount)
        bits &= bits &- 1
        index &+= 4
      }
      eventCount &+= found
    }

    // Every line ending in this block is whole and checked.
    if newlines != 0 {
      taken.byteCount = offset &+ (64 &- newlines.leadingZeroBitCount)
      var lines = newlines  // (no popcnt in x86_64's baseline; lines are few per block)
      while lines != 0 {
        taken.lineCount &+= 1
        lines &= lines &- 1
      }
    }
    return true
  }

  /// Bit i set when an odd number of bits 0...i of `bits` are set.
  @inline(__always)
  static func prefixXor(_ bits: UInt64) -> UInt64 {
    var bits = bits
    bits ^= bits &<< 1
    bits ^= bits &<< 2
    bits ^= bits &<< 4
    bits ^= bits &<< 8
    bits ^= bits &<< 16
    bits ^= bits &<< 32
    return bits
  }

  /// All ones when bit 63 is set, else zero.
  @inline(__always)
  static func signFill(_ bits: UInt64) -> UInt64 {
    UInt64(bitPattern: Int64(bitPattern: bits) &>> 63)
  }

  /// For each bit of `marks`, the first position at or after it that is not
  /// in `spaces` (each mark starts a run of spaces or is outside any): adding
  /// carries a mark through its run. `carry` goes into bit 0 and comes out of
  /// bit 63, for the next block.
  @inline(__always)
  static func nextNonSpace(_ marks: UInt64, spaces: UInt64, carry: inout Bool) -> UInt64 {
    let (sum, overflow) = spaces.addingReportingOverflow(marks)
    let (total, overflowAgain) = sum.addingReportingOverflow(carry ? 1 : 0)
    carry = overflow || overflowAgain
    return total & ~spaces
  }
}

extension JSONMemberSpan {
  /// A placeholder, overwritten before it is read.
  static var none: JSONMemberSpan {
    JSONMemberSpan(
      key: 0..<0, keyNeedsDecoding: false, keyIsASCII: true, value: 0..<0, kind: 0, stringNeedsDecoding: false,
      stringIsASCII: false)
  }
}
