/// Writes CSV records, quoting a field exactly when it must be quoted: when it
/// holds the delimiter, the quote, CR or LF (doubling its quotes), or when it
/// is the only field of a record and empty (so it is not read back as a blank
/// line). What it writes, ``CSVReader`` reads back identically.
/// Python: `csv.writer` with `QUOTE_MINIMAL`.
public final class CSVWriter {
  public let sink: OutputSink
  public let dialect: CSVDialect
  /// `"\r\n"` (RFC 4180 and Python's default) or `"\n"`.
  public let lineTerminator: String
  /// Whether the line terminator is `"\r\n"`: it is written as bytes, not
  /// as a String per record.
  @usableFromInline
  let endsLinesWithCR: Bool

  public init(sink: OutputSink, dialect: CSVDialect = .standard, lineTerminator: String = "\r\n") {
    precondition(lineTerminator == "\r\n" || lineTerminator == "\n", "lineTerminator must be \"\\r\\n\" or \"\\n\"")
    self.sink = sink
    self.dialect = dialect
    self.lineTerminator = lineTerminator
    endsLinesWithCR = lineTerminator == "\r\n"
  }

  /// Ends a record: writes the line terminator.
  @inlinable
  public func endRecord() throws(StreamIOError) {
    if endsLinesWithCR { try sink.write(byte: 0x0D) }
    try sink.write(byte: 0x0A)
  }

  /// Writes to `path` atomically (see ``OutputSink``): nothing appears there
  /// until ``close()``. ``write(to:dialect:lineTerminator:_:)`` closes for you.
  public convenience init(path: String, dialect: CSVDialect = .standard, lineTerminator: String = "\r\n")
    throws(StreamIOError)
  {
    self.init(sink: try OutputSink(path: path), dialect: dialect, lineTerminator: lineTerminator)
  }

  /// Writes one record. Python: `writer.writerow(fields)`.
  @inlinable  // specialized for the caller's fields: no generic walk of each String
  public func write<Fields: Sequence>(_ fields: Fields) throws(StreamIOError) where Fields.Element: StringProtocol {
    var first = true
    var onlyField = true
    var lastWasEmpty = false
    for field in fields {
      if !first {
        try sink.write(byte: dialect.delimiter)
        onlyField = false
      }
      first = false
      lastWasEmpty = field.isEmpty
      try writeField(field)
    }
    if onlyField && lastWasEmpty && !first {
      // A lone empty field is written as "" so it is not a blank line.
      try sink.write(byte: dialect.quote)
      try sink.write(byte: dialect.quote)
    }
    try endRecord()
  }

  /// Writes a record as read by a ``CSVReader``, field by field from its
  /// buffer (no `String` is made), quoted as in ``write(_:)``. Python:
  /// `writer.writerow(row)` for a `row` from `csv.reader`.
  public func write(_ record: CSVRecord) throws(StreamIOError) {
    let count = record.count
    // Read with this dialect, no field quoted or needing quotes: as read, in one copy.
    if count > 1 || (count == 1 && !record.field(0).isEmpty),
      let bytes = record.unquotedBytes(delimiter: dialect.delimiter, quote: dialect.quote)
    {
      try sink.write(bytes)
      try endRecord()
      return
    }
    for index in 0..<count {
      if index > 0 { try sink.write(byte: dialect.delimiter) }
      try writeField(bytes: record.field(index))
    }
    if count == 1 && record.field(0).isEmpty {
      try sink.write(byte: dialect.quote)
      try sink.write(byte: dialect.quote)
    }
    try endRecord()
  }

  /// Writes some fields of a record as read, in the order given: each index
  /// picks a field; nil, or an index past the record's end, writes an empty
  /// field. No `String` is made. Python: `writer.writerow([row[i] for i in indices])`.
  public func write(_ record: CSVRecord, selecting indices: [Int?]) throws(StreamIOError) {
    let count = record.count
    // Read with this dialect, no field quoted or needing quotes: the fields
    // copied into the output's buffer at once (eight bytes at a time, from
    // the reader's padded buffer: room for 8 more bytes per field).
    if indices.count > 1, record.unquotedBytes(delimiter: dialect.delimiter, quote: dialect.quote) != nil {
      var length = 9 &* indices.count
      for index in indices { if let index, index < count { length &+= record.field(index).count } }
      let delimiter = dialect.delimiter
      let copied = try sink.writeInPlace(upTo: length) { output in
        var at = 0
        for (position, index) in indices.enumerated() {
          if position > 0 {
            output.storeBytes(of: delimiter, toByteOffset: at, as: UInt8.self)
            at &+= 1
          }
          guard let index, index < count else { continue }
          let field = record.field(index)
          if let source = field.baseAddress { ByteWords.copy(source, count: field.count, to: output + at) }
          at &+= field.count
        }
        return at
      }
      if copied { return try endRecord() }
    }
    var onlyEmpty = indices.count == 1
    for (position, index) in indices.enumerated() {
      if position > 0 { try sink.write(byte: dialect.delimiter) }
      guard let index, index < count else { continue }
      let field = record.field(index)
      if !field.isEmpty { onlyEmpty = false }
      try writeField(bytes: field)
    }
    if onlyEmpty {
      // A lone empty field is written as "" so it is not a blank line.
      try sink.write(byte: dialect.quote)
      try sink.write(byte: dialect.quote)
    }
    try endRecord()
  }

  /// (Inlinable: the verbs write most of their output field by field
  /// through here, and a call per field cost more than a short field's copy.)
  @inlinable
  package func writeField(bytes field: UnsafeRawBufferPointer) throws(StreamIOError) {
    let quote = dialect.quote
    guard needsQuotes(field) else {
      try sink.write(field)
      return
    }
    try sink.write(byte: quote)
    for byte in field {
      if byte == quote { try sink.write(byte: quote) }
      try sink.write(byte: byte)
    }
    try sink.write(byte: quote)
  }

  /// Whether the field holds the delimiter, the quote, CR or LF.
  @inlinable @inline(__always)
  package func needsQuotes(_ field: UnsafeRawBufferPointer) -> Bool {
    let delimiter = dialect.delimiter, quote = dialect.quote
    return ByteWords.any(
      in: field,
      marks: {
        ByteWords.equal($0, delimiter) | ByteWords.equal($0, quote) | ByteWords.equal($0, 0x0A) | ByteWords.equal($0, 0x0D)
      },
      isMarked: { $0 == delimiter || $0 == quote || $0 == 0x0A || $0 == 0x0D })
  }

  @inlinable
  package func writeField<Field: StringProtocol>(_ field: Field) throws(StreamIOError) {
    let delimiter = dialect.delimiter, quote = dialect.quote
    let needsQuotes = field.utf8.contains { $0 == delimiter || $0 == quote || $0 == 0x0A || $0 == 0x0D }
    guard needsQuotes else {
      try sink.write(String(field))
      return
    }
    try sink.write(byte: quote)
    for byte in field.utf8 {
      if byte == quote { try sink.write(byte: quote) }
      try sink.write(byte: byte)
    }
    try sink.write(byte: quote)
  }

  /// Ends the output: flushes and moves the file into place (see
  /// ``OutputSink/close()``). Python: `f.close()` on the file the writer writes to.
  public func close() throws(StreamIOError) { try sink.close() }

  /// The former name of ``close()``.
  @available(*, deprecated, renamed: "close()")
  public func finish() throws(StreamIOError) { try sink.close() }
}
