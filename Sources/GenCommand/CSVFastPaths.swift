import StreamIO

// `filter` and `stats` on CSV decide from the reader's bytes: no String per
// field, no JSON value per record. Each row whose bytes are all ASCII and
// that has the header's shape is handled here; any other row (non-ASCII
// text, whose comparisons and UTF-8 check need Strings; ragged rows) goes
// through the general `Record` path, so both paths give the same result.

extension UnsafeRawBufferPointer {
  /// Whether every byte is below 0x80.
  var isASCII: Bool {
    var i = 0
    let n = count
    while i &+ 8 <= n {
      if loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
      i &+= 8
    }
    while i < n {
      if self[i] >= 0x80 { return false }
      i &+= 1
    }
    return true
  }

  /// Whether `needle` occurs in these bytes.
  func contains(_ needle: [UInt8]) -> Bool {
    guard needle.count <= count, let first = needle.first else { return needle.isEmpty }
    var start = 0
    while start &+ needle.count <= count {
      if self[start] == first {
        var j = 1
        while j < needle.count && self[start &+ j] == needle[j] { j &+= 1 }
        if j == needle.count { return true }
      }
      start &+= 1
    }
    return false
  }

  /// -1, 0 or 1 as these bytes sort before, equal or after `other`.
  func compare(_ other: [UInt8]) -> Int {
    let n = Swift.min(count, other.count)
    for i in 0..<n where self[i] != other[i] { return self[i] < other[i] ? -1 : 1 }
    return count < other.count ? -1 : count > other.count ? 1 : 0
  }
}

extension CSVRecord {
  /// Whether every field is ASCII: the bytes from the first field's start to
  /// the last one's end are checked in one pass (what lies between fields is
  /// delimiters and quotes, or bytes of the fields themselves).
  var isASCII: Bool {
    guard count > 0 else { return true }
    let first = field(0), last = field(count - 1)
    let start = first.baseAddress!, end = last.baseAddress! + last.count
    return UnsafeRawBufferPointer(start: start, count: end - start).isASCII
  }
}

/// A `--where` clause ready for a CSV's bytes.
struct CSVCondition {
  let clause: WhereClause
  /// The column's index (its first, if the header repeats it); nil: no such column.
  let index: Int?
  let value: [UInt8]
  let number: Double?

  init(_ clause: WhereClause, columns: [String]) {
    self.clause = clause
    index = columns.firstIndex(of: clause.column)
    value = Array(clause.value.utf8)
    number = JSONValue.string(clause.value).numericValue.flatMap { $0.isFinite ? $0 : nil }  // as WhereClause.matches: "nan" compares as text
  }

  /// Whether an ASCII row matches, as ``WhereClause/matches(_:)`` decides
  /// for its text; nil when only the general path can tell (a field with
  /// spaces around a number, an empty or non-ASCII value to contain).
  func matches(_ row: CSVRecord) -> Bool? {
    guard let index, index < row.count else { return clause.matches(nil) }
    let field = row.field(index)
    switch clause.op {
    case .contains, .notContains:
      // Strings compare by Characters, and "\r\n" is one: a value with a CR
      // or LF could match the bytes but not the Characters.
      guard !value.isEmpty, value.allSatisfy({ $0 < 0x80 && $0 != 0x0A && $0 != 0x0D }) else { return nil }
      return field.contains(value) == (clause.op == .contains)
    default: break
    }
    let order: Int
    if let number {
      if let left = Double.decode(csvField: field), !left.isNaN {
        order = left < number ? -1 : left > number ? 1 : 0
      } else if field.first == 0x20 || field.last == 0x20 {
        return nil  // " 5" reads as a number once trimmed
      } else {
        order = field.compare(value)
      }
    } else {
      guard clause.value.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
      order = field.compare(value)
    }
    return clause.op.accepts(order: order)
  }
}

extension Filter {
  /// `filter` over CSV: rows compared and copied as bytes.
  func filterCSV(_ stream: RecordStream, clauses: [WhereClause], writer: RecordWriter) throws {
    var conditions: [CSVCondition]?
    while let row = try stream.nextRow() {
      if conditions == nil {
        // (Without a header, the names come with the first row: checked
        // here, before it is written.)
        try Select.check(clauses.map(\.column), against: stream.columns, in: stream.path)
        conditions = clauses.map { CSVCondition($0, columns: stream.columns) }
      }
      // Rows are written as they are (ragged ones too); non-ASCII ones are
      // compared by the general path, as Strings.
      if row.isASCII {
        var keep = true
        var decided = true
        for condition in conditions! {
          guard let matched = condition.matches(row) else {
            decided = false
            break
          }
          if !matched {
            keep = false
            break
          }
        }
        if decided {
          if keep { try writer.write(row) }
          continue
        }
      }
      guard let record = try stream.record(from: row) else { continue }
      if clauses.allSatisfy({ $0.matches(record.value($0.column)) }) {
        try writer.write(record, passThrough: true)
      }
    }
    stream.reportSkipped()
  }
}

extension Convert {
  /// `convert --to jsonl` over CSV: each ASCII row is written from the
  /// reader's bytes: the keys (`{"name":`, `,"qty":`) made once, each field
  /// quoted and escaped as ``JSONValue/writeString(_:to:)`` does. Non-ASCII
  /// rows go through the general path, which checks their UTF-8.
  func convertCSVToJSONLines(_ stream: RecordStream, writer: RecordWriter, sink: OutputSink) throws {
    var keys: [String] = []
    while let row = try stream.nextRow() {
      guard row.isASCII else {
        guard let record = try stream.record(from: row) else { continue }
        try writer.write(record, passThrough: false)
        continue
      }
      if keys.count < row.count {  // the header's names, or names by position past them
        keys = stream.columns.enumerated().map { index, name in
          var key = index == 0 ? "{" : ","
          JSONValue.writeString(name, to: &key)
          return key + ":"
        }
      }
      for index in 0..<row.count {
        try sink.write(keys[index])
        try sink.write(byte: 0x22)
        try Self.writeEscaped(row.field(index), to: sink)
        try sink.write(byte: 0x22)
      }
      try sink.write(byte: 0x7D)  // }
      try sink.write(byte: 0x0A)
    }
  }

  /// Writes ASCII `bytes` as the inside of a JSON string: `"` and `\` escaped,
  /// control characters as `\n`, `\r`, `\t` or `\u00XX` (as `JSONValue` writes them).
  @inline(__always)
  static func writeEscaped(_ bytes: UnsafeRawBufferPointer, to sink: OutputSink) throws(StreamIOError) {
    var start = 0
    for index in 0..<bytes.count {
      let byte = bytes[index]
      guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
      if index > start { try sink.write(UnsafeRawBufferPointer(rebasing: bytes[start..<index])) }
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
    if start < bytes.count { try sink.write(UnsafeRawBufferPointer(rebasing: bytes[start...])) }
  }
}
