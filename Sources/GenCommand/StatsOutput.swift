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
  func check(_ summary: ColumnSummary, path: String) throws(GenFailure) {
    if !percentiles.isEmpty && summary.count > 0 && summary.quantiles == nil {
      throw .usage("\(path): these partials were made without --percentiles (or --median): run --partial with it")
    }
    if distinct && summary.distinct == nil {
      throw .usage("\(path): these partials were made without --distinct: run --partial with it")
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
    /// can be millions), into one buffer of cells: numeric columns, and with
    /// --distinct every column that has values. (After a spill, the groups
    /// are merged from disk again for each call.)
    var cells: [StatsCell] = []
    cells.reserveCapacity(names.count)
    func eachRow(_ body: (_ row: [StatsCell], _ nonNumeric: Int) throws -> Void) throws {
      try totals.forEachGroup { group, summaries in
        for (column, summary) in zip(columns, summaries) {
          guard let summary, summary.count > 0 || (distinct && summary.nonNumeric > 0) else { continue }
          anyRow = true
          cells.removeAll(keepingCapacity: true)
          if groupBy != nil { cells.append(.text(group)) }
          cells.append(.text(column))
          cells.append(.count(summary.count))
          if summary.count > 0 {
            let (sum, mean) = ColumnTotal.sumAndMean(summary)
            cells.append(sum)
            cells.append(.number(mean))
            cells.append(.number(summary.shownMinimum))
            cells.append(.number(summary.shownMaximum))
            for q in percentiles {
              // (Within [min, max]: the true value is, so this only brings the estimate closer.)
              let sketched = summary.quantiles?.count ?? 0
              let estimate = summary.quantiles?.quantile(percent: q, nans: summary.count - sketched)
              cells.append(estimate.map { .number(summary.clamped($0)) } ?? .null)
            }
          } else {
            for _ in 0..<(4 + percentiles.count) { cells.append(.null) }
          }
          if distinct {
            // (At most the number of values: the true count is, so this only brings the estimate closer.)
            let estimate = Swift.min((summary.distinct?.estimate ?? 0).rounded(), Double(summary.count + summary.nonNumeric))
            cells.append(.count(Int(estimate)))
          }
          try body(cells, summary.nonNumeric)
        }
      }
    }
    switch format {
    case .markdown:
      func texts(_ row: [StatsCell], _ nonNumeric: Int) -> [String] {
        row.map(\.markdown) + (nonNumeric > 0 ? ["\(nonNumeric) non-numeric"] : [])
      }
      var layout = MarkdownLayout(header: names, numericFrom: groupBy == nil ? 1 : 2)
      try eachRow { row, nonNumeric in layout.measure(texts(row, nonNumeric)) }
      try environment.stdout.write(layout.line(names) + layout.rule)
      try eachRow { row, nonNumeric in try environment.stdout.write(layout.line(texts(row, nonNumeric))) }
    case .csv:
      // (Field by field into the output: no String per number, no array per row.)
      let writer = CSVWriter(sink: environment.stdout, lineTerminator: "\n")
      try writer.write(names + ["non_numeric"])
      try eachRow { row, nonNumeric in
        for cell in row {
          try cell.withBytes { try writer.writeField(bytes: $0) }
          try environment.stdout.write(byte: writer.dialect.delimiter)
        }
        try StatsCell.count(nonNumeric).withBytes { try environment.stdout.write($0) }
        try writer.endRecord()
      }
    case .jsonl:
      // Each member's `"name":` made once.
      let keys = (names + ["non_numeric"]).map { JSONValue.string($0).serialized + ":" }
      try eachRow { row, nonNumeric in
        let sink = environment.stdout
        for (index, cell) in row.enumerated() {
          try sink.write(byte: index == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
          try sink.write(keys[index])
          switch cell {
          case .text(let text): try sink.write(JSONValue.string(text).serialized)
          case .null: try sink.write("null")
          default: try cell.withBytes { try sink.write($0) }
          }
        }
        try sink.write(byte: UInt8(ascii: ","))
        try sink.write(keys[row.count])
        try StatsCell.count(nonNumeric).withBytes { try sink.write($0) }
        try sink.write(byte: UInt8(ascii: "}"))
        try sink.write(byte: 0x0A)
      }
    }
    if !anyRow { environment.stderr("gen: no numeric columns in \(totals.records) records\n") }
  }
}

/// One cell of `stats`' table, made without a String where it can be:
/// counts and Doubles are written from their bits when the table is.
enum StatsCell {
  case null
  /// A group's or a column's name.
  case text(String)
  /// An exact decimal sum, as written (a number, in JSON).
  case digits(String)
  case count(Int)
  /// Written in full as Python's repr (`2.5`, `30.0`, `1e+20`), with JSON's
  /// names for the non-finite; rounded to 6 decimals in Markdown, for reading.
  case number(Double)

  /// Calls `body` with the cell's text (CSV's; in JSON a text needs quotes, and null is `null`).
  @inline(__always)
  func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    switch self {
    case .null: return try body(UnsafeRawBufferPointer(start: nil, count: 0))
    case .text(var text), .digits(var text): return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    case .count(let count): return try Derive.withIntegerDigits(count, body)  // (no String)
    case .number(let value):
      if value.isFinite { return try PythonFloatRepr(value).withBytes(body) }
      var text = value.isNaN ? "NaN" : value > 0 ? "Infinity" : "-Infinity"
      return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
  }

  /// The Markdown cell: counts and exact sums as they are, other numbers rounded for reading.
  var markdown: String {
    switch self {
    case .null: ""
    case .text(let text), .digits(let text): text
    case .count(let count): String(count)
    case .number(let value): Stats.formatNumber(value)
    }
  }
}
