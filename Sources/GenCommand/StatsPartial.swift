import StreamIO

/// `gen stats --partial` and `--merge`: the totals of one partition as JSON
/// Lines, and the table of all partitions from them, equal to one run's.
///
/// A partial is one `records` line, then one line per group and column:
///
/// ```
/// {"gen_stats_partial":2,"format":"csv","group_by":"country","header":["name","country","qty","price"],"columns":["name","qty","price"],"records":3,"skipped":0}
/// {"gen_stats_partial":2,"group":"DE","column":"qty","count":2,"sum":[],"min":7.0,"max":12.0,"decimal":"19","non_numeric":0}
/// ```
///
/// `decimal` is the exact sum of the plain decimals (``DecimalSum``; absent:
/// 0); `sum` the exact sum's partials of the other numbers (``ExactSum``;
/// terms from 2^970 up are in `sum_scaled`, times 2^-100, when there are
/// any), and `other_numbers` says there were some. `min` and `max` are the
/// numbers other than nan; `nan` says there was one. So merging in any
/// order gives the one-pass bits. Partials merge only when format, `group_by` and
/// (CSV) header agree. Lines may come in any order (sorted by Hadoop's
/// shuffle, say); the columns keep the order in which the `records` lines
/// name them, which is one run's order whenever partitions share a header,
/// and for JSON Lines when the partials come in the data's order.
struct StatsPartial {
  static let kind = "gen_stats_partial"
  /// 2: `sum` holds only the numbers that are not plain decimals, `decimal`
  /// only the plain decimals (in 1, `sum` held every number).
  static let version = 2

  var format: InputFormat
  var groupBy: String?
  /// CSV with a header (read, or given by --header): its names.
  var header: [String]?
  /// Records skipped by --skip-bad.
  var skipped: Int
  /// An empty partition: nothing told its format or columns.
  var columnsUnknown = false

  func write(_ totals: StatsTotals, to sink: OutputSink) throws {
    let tag = "{\"\(Self.kind)\":\(Self.version),"
    try sink.write(
      tag + "\"format\":\(Partials.string(format.rawValue)),\"group_by\":\(groupBy.map(Partials.string) ?? "null"),"
        + "\"header\":\(Partials.strings(header)),\"columns\":\(Partials.strings(totals.columnOrder)),"
        + "\"records\":\(totals.records),\"skipped\":\(skipped)}\n")
    var totals = totals
    let columnOrder = totals.columnOrder
    try totals.forEachGroup { group, summaries in
      for (column, summary) in zip(columnOrder, summaries) {
        guard let summary, summary.count > 0 || summary.nonNumeric > 0 else { continue }
        var line = tag
        if groupBy != nil { line += "\"group\":\(Partials.string(group)),"}
        line += "\"column\":\(Partials.string(column)),\"count\":\(summary.count),"
        let (small, hugeScaled) = summary.sum.terms
        line += "\"sum\":[" + (small.map(Partials.number) + (summary.sum.special != 0 ? [Partials.number(summary.sum.special)] : []))
          .joined(separator: ",") + "]"
        if !hugeScaled.isEmpty { line += ",\"sum_scaled\":[" + hugeScaled.map(Partials.number).joined(separator: ",") + "]" }
        if summary.count > 0 {
          line += ",\"min\":\(Partials.number(summary.minimum)),\"max\":\(Partials.number(summary.maximum))"
        }
        if summary.decimal != DecimalSum() { line += ",\"decimal\":\"\(summary.decimal.text)\"" }
        if summary.hasOtherNumbers { line += ",\"other_numbers\":true" }
        if summary.hasNaN { line += ",\"nan\":true" }
        if let quantiles = summary.quantiles { line += ",\"quantiles\":\(quantiles.serialized)" }
        if let distinct = summary.distinct { line += ",\"distinct\":\"\(distinct.hex)\"" }
        line += ",\"non_numeric\":\(summary.nonNumeric)}\n"
        try sink.write(line)
      }
    }
  }

  /// Merges the partials in `paths`; `groupBy`, if given, must be theirs.
  /// The groups are held as a run reads them (``StatsSlots``), so that past
  /// `spill`'s limit they go to disk as there.
  static func merge(
    _ paths: [String], groupBy: String?, output: StatsOutput, spill: StatsSpill, maxLineLength: Int,
    environment: GenEnvironment
  ) throws -> (totals: StatsTotals, groupBy: String?) {
    var totals = StatsTotals()
    totals.sketching = spill.sketching
    totals.spill = spill
    var slots = StatsSlots(sketching: spill.sketching, spill: spill)
    var first: (partial: StatsPartial, line: PartialLine)?
    var skipped = 0
    var summaryColumns: [ExactText: PartialLine] = [:]  // each column's first summary line, to check at the end
    var grouped: PartialLine?, ungrouped: PartialLine?  // the first summary line with and without a group
    try Partials.read(paths, kind: kind, version: version, maxLineLength: maxLineLength, environment: environment) {
      line in
      if line.has("column") {
        guard case .string(let column)? = line.value("column") else { throw line.error("\"column\" must be a string") }
        let group = try line.optionalString("group")
        if group == nil { ungrouped = ungrouped ?? line } else { grouped = grouped ?? line }
        if summaryColumns[ExactText(column)] == nil { summaryColumns[ExactText(column)] = line }
        let summary = try summary(line, keeping: spill.sketching)
        try output.check(summary, path: line.path)  // (the sketches it asks for are there)
        let slot = try slots.slot(group: group ?? ""), columnSlot = slots.slot(named: column)
        slots.makeRoom(group: slot, column: columnSlot)
        slots.summaries.row(slot)[columnSlot].add(summary)
        return
      }
      guard case .string(let name)? = line.value("format"), let format = InputFormat(rawValue: name) else {
        throw line.error("\"format\" must be \"csv\", \"jsonl\" or \"lines\"")
      }
      let records = try line.count("records")
      let partial = StatsPartial(
        format: format, groupBy: try line.optionalString("group_by"), header: try line.optionalStrings("header"),
        skipped: try line.count("skipped"), columnsUnknown: records == 0)
      guard let columns = try line.optionalStrings("columns") else { throw line.error("\"columns\" is missing") }
      if let known = first {
        try partial.check(compatibleWith: known.partial, line: line, firstLine: known.line)
        if known.partial.columnsUnknown && !partial.columnsUnknown { first = (partial, line) }
      } else {
        if let groupBy, partial.groupBy.map(ExactText.init) != ExactText(groupBy) {
          throw line.error(
            "this partial is grouped by \(describe(partial.groupBy)), not by \(describe(groupBy)) as --group-by says")
        }
        first = (partial, line)
      }
      for column in columns { totals.note(column: column) }
      totals.records += records
      skipped += partial.skipped
    }
    let mergedGroupBy = first?.partial.groupBy ?? groupBy
    if first == nil, let line = grouped ?? ungrouped {
      throw line.error("a summary line, but no partial's first line (with \"records\"): is a partial cut short?")
    }
    if let line = mergedGroupBy == nil ? grouped : ungrouped {
      throw line.error(
        mergedGroupBy == nil ? "a group in partials that are not grouped" : "no group in partials grouped by \(describe(mergedGroupBy))")
    }
    let known = Set(totals.columnOrder.map(ExactText.init))
    if let (column, line) = summaryColumns.first(where: { !known.contains($0.key) }) {
      throw line.error("column \(describe(column.string)) is not among the columns of any partial's first line")
    }
    totals.keep(&slots)  // (after the check above: every column of `slots` is in the column order)
    if skipped > 0 {
      environment.stderr("gen: the partials skipped \(skipped) bad record\(skipped == 1 ? "" : "s") (--skip-bad)\n")
    }
    return (totals, mergedGroupBy)
  }

  /// A partial to merge with `first` must come from the same command on the same kind of data.
  /// An empty partition's format may differ (standard input with nothing to tell it by).
  func check(compatibleWith first: StatsPartial, line: PartialLine, firstLine: PartialLine) throws(StreamIOError) {
    let there = "\(firstLine.path):\(firstLine.number)"
    if !columnsUnknown && !first.columnsUnknown {
      if format != first.format {
        throw line.error("this partial is of \(format.rawValue) input, the one at \(there) of \(first.format.rawValue)")
      }
      if format == .csv && (header == nil) != (first.header == nil) {
        throw line.error(
          "this partial's CSV \(header == nil ? "had no header" : "had a header"), the one at \(there) "
            + "\(first.header == nil ? "had none" : "had one"); give every partition the same --header")
      }
    }
    if groupBy.map(ExactText.init) != first.groupBy.map(ExactText.init) {
      throw line.error(
        "this partial is grouped by \(describe(groupBy)), the one at \(there) by \(describe(first.groupBy)); "
          + "merge the partials of one command")
    }
    // An empty partition has no header to read: it merges with any.
    if let header, let other = first.header, header.map(ExactText.init) != other.map(ExactText.init) {
      throw line.error(
        "this partial's header (\(header.joined(separator: ","))) differs from the one at \(there) "
          + "(\(other.joined(separator: ","))); give every partition the same --header")
    }
  }

  /// A summary line's summary, with the sketches `keeping` asks for (the
  /// others would take memory that --memory-limit does not count, unshown).
  static func summary(_ line: PartialLine, keeping: StatsSketching) throws(StreamIOError) -> ColumnSummary {
    var summary = ColumnSummary()
    summary.count = try line.count("count")
    summary.nonNumeric = try line.count("non_numeric")
    guard case .array(let terms)? = line.value("sum") else { throw line.error("\"sum\" must be an array of numbers") }
    var scaled: [JSONValue] = []
    if let value = line.value("sum_scaled") {
      guard case .array(let values) = value else { throw line.error("\"sum_scaled\" must be an array of numbers") }
      scaled = values
    }
    var small: [Double] = [], hugeScaled: [Double] = []
    for term in terms {
      let number = try line.double(term, "sum")
      if number.isFinite { small.append(number) } else { summary.sum.add(number) }  // (inf, nan: the special sum)
    }
    for term in scaled { hugeScaled.append(try line.double(term, "sum_scaled")) }
    summary.sum.add(terms: small, hugeScaled: hugeScaled)
    summary.hasOtherNumbers = try line.flag("other_numbers")
    summary.hasNaN = try line.flag("nan")
    // (Terms, or a nan, without other numbers: the total would drop them, silently.)
    if !summary.hasOtherNumbers && (!small.isEmpty || !hugeScaled.isEmpty || summary.sum.special != 0 || summary.hasNaN) {
      throw line.error("\"sum\" has terms or \"nan\" is true, but \"other_numbers\" is not true")
    }
    if let value = line.value("decimal") {
      guard case .string(let text) = value, let decimal = DecimalSum(text: text) else {
        throw line.error("\"decimal\" must be a decimal number in a string, such as \"12.50\"")
      }
      summary.decimal = decimal
    }
    let quantileSketch = try line.value("quantiles").map { value throws(StreamIOError) in try quantiles(value, line) }
    var distinctSketch: DistinctSketch?
    if let value = line.value("distinct") {
      guard case .string(let hex) = value, let sketch = DistinctSketch(hex: hex) else {
        throw line.error("\"distinct\" must be \(2 * DistinctSketch.registerCount) hexadecimal digits of registers")
      }
      distinctSketch = sketch
    }
    summary.setSketches(
      quantiles: keeping.quantiles ? quantileSketch : nil, distinct: keeping.distinct ? distinctSketch : nil)
    if summary.count > 0 {
      summary.minimum = try line.double(line.value("min"), "min")
      summary.maximum = try line.double(line.value("max"), "max")
      if summary.minimum.isNaN || summary.maximum.isNaN {
        throw line.error("\"min\" and \"max\" are the numbers other than nan (\"nan\": true tells a nan)")
      }
    }
    return summary
  }

  /// `[zeros, [[index, count]…], [[index, count]…], +inf, -inf]`, as ``QuantileSketch/serialized`` writes it.
  static func quantiles(_ value: JSONValue, _ line: PartialLine) throws(StreamIOError) -> QuantileSketch {
    let problem = line.error("\"quantiles\" must be [zeros, [[index, count]…], [[index, count]…], +inf count, -inf count]")
    func integer(_ value: JSONValue) throws(StreamIOError) -> Int {
      guard case .number(let number, _) = value, let integer = Int(exactly: number), abs(integer) < 1 << 50 else { throw problem }
      return integer
    }
    func count(_ value: JSONValue) throws(StreamIOError) -> Int {
      let count = try integer(value)
      guard count >= 0 else { throw problem }
      return count
    }
    func store(_ value: JSONValue) throws(StreamIOError) -> [Int: Int] {
      guard case .array(let items) = value else { throw problem }
      var buckets: [Int: Int] = [:]
      for item in items {
        guard case .array(let pair) = item, pair.count == 2 else { throw problem }
        let index = try integer(pair[0])
        guard abs(index) <= 100_000 else { throw problem }
        buckets[index, default: 0] += try count(pair[1])
      }
      return buckets
    }
    guard case .array(let parts) = value, parts.count == 5 else { throw problem }
    return QuantileSketch(
      zeros: try count(parts[0]), positive: try store(parts[1]), negative: try store(parts[2]),
      positiveInfinities: try count(parts[3]), negativeInfinities: try count(parts[4]))
  }

  private static func describe(_ name: String?) -> String { name.map { "\"\($0)\"" } ?? "nothing" }
  private func describe(_ name: String?) -> String { Self.describe(name) }
}
