// The CSV state machine. A record is parsed in one pass over bytes already in
// the buffer; if it runs past the end of the buffer, more is read and the
// record is parsed again from its start (which costs one re-scan of one
// record per buffer refill). Nothing is modified until the record is whole:
// only then are doubled quotes removed, in place.

extension CSVReader {
  @usableFromInline
  enum Problem {
    case unterminatedQuote
    case quoteInUnquotedField
    case textAfterClosingQuote
    case recordTooLarge
  }

  @usableFromInline
  enum ParseOutcome {
    /// A record's content ends at `end` (before its line break), the next
    /// record starts at `next`; it spans `lines` line breaks.
    case complete(end: Int, next: Int, lines: Int)
    case endOfInput
    case needMore
    case malformed(Problem, at: Int)
  }

  @inlinable @inline(__always)
  func addField(_ start: Int, _ end: Int) {
    if fieldCount == boundsCapacity { growBounds() }
    bounds[2 &* fieldCount] = start
    bounds[2 &* fieldCount &+ 1] = end
    fieldCount &+= 1
  }

  @usableFromInline
  func growBounds() {
    let grown = UnsafeMutablePointer<Int>.allocate(capacity: 4 * boundsCapacity)
    grown.update(from: bounds, count: 2 * boundsCapacity)
    bounds.deallocate()
    bounds = grown
    boundsCapacity *= 2
  }

  @inlinable
  func parseRecord() -> ParseOutcome {
    let base = UnsafeRawPointer(buffer.base)
    let end = buffer.end
    let delimiter = dialect.delimiter, quote = dialect.quote
    var p = buffer.start
    var lines = 0
    fieldCount = 0
    if !escapedFields.isEmpty { escapedFields.removeAll(keepingCapacity: true) }
    if p == end { return atEnd ? .endOfInput : .needMore }
    // A blank line is a record with no fields (as Python's csv reads it).
    let first = base.load(fromByteOffset: p, as: UInt8.self)
    if first == 0x0A || first == 0x0D { return lineEnd(at: p, lines: 1) }
    fields: while true {
      if p == end {
        // Only reached after a delimiter: the record's last field is empty.
        guard atEnd else { return .needMore }
        addField(p, p)
        return .complete(end: end, next: end, lines: lines)
      }
      if base.load(fromByteOffset: p, as: UInt8.self) == quote {
        // A quoted field: runs to a quote that is not doubled.
        let fieldStart = p &+ 1
        var q = fieldStart
        var escaped = false
        while true {
          guard let closing = ByteSearch.first(quote, in: base, from: q, to: end) else {
            return atEnd ? .malformed(.unterminatedQuote, at: p) : .needMore
          }
          lines &+= ByteSearch.count(0x0A, in: base, from: q, to: closing)
          let after = closing &+ 1
          if after == end {
            guard atEnd else { return .needMore }
            addField(fieldStart, closing)
            if escaped { escapedFields.append(fieldCount &- 1) }
            return .complete(end: end, next: end, lines: lines)
          }
          let next = base.load(fromByteOffset: after, as: UInt8.self)
          if next == quote {
            escaped = true
            q = after &+ 1
            continue
          }
          addField(fieldStart, closing)
          if escaped { escapedFields.append(fieldCount &- 1) }
          if next == delimiter {
            p = after &+ 1
            break
          }
          if next == 0x0A || next == 0x0D { return lineEnd(at: after, lines: lines &+ 1) }
          return .malformed(.textAfterClosingQuote, at: after)
        }
        continue
      }
      // A run of unquoted fields, in one pass over 8-byte words: every
      // delimiter, line break and quote in a word is dispatched in order.
      var fieldStart = p
      var i = p
      #if _endian(little)
      let pd = UInt64(delimiter) &* 0x0101_0101_0101_0101
      let pq = UInt64(quote) &* 0x0101_0101_0101_0101
      let pn: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
      let pr: UInt64 = 0x0D0D_0D0D_0D0D_0D0D
      while i &+ 8 <= end {
        let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        var flags =
          ByteSearch.zeroBytes(word ^ pd) | ByteSearch.zeroBytes(word ^ pq)
          | ByteSearch.zeroBytes(word ^ pn) | ByteSearch.zeroBytes(word ^ pr)
        while flags != 0 {
          let position = i &+ (flags.trailingZeroBitCount &>> 3)
          flags &= flags &- 1
          let byte = base.load(fromByteOffset: position, as: UInt8.self)
          if byte == delimiter {
            addField(fieldStart, position)
            fieldStart = position &+ 1
            if fieldStart == end || base.load(fromByteOffset: fieldStart, as: UInt8.self) == quote {
              p = fieldStart
              continue fields
            }
          } else if byte == 0x0A || byte == 0x0D {
            addField(fieldStart, position)
            return lineEnd(at: position, lines: lines &+ 1)
          } else if byte == quote {
            return .malformed(.quoteInUnquotedField, at: position)
          }
          // Otherwise a false match (a byte one above a match): ignore it.
        }
        i &+= 8
      }
      #endif
      while i < end {
        let byte = base.load(fromByteOffset: i, as: UInt8.self)
        if byte == delimiter {
          addField(fieldStart, i)
          fieldStart = i &+ 1
          if fieldStart == end || base.load(fromByteOffset: fieldStart, as: UInt8.self) == quote {
            p = fieldStart
            continue fields
          }
        } else if byte == 0x0A || byte == 0x0D {
          addField(fieldStart, i)
          return lineEnd(at: i, lines: lines &+ 1)
        } else if byte == quote {
          return .malformed(.quoteInUnquotedField, at: i)
        }
        i &+= 1
      }
      guard atEnd else { return .needMore }
      addField(fieldStart, end)
      return .complete(end: end, next: end, lines: lines)
    }
  }

  /// A record that ends with the line break at `offset`: LF, CRLF, or a lone
  /// CR (which Python's csv, like most readers, also takes for a line end).
  @inlinable @inline(__always)
  func lineEnd(at offset: Int, lines: Int) -> ParseOutcome {
    let base = UnsafeRawPointer(buffer.base)
    guard base.load(fromByteOffset: offset, as: UInt8.self) == 0x0D else {
      return .complete(end: offset, next: offset &+ 1, lines: lines)
    }
    let after = offset &+ 1
    if after == buffer.end { return atEnd ? .complete(end: offset, next: after, lines: lines) : .needMore }
    let crlf = base.load(fromByteOffset: after, as: UInt8.self) == 0x0A
    return .complete(end: offset, next: crlf ? after &+ 1 : after, lines: lines)
  }

  /// Removes doubled quotes in place, then hands out the record.
  @inlinable @inline(__always)
  func finishRecord(next: Int, lines: Int) -> CSVRecord {
    if !escapedFields.isEmpty { unescapeFields() }
    recordLine = nextLine
    recordOffset = buffer.discarded &+ buffer.start
    nextLine &+= lines
    recordNumber &+= 1
    buffer.start = next
    return CSVRecord(reader: Unmanaged.passUnretained(self))
  }

  @usableFromInline
  func unescapeFields() {
    let base = buffer.base
    let quote = dialect.quote
    for field in escapedFields {
      let start = bounds[2 * field], end = bounds[2 * field + 1]
      var read = start, write = start
      while read < end {
        let byte = base.load(fromByteOffset: read, as: UInt8.self)
        base.storeBytes(of: byte, toByteOffset: write, as: UInt8.self)
        write += 1
        read += byte == quote ? 2 : 1  // a quote inside is always doubled
      }
      bounds[2 * field + 1] = write
    }
  }

  /// Reads more input for a record that does not fit yet.
  @usableFromInline
  func readMore() throws(StreamIOError) {
    // At most one byte of a line break (a CR waiting for its LF) can be
    // pending, so more than maxRecordSize + 1 bytes is too large for sure.
    if buffer.unconsumed > maxRecordSize &+ 1 {
      try reject(.recordTooLarge, at: buffer.start &+ maxRecordSize)
      return
    }
    let read = try buffer.refill(from: source)
    if read == 0 { atEnd = true }
    if read < 0 {
      let error = malformedError(.recordTooLarge, at: buffer.start &+ maxRecordSize)
      close()
      throw error
    }
  }

  /// Skips a UTF-8 byte-order mark at the very start.
  @usableFromInline
  func skipByteOrderMark() throws(StreamIOError) {
    while buffer.unconsumed < 3 && !atEnd {
      if try buffer.refill(from: source) == 0 { atEnd = true }
    }
    checkedBOM = true
    let base = buffer.base
    if buffer.unconsumed >= 3 && base.load(fromByteOffset: buffer.start, as: UInt8.self) == 0xEF
      && base.load(fromByteOffset: buffer.start + 1, as: UInt8.self) == 0xBB
      && base.load(fromByteOffset: buffer.start + 2, as: UInt8.self) == 0xBF
    {
      buffer.start += 3
    }
  }

  /// The error for `problem` at buffer offset `offset`, with line and column.
  @usableFromInline
  func malformedError(_ problem: Problem, at offset: Int) -> StreamIOError {
    let base = buffer.base
    var line = nextLine
    var lineStart = buffer.start
    var i = buffer.start
    while i < offset && i < buffer.end {
      if base.load(fromByteOffset: i, as: UInt8.self) == 0x0A {
        line += 1
        lineStart = i + 1
      }
      i += 1
    }
    let column = offset - lineStart + 1
    let quote = Character(Unicode.Scalar(dialect.quote))
    let (code, message): (StreamIOError.Code, String) =
      switch problem {
      case .unterminatedQuote:
        (.unterminatedQuote, "unterminated quoted field: the input ends before its closing \(quote)")
      case .quoteInUnquotedField:
        (.quoteInUnquotedField, "\(quote) inside an unquoted field; a field containing \(quote) must be quoted, with the \(quote) doubled")
      case .textAfterClosingQuote:
        (.textAfterClosingQuote, "text after a closing \(quote); expected a delimiter or the end of the line")
      case .recordTooLarge:
        (.recordTooLarge, "record is larger than the maximum of \(maxRecordSize) bytes; pass a larger maxRecordSize if such records are expected")
      }
    return StreamIOError(
      code, message, path: source.path, line: line, column: column, byteOffset: buffer.discarded + offset)
  }

  /// Skips to the end of the line holding `offset`, counting the record.
  @usableFromInline
  func skipBadRecord(_ error: StreamIOError, at offset: Int) throws(StreamIOError) {
    skippedRecords += 1
    if skippedErrors.count < 100 { skippedErrors.append(error) }
    var from = offset
    while true {
      if let newline = ByteSearch.first(0x0A, in: buffer.base, from: from, to: buffer.end) {
        nextLine = (error.line ?? nextLine) + 1
        buffer.start = newline + 1
        return
      }
      if atEnd {
        buffer.start = buffer.end
        return
      }
      // Drop what is skipped so far, then read on.
      buffer.start = buffer.end
      from = 0
      let read = try buffer.refill(from: source)
      if read == 0 { atEnd = true }
      from = buffer.start
    }
  }
}
