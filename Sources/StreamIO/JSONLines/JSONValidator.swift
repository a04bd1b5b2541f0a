/// Checks that bytes are one JSON object, by the grammar ``JSONParser``
/// accepts (Python's extras NaN and ±Infinity included, nesting up to 512
/// levels, strings valid UTF-8 with well-paired `\u` surrogates), building
/// nothing and reporting no reason: for counting records (`gen count`), where
/// the parser's values and messages would only be thrown away. On false, parse
/// the bytes to learn why.
///
/// It must never accept what the parser rejects; rejecting what the parser
/// accepts would only cost speed (the caller parses then), and the tests
/// check both against the parser.
struct JSONValidator {
  private let start: UnsafePointer<UInt8>
  let end: UnsafePointer<UInt8>
  var position: UnsafePointer<UInt8>
  /// Whether the last string read had an escape (its bytes are then not its
  /// text; without one they are, valid UTF-8).
  private var stringNeedsDecoding = false
  /// Whether the last string read had a byte from 0x80 (valid UTF-8).
  private var stringHasNonASCII = false

  init(_ bytes: UnsafeRawBufferPointer) {
    let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
    start = base
    end = base + bytes.count
    position = base
  }

  static func isObject(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard bytes.count > 1 else { return false }
    var none: [JSONMemberSpan] = []  // (not collected: never allocates)
    if plainFlatObject(bytes, into: &none, collecting: false) { return true }
    var validator = JSONValidator(bytes)
    validator.skipSpace()
    guard validator.position < validator.end, validator.position.pointee == UInt8(ascii: "{"),
      validator.object(depth: 0)  // (the parser's depth of the top-level value)
    else { return false }
    validator.skipSpace()
    return validator.position == validator.end
  }

  /// Whether `bytes` are one JSON object, as ``isObject(_:)``; if so, its
  /// members' places are in `members` (emptied first), in order. Nested
  /// values are checked, not taken apart.
  static func members(of bytes: UnsafeRawBufferPointer, into members: inout [JSONMemberSpan]) -> Bool {
    members.removeAll(keepingCapacity: true)
    guard bytes.count > 1 else { return false }
    if plainFlatObject(bytes, into: &members, collecting: true) { return true }
    members.removeAll(keepingCapacity: true)
    return allMembers(of: bytes, into: &members)
  }

  /// The common line, quickly: an object whose members' values are strings,
  /// numbers, true, false or null, with no control byte, no byte from 0x80
  /// and no backslash anywhere (found 64 bytes at a time), so that each
  /// string ends at the next quote. True: it is a JSON object, and (if
  /// `collecting`) its members are in `members` as ``members(of:into:)``
  /// gives them. False: not such an object, or not valid; the full check decides.
  @inline(__always)
  private static func plainFlatObject(
    _ bytes: UnsafeRawBufferPointer, into members: inout [JSONMemberSpan], collecting: Bool
  ) -> Bool {
    guard !ByteMasks.hasJSONAttention(bytes) else { return false }
    var validator = JSONValidator(bytes)
    return validator.plainFlatObject(into: &members, collecting: collecting)
  }

  /// (See ``plainFlatObject(_:into:collecting:)``: only spaces can separate
  /// tokens, as there is no other byte below 0x20.)
  @inline(__always)
  private mutating func plainFlatObject(into members: inout [JSONMemberSpan], collecting: Bool) -> Bool {
    @inline(__always) func skipSpaces() {
      while position < end && position.pointee == 0x20 { position += 1 }
    }
    skipSpaces()
    guard position < end, position.pointee == UInt8(ascii: "{") else { return false }
    position += 1
    skipSpaces()
    if position < end, position.pointee == UInt8(ascii: "}") {
      position += 1
    } else {
      while true {
        guard position < end, position.pointee == UInt8(ascii: "\"") else { return false }
        let keyStart = position + 1
        guard let keyEnd = Self.nextQuote(from: keyStart, before: end) else { return false }
        position = keyEnd + 1
        skipSpaces()
        guard position < end, position.pointee == UInt8(ascii: ":") else { return false }
        position += 1
        skipSpaces()
        guard position < end else { return false }
        let valueStart = position
        let kind = position.pointee
        switch kind {
        case UInt8(ascii: "\""):
          guard let close = Self.nextQuote(from: position + 1, before: end) else { return false }
          position = close + 1
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
          guard number() else { return false }
        case UInt8(ascii: "t"): guard word("true") else { return false }
        case UInt8(ascii: "f"): guard word("false") else { return false }
        case UInt8(ascii: "n"): guard word("null") else { return false }
        default: return false  // nested, NaN, Infinity or bad: the full check
        }
        if collecting {
          members.append(
            JSONMemberSpan(
              key: keyStart - start..<keyEnd - start, keyNeedsDecoding: false, keyIsASCII: true,
              value: valueStart - start..<position - start, kind: kind, stringNeedsDecoding: false,
              stringIsASCII: kind == UInt8(ascii: "\"")))
        }
        skipSpaces()
        guard position < end else { return false }
        let byte = position.pointee
        position += 1
        if byte == UInt8(ascii: "}") { break }
        guard byte == UInt8(ascii: ","), position < end else { return false }
        skipSpaces()
      }
    }
    skipSpaces()
    return position == end
  }

  /// The first quote at or after `from`, before `end`, eight bytes at a time.
  @inline(__always)
  private static func nextQuote(from: UnsafePointer<UInt8>, before end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8>? {
    var position = from
    while end - position >= 8 {
      let word = UInt64(littleEndian: UnsafeRawPointer(position).loadUnaligned(as: UInt64.self))
      let quotes = ByteWords.equal(word, 0x22)
      if quotes != 0 { return position + quotes.trailingZeroBitCount &>> 3 }
      position += 8
    }
    while position < end {
      if position.pointee == UInt8(ascii: "\"") { return position }
      position += 1
    }
    return nil
  }

  private static func allMembers(of bytes: UnsafeRawBufferPointer, into members: inout [JSONMemberSpan]) -> Bool {
    var validator = JSONValidator(bytes)
    validator.skipSpace()
    guard validator.position < validator.end, validator.position.pointee == UInt8(ascii: "{") else { return false }
    validator.position += 1
    validator.skipSpace()
    if validator.position < validator.end, validator.position.pointee == UInt8(ascii: "}") {
      validator.position += 1
    } else {
      while true {
        validator.skipSpace()
        guard validator.position < validator.end, validator.position.pointee == UInt8(ascii: "\"") else { return false }
        let keyStart = validator.position - validator.start + 1
        guard validator.string() else { return false }
        let keyEnd = validator.position - validator.start - 1
        let keyNeedsDecoding = validator.stringNeedsDecoding
        let keyIsASCII = !validator.stringHasNonASCII
        validator.skipSpace()
        guard validator.position < validator.end, validator.position.pointee == UInt8(ascii: ":") else { return false }
        validator.position += 1
        validator.skipSpace()
        let valueStart = validator.position - validator.start
        guard validator.value(depth: 1) else { return false }
        let valueEnd = validator.position - validator.start
        let kind = bytes[valueStart]
        members.append(
          JSONMemberSpan(
            key: keyStart..<keyEnd, keyNeedsDecoding: keyNeedsDecoding, keyIsASCII: keyIsASCII, value: valueStart..<valueEnd,
            kind: kind, stringNeedsDecoding: kind == UInt8(ascii: "\"") && validator.stringNeedsDecoding,
            stringIsASCII: kind == UInt8(ascii: "\"") && !validator.stringHasNonASCII))
        validator.skipSpace()
        guard validator.position < validator.end else { return false }
        let byte = validator.position.pointee
        validator.position += 1
        if byte == UInt8(ascii: "}") { break }
        guard byte == UInt8(ascii: ",") else { return false }
      }
    }
    validator.skipSpace()
    return validator.position == validator.end
  }

  @inline(__always)
  private mutating func skipSpace() {
    while position < end {
      let byte = position.pointee
      guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return }
      position += 1
    }
  }

  /// A value at nesting `depth` (the parser refuses any value at 512).
  private mutating func value(depth: Int) -> Bool {
    guard depth < 512, position < end else { return false }
    switch position.pointee {
    case UInt8(ascii: "\""): return string()
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      if position.pointee == UInt8(ascii: "-") && position + 1 < end && position[1] == UInt8(ascii: "I") {
        position += 1
        return word("Infinity")
      }
      return number()
    case UInt8(ascii: "{"): return object(depth: depth)
    case UInt8(ascii: "["): return array(depth: depth)
    case UInt8(ascii: "t"): return word("true")
    case UInt8(ascii: "f"): return word("false")
    case UInt8(ascii: "n"): return word("null")
    case UInt8(ascii: "N"): return word("NaN")
    case UInt8(ascii: "I"): return word("Infinity")
    default: return false
    }
  }

  @inline(__always)
  mutating func word(_ text: StaticString) -> Bool {
    let count = text.utf8CodeUnitCount
    guard end - position >= count else { return false }
    for index in 0..<count where position[index] != text.utf8Start[index] { return false }
    position += count
    return true
  }

  @inline(__always)
  private mutating func digits() -> Int {
    let from = position
    while position < end, position.pointee &- UInt8(ascii: "0") < 10 { position += 1 }
    return position - from
  }

  mutating func number() -> Bool {
    if position.pointee == UInt8(ascii: "-") { position += 1 }
    let integer = position
    let count = digits()
    guard count > 0, count == 1 || integer.pointee != UInt8(ascii: "0") else { return false }
    if position < end, position.pointee == UInt8(ascii: ".") {
      position += 1
      guard digits() > 0 else { return false }
    }
    if position < end, position.pointee | 0x20 == UInt8(ascii: "e") {
      position += 1
      if position < end, position.pointee == UInt8(ascii: "+") || position.pointee == UInt8(ascii: "-") { position += 1 }
      guard digits() > 0 else { return false }
    }
    // (The parser also refuses a number out of Double's range, which no
    // run of digits is: Double(text) gives infinity for those, not nil.)
    return true
  }

  private mutating func string() -> Bool {
    position += 1  // the opening quote
    stringNeedsDecoding = false
    stringHasNonASCII = false
    while true {
      // Plain ASCII, eight bytes at a time, as the parser scans.
      while end - position >= 8 {
        let plain = JSONParser.plainBytes(UnsafeRawPointer(position).loadUnaligned(as: UInt64.self))
        position += plain
        if plain < 8 { break }
      }
      guard position < end else { return false }
      let byte = position.pointee
      if byte == UInt8(ascii: "\"") {
        position += 1
        return true
      }
      if byte < 0x20 { return false }
      if byte == UInt8(ascii: "\\") {
        stringNeedsDecoding = true
        guard escape() else { return false }
      } else if byte >= 0x80 {
        stringHasNonASCII = true
        guard utf8Sequence() else { return false }
      } else {
        position += 1
      }
    }
  }

  /// One escape, from its backslash.
  private mutating func escape() -> Bool {
    guard end - position >= 2 else { return false }
    switch position[1] {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
      UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
      position += 2
      return true
    case UInt8(ascii: "u"):
      position += 2
      guard let code = hex4() else { return false }
      if (0xDC00..<0xE000).contains(code) { return false }  // a low surrogate alone
      guard (0xD800..<0xDC00).contains(code) else { return true }
      guard end - position >= 2, position[0] == UInt8(ascii: "\\"), position[1] == UInt8(ascii: "u") else { return false }
      position += 2
      guard let low = hex4() else { return false }
      return (0xDC00..<0xE000).contains(low)
    default:
      return false
    }
  }

  private mutating func hex4() -> UInt32? {
    guard end - position >= 4 else { return nil }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = position.pointee
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: return nil
      }
      value = value << 4 | UInt32(digit)
      position += 1
    }
    return value
  }

  /// One well-formed UTF-8 sequence of two to four bytes, from its lead byte
  /// (no overlong forms, no surrogates, nothing past U+10FFFF).
  private mutating func utf8Sequence() -> Bool {
    let lead = position.pointee
    let length: Int
    var low: UInt8 = 0x80, high: UInt8 = 0xBF  // the second byte's range
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0: length = 3; low = 0xA0
    case 0xED: length = 3; high = 0x9F
    case 0xE1...0xEF: length = 3
    case 0xF0: length = 4; low = 0x90
    case 0xF4: length = 4; high = 0x8F
    case 0xF1...0xF3: length = 4
    default: return false
    }
    guard end - position >= length, (low...high).contains(position[1]) else { return false }
    for index in 2..<max(2, length) where position[index] & 0xC0 != 0x80 { return false }
    position += length
    return true
  }

  private mutating func array(depth: Int) -> Bool {
    position += 1
    skipSpace()
    if position < end, position.pointee == UInt8(ascii: "]") {
      position += 1
      return true
    }
    while true {
      skipSpace()
      guard value(depth: depth + 1) else { return false }
      skipSpace()
      guard position < end else { return false }
      let byte = position.pointee
      position += 1
      if byte == UInt8(ascii: "]") { return true }
      guard byte == UInt8(ascii: ",") else { return false }
    }
  }

  private mutating func object(depth: Int) -> Bool {
    position += 1
    skipSpace()
    if position < end, position.pointee == UInt8(ascii: "}") {
      position += 1
      return true
    }
    while true {
      skipSpace()
      guard position < end, position.pointee == UInt8(ascii: "\""), string() else { return false }
      skipSpace()
      guard position < end, position.pointee == UInt8(ascii: ":") else { return false }
      position += 1
      skipSpace()
      guard value(depth: depth + 1) else { return false }
      skipSpace()
      guard position < end else { return false }
      let byte = position.pointee
      position += 1
      if byte == UInt8(ascii: "}") { return true }
      guard byte == UInt8(ascii: ",") else { return false }
    }
  }
}

/// Where one member of a JSON object lies in the object's bytes (see
/// ``JSONValidator/members(of:into:)``): its key's text between the quotes,
/// and its value.
package struct JSONMemberSpan {
  /// The key's bytes, without the quotes.
  package var key: Range<Int>
  /// The key has an escape: parse it for its text (else its bytes are its text, valid UTF-8).
  package var keyNeedsDecoding: Bool
  /// The key's bytes are all ASCII. (A non-ASCII key may equal a name written
  /// with other bytes, as Swift's Strings compare: é and e with U+0301.)
  package var keyIsASCII: Bool
  /// The value's bytes (a string's with its quotes).
  package var value: Range<Int>
  /// The value's first byte: `"`, `{`, `[`, `t`, `f`, `n` (null), `N`, `I`, or a number's `-` or digit.
  package var kind: UInt8
  /// A string value has an escape: parse it for its text (else its bytes are its text).
  package var stringNeedsDecoding: Bool
  /// A string value's bytes are all ASCII.
  package var stringIsASCII: Bool
}

extension JSONValue {
  /// Whether `bytes` are one JSON object; if so, where its members lie (see
  /// ``JSONMemberSpan``), without building anything. For verbs that read a
  /// JSON Lines record's fields from its bytes; on false, parse to learn why.
  package static func members(of bytes: UnsafeRawBufferPointer, into members: inout [JSONMemberSpan]) -> Bool {
    JSONValidator.members(of: bytes, into: &members)
  }
}
