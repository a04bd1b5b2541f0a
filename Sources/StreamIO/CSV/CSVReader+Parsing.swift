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

  /// Doubles the room for the record being parsed alone.
  @usableFromInline
  func growBounds() {
    let segment = buffer.segment
    segment.reserveFields(2 * segment.boundsCapacity, keeping: firstField + fieldCount)
  }

  /// Parses the record at `buffer.start` alone: one that ``parseBatch()``
  /// leaves out (it has quotes, is malformed, or is not all in the buffer).
  /// Delimiters, quotes and line breaks are found 64 bytes at a time
  /// (``ByteMasks``) and visited in order; a quoted field is read by
  /// ``parseQuotedField(at:lines:scan:)``, after which the scan resumes past it.
  @usableFromInline
  func parseRecord() -> ParseOutcome {
    let base = UnsafeRawPointer(buffer.base)
    let end = buffer.end
    let delimiter = dialect.delimiter, quote = dialect.quote
    let start = buffer.start
    if !escapedFields.isEmpty { escapedFields.removeAll(keepingCapacity: true) }
    if start == end {
      fieldCount = 0
      return atEnd ? .endOfInput : .needMore
    }
    var scan = ByteScan()
    scan.restart(at: start)
    let first = startFields(room: 64)
    firstField = first
    var bounds = buffer.segment.bounds + 2 &* first
    var room = buffer.segment.boundsCapacity &- first
    var count = 0
    var fieldStart = start
    var lines = 0
    while true {
      guard
        let position = scan.next(
          before: end, mask: { ByteMasks.any(delimiter, quote, 0x0A, 0x0D, in: base, at: $0, count: $1) })
      else {
        // The record runs to the end of what is read: the end of its last
        // field (empty after a trailing delimiter), or more is needed.
        fieldCount = count
        guard atEnd else { return .needMore }
        addField(fieldStart, end)
        return .complete(end: end, next: end, lines: lines)
      }
      let byte = base.load(fromByteOffset: position, as: UInt8.self)
      if byte == quote || _slowPath(count == room) {
        // Out of line, with the count in `self`.
        fieldCount = count
        if byte != quote {
          growBounds()
        } else {
          guard position == fieldStart else { return .malformed(.quoteInUnquotedField, at: position) }
          switch parseQuotedField(at: position, lines: &lines, scan: &scan) {
          case .done(let outcome): return outcome
          case .delimiter(let next):
            count = fieldCount
            fieldStart = next
            bounds = buffer.segment.bounds + 2 &* first
            room = buffer.segment.boundsCapacity &- first
            continue
          }
        }
        bounds = buffer.segment.bounds + 2 &* first
        room = buffer.segment.boundsCapacity &- first
      }
      bounds[2 &* count] = fieldStart
      bounds[2 &* count &+ 1] = position
      if byte == delimiter {
        count &+= 1
        fieldStart = position &+ 1
        continue
      }
      // A line break. A blank line is a record with no fields (as Python's csv reads it).
      if position != start { count &+= 1 }
      fieldCount = count
      return lineEnd(at: position, lines: lines &+ 1)
    }
  }

  @usableFromInline
  enum QuotedField {
    /// The field ended the record, or the record is malformed or incomplete.
    case done(ParseOutcome)
    /// A delimiter followed the field; the next field starts at this offset.
    case delimiter(next: Int)
  }

  /// Reads the quoted field whose opening quote is at `position`: it runs to
  /// a quote that is not doubled. Adds it, counts the line breaks inside it.
  @usableFromInline
  func parseQuotedField(at position: Int, lines: inout Int, scan: inout ByteScan) -> QuotedField {
    let base = UnsafeRawPointer(buffer.base)
    let end = buffer.end
    let quote = dialect.quote
    let contentStart = position &+ 1
    var q = contentStart
    var escaped = false
    while true {
      guard let closing = ByteSearch.first(quote, in: base, from: q, to: end) else {
        return .done(atEnd ? .malformed(.unterminatedQuote, at: position) : .needMore)
      }
      lines &+= ByteSearch.count(0x0A, in: base, from: q, to: closing)
      let after = closing &+ 1
      if after == end {
        guard atEnd else { return .done(.needMore) }
        addField(contentStart, closing, escaped: escaped)
        return .done(.complete(end: end, next: end, lines: lines))
      }
      let next = base.load(fromByteOffset: after, as: UInt8.self)
      if next == quote {
        escaped = true
        q = after &+ 1
        continue
      }
      addField(contentStart, closing, escaped: escaped)
      if next == dialect.delimiter {
        scan.skip(to: after &+ 1)
        return .delimiter(next: after &+ 1)
      }
      if next == 0x0A || next == 0x0D { return .done(lineEnd(at: after, lines: lines &+ 1)) }
      return .done(.malformed(.textAfterClosingQuote, at: after))
    }
  }

  /// Appends a field to the current record (out of the hot loop).
  @usableFromInline
  func addField(_ start: Int, _ end: Int, escaped: Bool = false) {
    if firstField + fieldCount == buffer.segment.boundsCapacity { growBounds() }
    let bounds = buffer.segment.bounds + 2 * firstField
    bounds[2 * fieldCount] = start
    bounds[2 * fieldCount + 1] = end
    fieldCount += 1
    if escaped { escapedFields.append(fieldCount - 1) }
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
    let line = nextLine, start = buffer.start
    nextLine &+= lines
    recordNumber &+= 1
    buffer.start = next
    fieldsInUse = firstField &+ fieldCount
    return CSVRecord(
      segment: buffer.segment, firstField: firstField, count: fieldCount, start: start, line: line,
      number: recordNumber)
  }

  @usableFromInline
  func unescapeFields() {
    let base = buffer.base
    let bounds = buffer.segment.bounds + 2 * firstField
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
