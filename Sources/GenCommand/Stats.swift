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
    var totals = StatsTotals()
    var records = 0
    if stream.format == .csv && environment.byteLevelCSV {
      records = try totals.addCSV(stream, groupBy: groupBy)
    } else {
      while let record = try stream.next() {
        if records == 0, let groupBy {  // JSON Lines: against the first record's keys, as select and filter
          try Select.check([groupBy], against: stream.columns, in: stream.path)
        }
        records += 1
        totals.add(record, groupBy: groupBy)
      }
    }
    let groups = totals.groups, columnOrder = totals.columnOrder
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
    add(number)
  }

  mutating func add(_ number: Double) {
    count += 1
    sum += number
    minimum = min(minimum, number)
    maximum = max(maximum, number)
  }
}

/// The summaries of every group and column, in the order columns were first seen.
struct StatsTotals {
  private(set) var groups: [String: [String: ColumnSummary]] = [:]
  private(set) var columnOrder: [String] = []
  private var known: Set<String> = []

  mutating func add(_ record: Record, groupBy: String?) {
    var group = ""
    if let groupBy, let value = record.value(groupBy) { group = value.text }
    for field in record.fields where field.name != groupBy {
      if known.insert(field.name).inserted { columnOrder.append(field.name) }
      // Mutated in place: no copy of the group's dictionary per record.
      groups[group, default: [:]][field.name, default: ColumnSummary()].add(field.value)
    }
  }

  /// CSV: rows summed into per-group arrays, one dictionary look-up per row
  /// (for the group); ASCII rows from their bytes, others from their strings.
  /// Returns the number of records.
  mutating func addCSV(_ stream: RecordStream, groupBy: String?) throws -> Int {
    var records = 0
    var groupSlots: [String: Int] = [:]
    var slotGroups: [String] = []
    var summaries: [[ColumnSummary]] = []  // [group slot][column slot]
    var columnSlots: [Int?] = []  // per column index: its name's slot; nil for the group column
    var slotNames: [String] = []  // in the order the rows showed them
    var slotsByName: [String: Int] = [:]
    var groupIndex: Int?
    func slot(named name: String) -> Int {
      if let slot = slotsByName[name] { return slot }
      slotNames.append(name)
      slotsByName[name] = slotNames.count - 1
      return slotNames.count - 1
    }
    func slot(group: String) -> Int {
      let slot: Int
      if let known = groupSlots[group] {
        slot = known
      } else {
        slot = summaries.count
        groupSlots[group] = slot
        slotGroups.append(group)
        summaries.append([])
      }
      if summaries[slot].count < slotNames.count {
        summaries[slot] += Array(repeating: ColumnSummary(), count: slotNames.count - summaries[slot].count)
      }
      return slot
    }
    while let row = try stream.nextRow() {
      if records == 0, let groupBy {
        try Select.check([groupBy], against: stream.columns, in: stream.path)
        groupIndex = stream.columns.firstIndex(of: groupBy)
      }
      records += 1
      guard row.isASCII else {
        guard let record = try stream.record(from: row) else { continue }
        var group = ""
        if let groupBy, let value = record.value(groupBy) { group = value.text }
        let slots = record.fields.map { $0.name == groupBy ? nil : slot(named: $0.name) }
        let groupSlot = slot(group: group)
        for (field, slot) in zip(record.fields, slots) {
          if let slot { summaries[groupSlot][slot].add(field.value) }
        }
        continue
      }
      while columnSlots.count < row.count {
        let name = stream.columns[columnSlots.count]
        columnSlots.append(name == groupBy ? nil : slot(named: name))
      }
      var group = ""
      if let groupIndex, groupIndex < row.count { group = String(decoding: row.field(groupIndex), as: UTF8.self) }
      let groupSlot = slot(group: group)
      for index in 0..<row.count {
        guard let slot = columnSlots[index] else { continue }
        let field = row.field(index)
        if field.isEmpty { continue }
        if let number = Double.decode(csvField: field) {
          summaries[groupSlot][slot].add(number)
        } else if field.first == 0x20 || field.last == 0x20 {
          summaries[groupSlot][slot].add(JSONValue.string(String(decoding: field, as: UTF8.self)))
        } else {
          summaries[groupSlot][slot].nonNumeric += 1
        }
      }
    }
    for (groupSlot, group) in slotGroups.enumerated() {
      for (slot, summary) in summaries[groupSlot].enumerated() { groups[group, default: [:]][slotNames[slot]] = summary }
    }
    columnOrder = slotNames
    return records
  }
}
