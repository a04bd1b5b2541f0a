import ArgumentParser
import StreamIO

/// How `stats` writes its table.
enum StatsOutputFormat: String, ExpressibleByArgument, CaseIterable {
  case markdown, csv, jsonl
}

/// The stats table, per group (sorted) and column (in the order first seen):
/// count, sum, mean, min, max, the percentiles and distinct count asked
/// for, and how many values were not numbers. Markdown rounds to 6
/// decimals for reading; CSV and JSON Lines give every number in full, as
/// Python's `repr` writes it, so they read back exactly.
struct StatsOutput {
  var percentiles: [Double]
  var distinct: Bool
  var format: StatsOutputFormat

  /// `--merge`: the partials must hold the sketches the table shows.
  func check(_ totals: StatsTotals, path: String) throws(GenFailure) {
    for columns in totals.groups.values {
      for summary in columns.values {
        if !percentiles.isEmpty && summary.count > 0 && summary.quantiles == nil {
          throw .usage("\(path): these partials were made without --percentiles (or --median): run --partial with it")
        }
        if distinct && summary.distinct == nil {
          throw .usage("\(path): these partials were made without --distinct: run --partial with it")
        }
      }
    }
  }

  /// "p50", "p99.9".
  static func percentileName(_ percent: Double) -> String {
    let rounded = (percent * 1e6).rounded() / 1e6
    return "p" + (rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded))
  }

  func write(_ totals: StatsTotals, groupBy: String?, environment: GenEnvironment) throws {
    var totals = totals
    let columns = totals.columnOrder
    var anyRow = false
    var names = (groupBy.map { [$0] } ?? []) + ["column", "count", "sum", "mean", "min", "max"]
    names += percentiles.map(Self.percentileName)
    if distinct { names.append("distinct") }
    /// Each row in order, made when it is written (a row per group and column
    /// can be millions): numeric columns, and with --distinct every column
    /// that has values. (After a spill, the groups are merged from disk again
    /// for each call.)
    func eachRow(_ body: (_ row: [JSONValue], _ nonNumeric: Int, _ decimalSum: Bool) throws -> Void) throws {
      try totals.forEachGroup { group, summaries in
        for (column, summary) in zip(columns, summaries) {
          guard let summary, summary.count > 0 || (distinct && summary.nonNumeric > 0) else { continue }
          anyRow = true
          var row: [JSONValue] = groupBy == nil ? [] : [.string(group)]
          row += [.string(column), .number(Double(summary.count), String(summary.count))]
          if summary.count > 0 {
            let sum = summary.decimal?.value ?? summary.sum.value
            // An exact decimal sum as it is (`49939517.67`); else the exact binary sum, rounded once.
            row.append(summary.decimal.map { .number($0.value, $0.shortText) } ?? Self.number(sum))
            let mean = summary.decimal?.mean(over: summary.count) ?? sum / Double(summary.count)
            row += [mean, summary.minimum, summary.maximum].map(Self.number)
            // (Within [min, max]: the true value is, so this only brings the estimate closer.)
            row += percentiles.map { q in
              summary.quantiles?.quantile(percent: q).map { Self.number(Swift.min(Swift.max($0, summary.minimum), summary.maximum)) }
                ?? .null
            }
          } else {
            row += Array(repeating: .null, count: 4 + percentiles.count)
          }
          if distinct {
            // (At most the number of values: the true count is, so this only brings the estimate closer.)
            let estimate = Swift.min((summary.distinct?.estimate ?? 0).rounded(), Double(summary.count + summary.nonNumeric))
            row.append(.number(estimate, String(Int(estimate))))
          }
          try body(row, summary.nonNumeric, summary.count > 0 && summary.decimal != nil)
        }
      }
    }
    switch format {
    case .markdown:
      func cells(_ row: [JSONValue], _ nonNumeric: Int, _ decimalSum: Bool) -> [String] {
        zip(names, row).map { name, value in
          Self.cell(value, rounded: name != "count" && name != "distinct" && !(name == "sum" && decimalSum))
        } + (nonNumeric > 0 ? ["\(nonNumeric) non-numeric"] : [])
      }
      var layout = MarkdownLayout(header: names, numericFrom: groupBy == nil ? 1 : 2)
      try eachRow { row, nonNumeric, decimalSum in layout.measure(cells(row, nonNumeric, decimalSum)) }
      try environment.stdout.write(layout.line(names) + layout.rule)
      try eachRow { row, nonNumeric, decimalSum in try environment.stdout.write(layout.line(cells(row, nonNumeric, decimalSum))) }
    case .csv:
      let writer = CSVWriter(sink: environment.stdout, lineTerminator: "\n")
      try writer.write(names + ["non_numeric"])
      try eachRow { row, nonNumeric, _ in try writer.write(row.map { $0.isNull ? "" : $0.text } + [String(nonNumeric)]) }
    case .jsonl:
      try eachRow { row, nonNumeric, _ in
        var members = zip(names, row).map { JSONMember($0, $1) }
        members.append(JSONMember("non_numeric", .number(Double(nonNumeric), String(nonNumeric))))
        try environment.stdout.write(JSONValue.object(members).serialized)
        try environment.stdout.write(byte: 0x0A)
      }
    }
    if !anyRow { environment.stderr("gen: no numeric columns in \(totals.records) records\n") }
  }

  /// A number in full: Python's repr (`2.5`, `30.0`, `1e+20`), JSON's names for the non-finite.
  static func number(_ value: Double) -> JSONValue {
    // (Python's repr, not Swift's description: from 2^53 up to below 1e16
    // Swift writes an exponent, `9.77479049798119e+15`, Python the digits.)
    .number(value, value.isFinite ? PythonFloatRepr(value).string : value.isNaN ? "NaN" : value > 0 ? "Infinity" : "-Infinity")
  }

  /// A Markdown cell: counts as they are, other numbers rounded for reading.
  static func cell(_ value: JSONValue, rounded: Bool) -> String {
    switch value {
    case .null: ""
    case .number(let number, let text): rounded ? Stats.formatNumber(number) : text
    default: value.text
    }
  }
}
