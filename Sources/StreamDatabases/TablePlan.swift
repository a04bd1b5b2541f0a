import StreamIO

/// The columns a load writes, and how each record's fields become values:
/// shared by the SQLite and PostgreSQL sinks so that both accept and refuse
/// the same records.
struct TablePlan {
  /// The table's columns that the input fills, in the input's order.
  var columns: [ColumnDefinition]

  /// Columns for a new table: declared types first, else the narrowest type
  /// that holds every non-empty value of the sample (text if all are empty).
  static func infer<R: LoadableRecord>(header: [String], sample: [R], declared: [String: ColumnType]) -> [ColumnDefinition] {
    var inferred = [ColumnType?](repeating: nil, count: header.count)
    for record in sample {
      for index in 0..<min(record.fieldCount, header.count) where declaredType(declared, for: header[index]) == nil {
        guard let type = record.withField(index, { $0.flatMap(ColumnType.classify) }) else { continue }
        inferred[index] = inferred[index].map { $0.widened(with: type) } ?? type
      }
    }
    return header.enumerated().map { index, name in
      ColumnDefinition(name: name, type: declaredType(declared, for: name) ?? inferred[index] ?? .text)
    }
  }

  /// The type declared for the column `name`: names compare by their code
  /// points, as the input's are told apart (``ExactText``), so `é` and
  /// `e\u{301}` are two columns with types of their own.
  static func declaredType(_ declared: [String: ColumnType], for name: String) -> ColumnType? {
    declared.first { $0.key.hasSameCodePoints(as: name) }?.value
  }


  /// The value of `record`'s field `index` for `column`, handed to `visit`;
  /// a value that does not fit is a bad-record error naming the line and column.
  @inline(__always)
  static func withValue<R: LoadableRecord, Result>(
    _ record: R, _ index: Int, _ column: ColumnDefinition, source: String, _ visit: (FieldValue) throws -> Result
  ) throws -> Result {
    guard index < record.fieldCount else { return try visit(.null) }
    return try record.withField(index) { bytes throws -> Result in
      guard let bytes, !bytes.isEmpty else { return try visit(.null) }
      switch column.type {
      case .integer:
        guard let value = FieldParsing.integer(bytes) else {
          throw badValue(bytes, column, record, source, "is not an integer (the column is INTEGER)")
        }
        return try visit(.integer(value, bytes))
      case .real:
        guard let value = FieldParsing.real(bytes) else {
          throw badValue(bytes, column, record, source, "is not a number (the column is REAL)")
        }
        return try visit(.real(value, bytes))
      case .text:
        guard FieldParsing.isValidUTF8(bytes) else {
          throw DatabaseLoadError(
            source: source, line: record.sourceLine, column: column.name, message: "the value is not valid UTF-8",
            isBadRecord: true)
        }
        return try visit(.text(bytes))
      }
    }
  }

  static func badValue<R: LoadableRecord>(
    _ bytes: UnsafeRawBufferPointer, _ column: ColumnDefinition, _ record: R, _ source: String, _ what: String
  ) -> DatabaseLoadError {
    var shown = String(decoding: bytes.prefix(60), as: UTF8.self)
    if bytes.count > 60 { shown += "…" }
    return DatabaseLoadError(
      source: source, line: record.sourceLine, column: column.name,
      message: "\"\(shown)\" \(what); declare the column's type (--type \(column.name)=TEXT) or skip such rows (--skip-bad)",
      isBadRecord: true)
  }

  /// A record with more fields than the table has columns would lose data: refused.
  static func checkWidth<R: LoadableRecord>(_ record: R, columns: Int, source: String) throws {
    if record.fieldCount > columns {
      throw DatabaseLoadError(
        source: source, line: record.sourceLine, column: nil,
        message: "the record has \(record.fieldCount) fields and the table \(columns) columns", isBadRecord: true)
    }
  }
}

/// One field's value, borrowed for the duration of a bind: the parsed number
/// with its bytes as written, or text.
enum FieldValue {
  case null
  case integer(Int64, UnsafeRawBufferPointer)
  case real(Double, UnsafeRawBufferPointer)
  case text(UnsafeRawBufferPointer)
}
