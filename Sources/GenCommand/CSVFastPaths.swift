import StreamIO

// `filter` and `stats` on CSV decide from the reader's bytes: no String per
// field, no JSON value per record. Each row whose bytes are all ASCII and
// that has the header's shape is handled here; any other row (non-ASCII
// text, whose comparisons and UTF-8 check need Strings; ragged rows) goes
// through the general `Record` path, so both paths give the same result.

extension UnsafeRawBufferPointer {
  /// Whether every byte is below 0x80.
  @inline(__always)
  var isASCII: Bool {
    !ByteWords.any(in: self, marks: ByteWords.high, isMarked: { $0 >= 0x80 })
  }
}

extension CSVRecord {
  /// Whether every field is ASCII: the bytes from the first field's start to
  /// the last one's end are checked in one pass (what lies between fields is
  /// delimiters and quotes, or bytes of the fields themselves).
  @inline(__always)
  var isASCII: Bool {
    guard let span = fieldsSpan else { return true }
    return span.isASCII
  }

  /// The bytes from the first field's start to the last one's end (nil for
  /// a row without fields): the fields, and the delimiters and quotes
  /// between them.
  @inline(__always)
  var fieldsSpan: UnsafeRawBufferPointer? {
    guard count > 0 else { return nil }
    let first = field(0), last = field(count - 1)
    return UnsafeRawBufferPointer(start: first.baseAddress!, count: last.baseAddress! + last.count - first.baseAddress!)
  }
}

extension Filter {
  /// `filter` over CSV: ASCII rows are tested on the reader's bytes and
  /// copied as read; other rows are tested as Strings (which checks their
  /// UTF-8). Both read the same values, so both decide alike.
  func filterCSV(
    _ stream: RecordStream, conditions: RecordConditions?, writer: RecordWriter, environment: GenEnvironment
  ) throws {
    let conditions = try filterRows(stream, conditions: conditions, writer: writer)
    stream.reportSkipped()
    conditions.report(environment)
  }

  /// The rows that pass, written; returns the conditions (compiled at the
  /// first row when the header came with it) for their report.
  func filterRows(_ stream: RecordStream, conditions: RecordConditions?, writer: RecordWriter) throws -> RecordConditions {
    guard let first = try stream.nextRow() else {
      return try conditions ?? RecordConditions(self.conditions, columns: stream.hasNamedColumns ? stream.columns : nil)
    }
    // (Without a header, the names come with the first row: compiled
    // here, before it is written.)
    let conditions = try conditions ?? RecordConditions(self.conditions, columns: stream.columns)
    // (Read once: through the writer, the CSV writer was retained for every row.)
    let test = conditions.csv, csv = writer.csv!
    @inline(__always) func filter(_ row: CSVRecord) throws {
      // Rows are written as they are (ragged ones too).
      if row.isASCII {
        if row.withLentFields({ withUnsafePointer(to: CSVExpressionRow(fields: $0)) { test($0) } }) { try csv.write(row) }
      } else if let record = try stream.record(from: row), conditions.matches(RecordExpressionRow(record: record)) {
        try writer.write(record, passThrough: true)
      }
    }
    try filter(first)
    try stream.forEachRow { row in try filter(row) }
    return conditions
  }
}

extension Convert {
  /// `convert --to jsonl` over CSV: each ASCII row is written from the
  /// reader's bytes: the keys (`{"name":`, `,"qty":`) made once, each field
  /// quoted and escaped as ``JSONValue/writeString(_:to:)`` does. Non-ASCII
  /// rows go through the general path, which checks their UTF-8.
  func convertCSVToJSONLines(_ stream: RecordStream, writer: RecordWriter, sink: OutputSink) throws {
    var keys: [String] = []
    var pieces = JSONKeyPieces()
    try stream.forEachRow { row in
      // Most rows: nothing to escape, each field copied after its key, all
      // into the output's buffer at once.
      if let plain = row.jsonPlainSpan {
        if pieces.count < row.count { pieces = JSONKeyPieces(stream.columns) }
        if try sink.writeInPlace(upTo: pieces.room(for: row, span: plain), { pieces.write(row, to: $0) }) {
          return
        }
      }
      guard row.isASCII else {
        guard let record = try stream.record(from: row) else { return }
        try writer.write(record, passThrough: false)
        return
      }
      try Self.writeObject(row, keys: &keys, columns: stream.columns, to: sink)
      try sink.write(byte: 0x0A)
    }
  }

  /// An ASCII row as a compact JSON object named by `columns`; `keys` keeps
  /// their JSON forms (`{"name":`, `,"qty":`) from row to row.
  @inline(__always)
  static func writeObject(
    _ row: CSVRecord, keys: inout [String], columns: @autoclosure () -> [String], to sink: OutputSink
  ) throws(StreamIOError) {
    if keys.count < row.count {  // the header's names, or names by position past them
      keys = columns().enumerated().map { index, name in
        var key = index == 0 ? "{" : ","
        JSONValue.writeString(name, to: &key)
        return key + ":"
      }
    }
    if row.count == 0 { try sink.write(byte: 0x7B) }  // {
    for index in 0..<row.count {
      try sink.write(keys[index])
      try sink.write(byte: 0x22)
      try writeEscaped(row.field(index), to: sink)
      try sink.write(byte: 0x22)
    }
    try sink.write(byte: 0x7D)  // }
  }

  /// Writes ASCII `bytes` as the inside of a JSON string: `"` and `\` escaped,
  /// control characters as `\n`, `\r`, `\t` or `\u00XX` (as `JSONValue` writes them).
  @inline(__always)
  static func writeEscaped(_ bytes: UnsafeRawBufferPointer, to sink: OutputSink) throws(StreamIOError) {
    var start = 0
    for index in 0..<bytes.count {
      let byte = bytes[index]
      guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
      if index > start { try sink.write(bytes.slice(start..<index)) }
      start = index + 1
      switch byte {
      case 0x22: try sink.write("\\\"")
      case 0x5C: try sink.write("\\\\")
      case 0x0A: try sink.write("\\n")
      case 0x0D: try sink.write("\\r")
      case 0x09: try sink.write("\\t")
      default:
        let hex = Array("0123456789abcdef".utf8)
        try sink.write("\\u00")
        try sink.write(byte: hex[Int(byte >> 4)])
        try sink.write(byte: hex[Int(byte & 0xF)])
      }
    }
    if start < bytes.count { try sink.write(bytes.slice(start..<bytes.count)) }
  }
}

/// The keys of ``Convert/convertCSVToJSONLines(_:writer:sink:)``'s quick
/// path, each with the quotes around it and its field (`{"name":"`,
/// `","qty":"`), in one block padded so that pieces are copied eight
/// bytes at a time.
struct JSONKeyPieces {
  private var bytes: [UInt8] = []
  private var starts: [Int] = [0]

  var count: Int { starts.count - 1 }

  init() {}

  init(_ columns: [String]) {
    for (index, name) in columns.enumerated() {
      var key = index == 0 ? "{" : "\","
      JSONValue.writeString(name, to: &key)
      bytes += Array((key + ":\"").utf8)
      starts.append(bytes.count)
    }
    bytes += Array(repeating: 0, count: 8)
  }

  /// The bytes of the first `count` keys.
  func length(_ count: Int) -> Int { starts[count] }

  /// Writes `row` (1 to ``count`` fields, none needing escapes) as a JSON
  /// object, and a line break if `lineBreak`, at `output`, which has room
  /// for ``room(for:)``; returns how many bytes it wrote.
  @inline(__always)
  func write(_ row: CSVRecord, to output: UnsafeMutableRawPointer, lineBreak: Bool = true) -> Int {
    @inline(__always) func copy(_ source: UnsafeRawPointer, _ count: Int, to at: inout Int) {
      ByteWords.copy(source, count: count, to: output + at)
      at &+= count
    }
    var at = 0
    bytes.withUnsafeBytes { keys in
      for index in 0..<row.count {
        let start = starts[index]
        copy(keys.baseAddress! + start, starts[index &+ 1] &- start, to: &at)
        let field = row.field(index)
        copy(field.baseAddress!, field.count, to: &at)
      }
    }
    output.storeBytes(of: UInt8(ascii: "\""), toByteOffset: at, as: UInt8.self)
    output.storeBytes(of: UInt8(ascii: "}"), toByteOffset: at &+ 1, as: UInt8.self)
    output.storeBytes(of: 0x0A, toByteOffset: at &+ 2, as: UInt8.self)
    return lineBreak ? at &+ 3 : at &+ 2
  }

  /// The room ``write(_:to:lineBreak:)`` needs for `row`, whose fields are
  /// `span` (the pieces, the fields, and 8 bytes each for the copies' overshoot).
  @inline(__always)
  func room(for row: CSVRecord, span: UnsafeRawBufferPointer) -> Int {
    length(row.count) + span.count + 8 &* row.count + 8
  }
}

extension CSVRecord {
  /// The bytes from the first field's start to the last one's end, if none
  /// of them needs attention in a JSON string: no control byte, no byte
  /// from 0x80, no quote, no backslash (so no field needs escaping, and each
  /// is ASCII). Nil otherwise, or for a row without fields.
  @inline(__always)
  var jsonPlainSpan: UnsafeRawBufferPointer? {
    guard let span = fieldsSpan else { return nil }
    let needsAttention = ByteWords.any(
      in: span,
      marks: { ByteWords.control($0) | ByteWords.high($0) | ByteWords.equal($0, 0x22) | ByteWords.equal($0, 0x5C) },
      isMarked: { $0 < 0x20 || $0 >= 0x80 || $0 == 0x22 || $0 == 0x5C })
    return needsAttention ? nil : span
  }
}
