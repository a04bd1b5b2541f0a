import StreamIO

/// Writes records to standard output in a format: CSV with a header, JSON
/// Lines, or plain lines.
final class RecordWriter {
  let format: InputFormat
  let sink: OutputSink
  /// The CSV format's writer.
  private(set) var csv: CSVWriter?
  /// The CSV header: written before the first record.
  private(set) var columns: [String]? {
    didSet { columnSet = Set((columns ?? []).map(ExactText.init)) }
  }
  private var columnSet: Set<ExactText> = []
  private(set) var droppedFields = 0

  /// Counts the other `--threads` ranges' records with dropped fields with these.
  func addDropped(_ count: Int) { droppedFields += count }
  /// CSV without a header passed through: rows as they are, no header invented.
  private var headerless = false

  init(format: InputFormat, sink: OutputSink, dialect: CSVDialect = .standard, columns: [String]? = nil) {
    self.format = format
    self.sink = sink
    self.columns = columns
    columnSet = Set((columns ?? []).map(ExactText.init))
    if format == .csv { csv = CSVWriter(sink: sink, dialect: dialect, lineTerminator: "\n") }
  }

  /// A writer in the input's own format, the CSV header already written:
  /// for verbs that pass records through (`head`, `filter`).
  static func passingThrough(
    _ stream: RecordStream, to sink: OutputSink, dialect: CSVDialect
  ) throws(StreamIOError) -> RecordWriter {
    let named = stream.format == .csv && stream.hasNamedColumns
    let writer = RecordWriter(format: stream.format, sink: sink, dialect: dialect, columns: named ? stream.columns : nil)
    if stream.writesHeader { try writer.writeHeader() }
    writer.headerless = stream.format == .csv && !stream.hasNamedColumns
    return writer
  }

  /// Writes the header now (CSV), even if no record follows.
  func writeHeader() throws(StreamIOError) {
    guard let csv, let columns else { return }
    try csv.write(columns)
  }

  /// Writes a CSV row as read (the CSV format only).
  func write(_ row: CSVRecord) throws(StreamIOError) {
    try csv!.write(row)
  }

  /// Writes the chosen fields of a CSV row as read (the CSV format only).
  func write(_ row: CSVRecord, selecting indices: [Int?]) throws(StreamIOError) {
    try csv!.write(row, selecting: indices)
  }

  /// Writes `record`; `passThrough` keeps a CSV row, a JSON Lines record or
  /// a plain line as read (a ragged CSV row keeps all its fields).
  func write(_ record: Record, passThrough: Bool) throws(StreamIOError) {
    switch format {
    case .csv:
      if headerless || (passThrough && record.raw == nil) {
        try csv!.write(record.fields.map { $0.value.text })
        return
      }
      if columns == nil {
        columns = record.fields.map(\.name)
        try writeHeader()
      }
      let columns = self.columns!
      if record.fields.count == columns.count && zip(record.fields, columns).allSatisfy({ $0.name.hasSameCodePoints(as: $1) }) {
        try csv!.write(record.fields.map { $0.value.text })  // in the header's order already
      } else {
        if record.fields.contains(where: { !columnSet.contains(ExactText($0.name)) }) { droppedFields += 1 }
        var values: [ExactText: String] = [:]
        for field in record.fields where values[ExactText(field.name)] == nil { values[ExactText(field.name)] = field.value.text }
        try csv!.write(columns.map { values[ExactText($0)] ?? "" })
      }
    case .jsonl:
      if passThrough, let raw = record.raw {
        try sink.write(raw)
      } else {
        try sink.write(JSONValue.object(record.fields).serialized)
      }
      try sink.write(byte: 0x0A)
    case .lines:
      try sink.write(record.raw ?? record.fields.first?.value.text ?? "")
      try sink.write(byte: 0x0A)
    }
  }
}
