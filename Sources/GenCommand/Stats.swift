import ArgumentParser
import StreamIO

struct Stats: GenVerb {
  static let configuration = CommandConfiguration(
    abstract: "Count, sum, mean, min and max of every numeric column, optionally per group.",
    discussion: """
      A column is numeric when its values read as numbers; empty values are not counted, \
      and text in a numeric column is counted as non-numeric. Memory grows with the number \
      of groups, never with the number of records.
      Example: gen stats sales.csv --group-by country
      """)

  @Option(help: "A column whose values split the records into groups.")
  var groupBy: String?

  @OptionGroup var input: InputOptions

  func execute(_ environment: GenEnvironment) throws {
    let stream = try RecordStream(input, environment: environment)
    let groupBy = self.groupBy  // an @Option's getter is slow: read it once
    var groups: [String: [String: ColumnSummary]] = [:]
    var columnOrder: [String] = []
    var known: Set<String> = []
    var records = 0
    while let record = try stream.next() {
      if records == 0, let groupBy, stream.format != .jsonl {
        try Select.check([groupBy], against: stream.columns, in: stream.path)
      }
      records += 1
      var group = ""
      if let groupBy, let value = record.value(groupBy) { group = value.text }
      for field in record.fields where field.name != groupBy {
        if known.insert(field.name).inserted { columnOrder.append(field.name) }
        // Mutated in place: no copy of the group's dictionary per record.
        groups[group, default: [:]][field.name, default: ColumnSummary()].add(field.value)
      }
    }
    stream.reportSkipped()
    let numeric = columnOrder.filter { name in groups.values.contains { ($0[name]?.count ?? 0) > 0 } }
    var rows: [[String]] = []
    for group in groups.keys.sorted() {
      for column in numeric {
        guard let summary = groups[group]?[column], summary.count > 0 else { continue }
        var row = groupBy == nil ? [] : [group]
        row += [
          column, String(summary.count), Self.formatNumber(summary.sum), Self.formatNumber(summary.sum / Double(summary.count)),
          Self.formatNumber(summary.minimum), Self.formatNumber(summary.maximum),
        ]
        if summary.nonNumeric > 0 { row.append("\(summary.nonNumeric) non-numeric") }
        rows.append(row)
      }
    }
    let header = (groupBy.map { [$0] } ?? []) + ["column", "count", "sum", "mean", "min", "max"]
    try environment.stdout.write(MarkdownTable(header: header, rows: rows, numericFrom: groupBy == nil ? 1 : 2).text)
    if numeric.isEmpty { environment.stderr("gen: no numeric columns in \(records) records\n") }
  }

  /// Up to 6 decimals, without trailing zeros.
  static func formatNumber(_ value: Double) -> String {
    guard value.isFinite else { return String(value) }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    var text = String(Double((value * 1e6).rounded()) / 1e6)
    if text.contains("e") { text = String(value) }
    return text
  }
}

/// Count, sum, min and max of one column's numbers.
struct ColumnSummary {
  var count = 0
  var sum = 0.0
  var minimum = Double.infinity
  var maximum = -Double.infinity
  var nonNumeric = 0

  mutating func add(_ value: JSONValue) {
    if case .string(let text) = value, text.isEmpty { return }
    guard let number = value.numericValue else {
      nonNumeric += 1
      return
    }
    count += 1
    sum += number
    minimum = min(minimum, number)
    maximum = max(maximum, number)
  }
}

