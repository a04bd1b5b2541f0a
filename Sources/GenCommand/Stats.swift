import ArgumentParser
import StreamIO

struct Stats: GenVerb {
  static let configuration = CommandConfiguration(
    abstract: "Count, sum, mean, min and max of every numeric column, optionally per group.",
    discussion: """
      A column is numeric when its values read as numbers; empty values are not counted, \
      and text in a numeric column is counted as non-numeric. Memory grows with the number \
      of groups up to --memory-limit (past it they go to disk), never with the number of \
      records. Sums are exact (rounded once, as Python's math.fsum), so they do not depend \
      on the order of the records.
      For data split over many workers (Spark's rdd.pipe, Hadoop Streaming), run --partial on each \
      partition (--header names the columns of those without a header line) and --merge the \
      partials: the table is the one a single run over all the data prints, byte for byte.
      Examples:
        gen stats sales.csv --group-by country
        cat part-00001 | gen stats --partial --header name,country,qty,price
        gen stats --merge part-0.jsonl part-1.jsonl part-2.jsonl
      """)

  @Option(help: "A column whose values split the records into groups.")
  var groupBy: String?

  @Flag(help: """
    Write the totals as a partial (JSON Lines) for --merge, not as a table: one per partition \
    (a Spark rdd.pipe task, a Hadoop Streaming mapper).
    """)
  var partial = false

  @Flag(help: """
    Combine partials (the input and any more files; - or none for standard input) into the table \
    that one run over all the data gives, bit for bit.
    """)
  var merge = false

  @Option(name: .customLong("where"), help: "Summarize only the records for which this expression is true (see gen filter --help); repeat for AND.")
  var conditions: [String] = []

  @Option(
    name: .customLong("derive"),
    help: ArgumentHelp(
      "A computed column NAME=EXPRESSION to summarize too, e.g. total='qty * price' (see gen derive --help); repeatable.",
      valueName: "name=expression"))
  var assignments: [String] = []

  @Option(
    help: ArgumentHelp(
      """
      Approximate percentiles of each numeric column, e.g. 50,90,99 (a DDSketch: each is within 1% of the \
      value at rank floor(q * (n-1) / 100) of the sorted numbers, for any finite number from 1e-300 up; \
      ±inf exact; a bucket per 2% step of magnitude the data covers, typically a few KB per column, \
      whatever n is; merged across --threads and partials without losing that bound).
      """, valueName: "list"))
  var percentiles: String?

  @Flag(help: "The approximate median: --percentiles 50.")
  var median = false

  @Flag(
    help: """
      The approximate number of distinct non-empty values of every column, numeric or not (a HyperLogLog \
      in 4 KB per column: standard error 1.6%, within 4.9% for 99.7% of columns; small counts nearly exact).
      """)
  var distinct = false

  @Option(
    help: ArgumentHelp(
      """
      What the groups may take in memory (estimated per group from its key and columns), e.g. 512MiB, 64KiB; \
      with --threads N each thread a share. Past it, stats writes the groups to a sorted run in TMPDIR \
      (unlinked when made: none is ever left behind), frees them and reads on, then merges the runs: the same \
      table, byte for byte, and a note on stderr. Measured on 5M rows of gen demo grouped by name (5M \
      groups): 7.55 GiB and 100 s before this limit; 1.05 GiB and 42 s at 1 GiB; 92 MiB and 54 s at 64MiB.
      """, valueName: "size"))
  var memoryLimit: String = "1GiB"

  @Option(help: "markdown (a table, the default), csv or jsonl: numbers in CSV and JSON Lines in full (Python's repr).")
  var to: StatsOutputFormat = .markdown

  @Option(
    help: """
      Threads to read a file with (default: the machine's cores): the file is split into byte \
      ranges at verified record starts and the ranges' totals combined; the table is the same. \
      Standard input, URLs, gzip, --skip-bad and files under 8 MB are read on one thread.
      """)
  var threads: Int?

  @OptionGroup var input: InputOptions

  @Argument(help: "With --merge: more partial files.")
  var morePartials: [String] = []

  func validate() throws {
    if partial && merge { throw ValidationError("--partial and --merge do not go together") }
    if !merge && !morePartials.isEmpty {
      throw ValidationError("one input file (more only with --merge): \(morePartials.joined(separator: " "))")
    }
    _ = try percentileList()
    if partial && to != .markdown { throw ValidationError("--partial writes JSON Lines for --merge; --to applies to the table") }
    if let threads, threads < 1 || threads > 256 { throw ValidationError("--threads must be from 1 to 256, not \(threads)") }
    guard Self.bytes(memoryLimit) != nil else {
      throw ValidationError("--memory-limit takes a size such as 1GiB, 512MiB, 64KiB or a number of bytes, not \"\(memoryLimit)\"")
    }
    if merge && !(conditions.isEmpty && assignments.isEmpty) {
      throw ValidationError("--where and --derive apply where the records are read: give them to --partial, not --merge")
    }
  }

  /// A size: a number of bytes, or with K, M, G or T (KiB, MiB…; powers of 1,024), from 1 byte on.
  static func bytes(_ text: String) -> Int? {
    var text = Substring(text.lowercased())
    for suffix in ["ib", "b"] where text.hasSuffix(suffix) {
      text = text.dropLast(suffix.count)
      break
    }
    var scale = 1
    if let last = text.last, let power = ["k", "m", "g", "t"].firstIndex(of: String(last)) {
      scale = 1 << (10 * (power + 1))
      text = text.dropLast()
    }
    guard let number = Int(text), number > 0, number <= Int.max / scale else { return nil }
    return number * scale
  }

  /// 1 GiB, 64 KiB, 1000 bytes.
  static func describe(bytes: Int) -> String {
    for (power, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes % (1 << power) == 0 {
      return "\(grouped(bytes >> power)) \(unit)"
    }
    return "\(grouped(bytes)) bytes"
  }

  /// The percentiles asked for (0 to 100).
  func percentileList() throws -> [Double] {
    var list: [Double] = median ? [50] : []
    for item in (percentiles ?? "").split(separator: ",") {
      let text = item.trimmingSpaces
      guard let value = Double(text), value >= 0, value <= 100 else {
        throw ValidationError("--percentiles takes numbers from 0 to 100, e.g. 50,90,99, not \"\(text)\"")
      }
      if !list.contains(value) { list.append(value) }
    }
    return list
  }

  var sketching: StatsSketching {
    StatsSketching(quantiles: median || percentiles != nil, distinct: distinct)
  }

  func execute(_ environment: GenEnvironment) throws {
    let groupBy = self.groupBy  // an @Option's getter is slow: read it once
    let output = StatsOutput(percentiles: try percentileList(), distinct: distinct, format: to)
    if merge {
      let merged = try StatsPartial.merge(
        [input.input] + morePartials, groupBy: groupBy, maxLineLength: input.maxLineLength, environment: environment)
      try output.check(merged.totals, path: input.input)
      return try output.write(merged.totals, groupBy: merged.groupBy, environment: environment)
    }
    var stream = try RecordStream(input, environment: environment)
    let memory = StatsMemory(
      bytes: Self.bytes(memoryLimit) ?? StatsSpill.defaultLimit,
      directory: environment.temporaryDirectory ?? ParallelRecords.temporaryDirectory, sketching: sketching)
    var totals = StatsTotals()
    totals.sketching = sketching
    totals.spill = memory.spill(parts: 1)
    var expressions = StatsExpressions(conditions: self.conditions, assignments: assignments)
    if stream.format == .csv && environment.byteLevel {
      if let starts = try ParallelStats.starts(
        stream, options: input, threads: threads ?? ParallelStats.cores, environment: environment)
      {
        if let (parallel, combined) = ParallelStats.run(
          stream, starts: starts, groupBy: groupBy, expressions: expressions, sketching: sketching, memory: memory,
          maxLineLength: input.maxLineLength, environment: environment)
        {
          totals = parallel
          expressions = combined
          environment.rangesRead?(starts.count)
        } else {
          environment.rangesRead?(1)
          // A split inside a quoted field, or bad data: read it all on one thread.
          stream = try stream.reopened()
          totals.records = try totals.addCSV(stream, groupBy: groupBy, expressions: &expressions)
        }
      } else {
        totals.records = try totals.addCSV(stream, groupBy: groupBy, expressions: &expressions)
      }
    } else {
      var first = true
      while let record = try stream.next() {
        if first {
          try expressions.compile(columns: stream.columns)
          // JSON Lines: against the first record's keys, as select and filter;
          // not in a partition (--partial), whose first record may lack a key
          // that the whole file's first record has.
          if !partial, let groupBy {
            try Select.check([groupBy], against: stream.columns + expressions.derivedNames, in: stream.path)
          }
          first = false
          if stream.format == .jsonl && environment.byteLevel {
            if let starts = try ParallelStats.starts(
              stream, options: input, threads: threads ?? ParallelStats.cores, environment: environment),
              let (parallel, combined) = ParallelStats.runJSONLines(
                stream, starts: starts, first: record, groupBy: groupBy, expressions: expressions, sketching: sketching,
                memory: memory, maxLineLength: input.maxLineLength, environment: environment)
            {
              totals = parallel
              expressions = combined
              environment.rangesRead?(starts.count)
            } else {
              if stream.rangeStopped {
                // A range met bad data: read it all again on one thread, for its error and line.
                environment.rangesRead?(1)
                stream = try stream.reopened()
                expressions = StatsExpressions(conditions: self.conditions, assignments: assignments)
                guard let again = try stream.next() else { break }
                try expressions.compile(columns: stream.columns)  // (counts from zero again)
                totals.records = try totals.addJSONLines(stream, first: again, groupBy: groupBy, expressions: expressions)
              } else {
                totals.records = try totals.addJSONLines(stream, first: record, groupBy: groupBy, expressions: expressions)
              }
            }
            break
          }
        }
        let row = RecordExpressionRow(record: record)
        guard expressions.keep(row) else { continue }
        expressions.derived?.compute(row)
        totals.records += 1
        try totals.add(record, groupBy: groupBy, derived: expressions.derived)
      }
      if first { try expressions.compile(columns: stream.hasNamedColumns && stream.format == .csv ? stream.columns : nil) }
    }
    stream.reportSkipped()
    expressions.report(environment)
    if partial {
      let partial = StatsPartial(
        format: stream.format, groupBy: groupBy, header: stream.header, skipped: stream.skippedTotal)
      try partial.write(totals, to: environment.stdout)
    } else {
      try output.write(totals, groupBy: groupBy, environment: environment)
    }
    if let spill = totals.spill, spill.runsWritten > 0 {
      // Nothing silent: the groups did not fit, and went to disk.
      environment.stderr(
        "gen: the groups passed --memory-limit \(Self.describe(bytes: memory.bytes)): stats wrote "
          + "\(grouped(spill.groupsWritten)) of them in \(grouped(spill.runsWritten)) sorted run\(spill.runsWritten == 1 ? "" : "s") "
          + "to temporary files in \(memory.directory) and merged them into \(grouped(spill.groupsMerged)) groups "
          + "(peak \(Memory.mebibytes(Memory.peakResident())))\n")
    }
  }

  /// Whole numbers as integers, others with up to 6 decimals (no trailing
  /// zeros); very large or very small ones (from 1e16, under 1e-4) in the
  /// shortest exponent form that reads back exactly (`1e+308`, `5e-324`), so
  /// nothing shows as 0 or inf that is not.
  static func formatNumber(_ value: Double) -> String {
    guard value.isFinite else { return String(value) }
    let magnitude = abs(value)
    if magnitude >= 1e16 || (magnitude < 1e-4 && magnitude > 0) { return String(value) }
    if value == value.rounded() { return String(Int64(value)) }
    let text = String((value * 1e6).rounded() / 1e6)
    return text.contains("e") ? String(value) : text
  }
}

/// Count, sum, min and max of one column's numbers.
struct ColumnSummary {
  var count = 0
  /// Exact, so that partitions merge to the one-pass sum (see ExactSum).
  var sum = ExactSum()
  var minimum = Double.infinity
  var maximum = -Double.infinity
  var nonNumeric = 0
  /// Which sketches to keep; they are made with the first value, out of
  /// line, so a summary without them stays small (memory per group).
  private var sketching = StatsSketching()
  private var sketches: ColumnSketches?

  /// With --percentiles: the numbers' quantiles.
  var quantiles: QuantileSketch? { sketches?.quantiles }
  /// With --distinct: the non-empty values, numbers or not, as written.
  var distinct: DistinctSketch? { sketches?.distinct }

  init() {}

  init(sketching: StatsSketching) { self.sketching = sketching }

  /// The sketches to update, made now if this is the first value.
  private mutating func sketchesToUpdate() -> ColumnSketches {
    if let sketches { return sketches }
    let made = ColumnSketches(sketching)
    sketches = made
    return made
  }

  /// Counts a value as written for --distinct.
  @inline(__always)
  mutating func see(_ bytes: UnsafeRawBufferPointer) {
    if sketching.distinct { sketchesToUpdate().distinct!.add(bytes) }
  }

  mutating func see(_ text: String) {
    if sketching.distinct { sketchesToUpdate().distinct!.add(text) }
  }

  /// Sketches read from a partial.
  mutating func setSketches(quantiles: QuantileSketch?, distinct: DistinctSketch?) {
    guard quantiles != nil || distinct != nil else { return }
    let made = ColumnSketches(StatsSketching())
    made.quantiles = quantiles
    made.distinct = distinct
    sketches = made
  }

  /// The exact decimal sum while every number is a plain decimal (DecimalSum).
  var decimal: DecimalSum? = DecimalSum()

  mutating func add(_ value: JSONValue) {
    if case .string(let text) = value, text.isEmpty { return }
    if value.isNull { return }  // a missing value, as an empty field
    if sketching.distinct, !value.isNull { see(value.text) }
    guard let number = value.numericValue else {
      nonNumeric += 1
      return
    }
    switch value {
    case .number(_, let text), .string(let text):
      if let (mantissa, scale) = DecimalSum.parse(text) { return add(number, decimal: mantissa, scale: scale) }
    default: break
    }
    add(number)
  }

  /// A computed value: null is a missing value, text is counted as non-numeric unless it reads as a number.
  mutating func add(_ value: ExpressionValue) {
    switch value {
    case .null: return
    case .integer(let number):
      see(String(number))
      if let exact = Int64(exactly: number) {
        add(Double(number), decimal: exact, scale: 0)
      } else {
        add(Double(number))
      }
    case .double(let number):
      see(value.text)
      add(number)
    case .bool:
      see(value.text)
      nonNumeric += 1
    default: add(value.json)
    }
  }

  /// A number that is no plain decimal (`1e3`, a computed float): the column has no decimal sum.
  @inline(__always)
  mutating func add(_ number: Double) {
    accumulate(number)
    decimal = nil
  }

  /// A number written as the plain decimal `mantissa / 10^scale`.
  @inline(__always)
  mutating func add(_ number: Double, decimal mantissa: Int64, scale: Int) {
    accumulate(number)
    if decimal != nil && !decimal!.add(mantissa: mantissa, scale: scale) { decimal = nil }
  }

  @inline(__always)
  private mutating func accumulate(_ number: Double) {
    count += 1
    sum.add(number)
    minimum = min(minimum, number)
    maximum = max(maximum, number)
    if sketching.quantiles { sketch(number) }
  }

  /// Out of line, so that `add` stays small enough to inline where no sketch is kept.
  @inline(never)
  private mutating func sketch(_ number: Double) { sketchesToUpdate().quantiles!.add(number) }

  /// Adds another partition's summary of the same column.
  mutating func add(_ other: ColumnSummary) {
    count += other.count
    sum.add(other.sum)
    minimum = min(minimum, other.minimum)
    maximum = max(maximum, other.maximum)
    nonNumeric += other.nonNumeric
    if let theirs = other.decimal, decimal != nil {
      if !decimal!.add(theirs) { decimal = nil }
    } else {
      decimal = nil
    }
    if let theirs = other.sketches {
      if sketches == nil { sketches = ColumnSketches(StatsSketching()) }  // (never shared with `other`)
      sketches!.merge(theirs)
    }
  }
}

/// A column's sketches, boxed: most summaries have none.
final class ColumnSketches {
  var quantiles: QuantileSketch?
  var distinct: DistinctSketch?

  init(_ sketching: StatsSketching) {
    if sketching.quantiles { quantiles = QuantileSketch() }
    if sketching.distinct { distinct = DistinctSketch() }
  }

  func merge(_ other: ColumnSketches) {
    if let theirs = other.quantiles {
      if quantiles == nil { quantiles = QuantileSketch() }
      quantiles!.merge(theirs)
    }
    if let theirs = other.distinct {
      if distinct == nil { distinct = DistinctSketch() }
      distinct!.merge(theirs)
    }
  }
}

/// `--memory-limit`: the bytes the groups may take, and where they go past it.
struct StatsMemory {
  var bytes: Int
  var directory: String
  var sketching: StatsSketching

  /// The spill of one of `parts` parts read at once (threads): each may hold its share.
  func spill(parts: Int) -> StatsSpill {
    StatsSpill(limit: Swift.max(1, bytes / parts), directory: directory, sketching: sketching)
  }
}

/// Which sketches each column keeps (`--percentiles`, `--distinct`).
struct StatsSketching: Equatable {
  var quantiles = false
  var distinct = false
}

/// The summaries of every group and column, in the order columns were first seen.
struct StatsTotals {
  var sketching = StatsSketching()
  var groups: [String: [String: ColumnSummary]] = [:]
  /// --memory-limit: where groups go when they pass it (nil: no limit).
  /// Once it has runs (written out past the limit, or a part's groups kept
  /// sorted at its end), the groups are those runs and what `groups` holds.
  var spill: StatsSpill?
  var columnOrder: [String] = []
  private var known: Set<String> = []
  /// The keys of the record added last, in order.
  private var lastKeys: [String] = []
  /// How many records were read.
  var records = 0

  /// Adds the totals of the records after these (the next byte range).
  mutating func merge(_ other: StatsTotals) {
    if spill?.hasRuns == true || other.spill?.hasRuns == true {
      // Runs in the data's order: this part's, then the other's.
      let combined = spill ?? StatsSpill(limit: other.spill!.limit, directory: other.spill!.directory, sketching: sketching)
      finish(into: combined)
      for name in other.columnOrder { note(column: name) }
      var other = other
      if let theirs = other.spill, theirs.hasRuns {
        other.finish(into: theirs)
        combined.append(theirs)
      } else {
        other.finish(into: combined)
      }
      spill = combined
      records += other.records
      return
    }
    for name in other.columnOrder { note(column: name) }
    for (group, columns) in other.groups {
      for (name, summary) in columns { groups[group, default: [:]][name, default: ColumnSummary(sketching: sketching)].add(summary) }
    }
    records += other.records
  }

  /// --memory-limit: the groups held in `groups` as keys and rows by column of
  /// `columnOrder`, and `groups` emptied.
  private mutating func takeGroups() -> (keys: [String], rows: [[ColumnSummary]]) {
    let keys = Array(groups.keys)
    let rows = keys.map { key in
      let columns = groups[key]!
      return columnOrder.map { columns[$0] ?? ColumnSummary() }
    }
    groups = [:]
    return (keys, rows)
  }

  /// What `groups` holds becomes `spill`'s last run, kept in memory.
  mutating func finish(into spill: StatsSpill) {
    guard !groups.isEmpty else { return }
    let (keys, rows) = takeGroups()
    spill.keep(columns: columnOrder, keys: keys, rows: rows)
  }

  /// Every group in key order, with its summaries by column of
  /// `columnOrder` (nil: none): from `groups`, or merged from the spill's
  /// runs. Returns how many groups there were.
  @discardableResult
  mutating func forEachGroup(_ body: (_ group: String, _ summaries: [ColumnSummary?]) throws -> Void) throws -> Int {
    if let spill, spill.hasRuns {
      finish(into: spill)
      return try spill.merge(columns: columnOrder, body)
    }
    let keys = Array(groups.keys)
    for group in StatsGroupOrder.order(keys).lazy.map({ keys[$0] }) {
      let columns = groups[group]!
      try body(group, columnOrder.map { columns[$0] })
    }
    return groups.count
  }

  /// Appends `name` to the column order if it is new.
  mutating func note(column name: String) {
    if known.insert(name).inserted { columnOrder.append(name) }
  }

  mutating func add(_ record: Record, groupBy: String?, derived: DerivedColumns? = nil) throws {
    var group = ""
    if let groupBy {
      if let slot = derived?.names.lastIndex(of: groupBy) {
        group = derived!.values[slot].text
      } else if let value = record.value(groupBy) {
        group = value.text
      }
    }
    if let spill, groups[group] == nil, spill.full(adding: group, columns: columnOrder.count) {
      let (keys, rows) = takeGroups()
      try spill.write(columns: columnOrder, keys: keys, rows: rows)
    }

    // Records of JSON Lines mostly repeat the previous one's keys: then no
    // column can be new, and the set of known names need not be asked.
    let sameKeys = record.fields.count == lastKeys.count && zip(record.fields, lastKeys).allSatisfy { $0.name == $1 }
    if !sameKeys { lastKeys = record.fields.map(\.name) }
    for field in record.fields where field.name != groupBy {
      if !sameKeys { note(column: field.name) }
      // Computed columns replace the record's of the same name (in its place).
      if let derived, derived.names.contains(field.name) { continue }
      // Mutated in place: no copy of the group's dictionary per record.
      groups[group, default: [:]][field.name, default: ColumnSummary(sketching: sketching)].add(field.value)
    }
    if let derived {
      for (slot, (name, value)) in zip(derived.names, derived.values).enumerated() where name != groupBy && derived.isLastOfName[slot] {
        note(column: name)
        groups[group, default: [:]][name, default: ColumnSummary(sketching: sketching)].add(value)
      }
    }
  }

  /// CSV: rows summed into per-group arrays, one dictionary look-up per row
  /// (for the group); ASCII rows from their bytes, others from their strings.
  /// Returns the number of records.
  /// Up to 7 bytes and their count as one integer (the count in the top byte,
  /// so "A" and "A\0" differ).
  @inline(__always)
  static func smallKey(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var key: UInt64 = 0
    for (index, byte) in bytes.enumerated() { key |= UInt64(byte) << (8 * UInt64(index)) }
    return key | UInt64(bytes.count) << 56
  }

  mutating func addCSV(_ stream: RecordStream, groupBy: String?, expressions: inout StatsExpressions) throws -> Int {
    var records = 0
    var groupSlots: [String: Int] = [:]
    var smallGroupSlots: [UInt64: Int] = [:]  // group values under 8 bytes, by smallKey
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
    let spill = self.spill
    /// --memory-limit: the groups held so far to a run on disk, freed.
    func writeOut() throws {
      try spill!.write(columns: slotNames, keys: slotGroups, rows: summaries)
      groupSlots.removeAll(keepingCapacity: true)
      smallGroupSlots.removeAll(keepingCapacity: true)
      slotGroups.removeAll(keepingCapacity: true)
      summaries.removeAll(keepingCapacity: true)
    }
    func slot(group: String) throws -> Int {
      let slot: Int
      if let known = groupSlots[group] {
        slot = known
      } else {
        if let spill, spill.full(adding: group, columns: slotNames.count) { try writeOut() }
        slot = summaries.count
        groupSlots[group] = slot
        slotGroups.append(group)
        summaries.append([])
      }
      if summaries[slot].count < slotNames.count {
        summaries[slot] += Array(repeating: ColumnSummary(sketching: sketching), count: slotNames.count - summaries[slot].count)
      }
      return slot
    }
    let distinct = sketching.distinct
    var hasExpressions = false
    var first = true
    // The derived columns' slots, and which input columns they replace.
    var derivedSlots: [Int] = []
    var replaced: Set<Int> = []
    var groupDerivedSlot: Int?  // --group-by names a derived column
    while let row = try stream.nextRow() {
      if first {
        try expressions.compile(columns: stream.columns)
        if let groupBy {
          try Select.check([groupBy], against: stream.columns + expressions.derivedNames, in: stream.path)
          groupDerivedSlot = expressions.derived?.names.lastIndex(of: groupBy)
          groupIndex = groupDerivedSlot == nil ? stream.columns.firstIndex(of: groupBy) : nil
        }
        if let derived = expressions.derived {
          replaced = Set(derived.overrides.prefix(derived.inputCount).indices.filter { derived.overrides[$0] != nil })
        }
        hasExpressions = expressions.conditions != nil || expressions.derived != nil
        first = false
      }
      guard row.isASCII else {
        guard let record = try stream.record(from: row) else { continue }
        let expressionRow = RecordExpressionRow(record: record)
        guard expressions.keep(expressionRow) else { continue }
        expressions.derived?.compute(expressionRow)
        records += 1
        var group = ""
        if let groupDerivedSlot {
          group = expressions.derived!.values[groupDerivedSlot].text
        } else if let groupBy, let value = record.value(groupBy) {
          group = value.text
        }
        let slots: [Int?] = record.fields.enumerated().map { index, field in
          guard field.name != groupBy else { return nil }
          let slot = slot(named: field.name)  // a replaced column keeps its place
          return replaced.contains(index) ? nil : slot
        }
        if let derived = expressions.derived, derivedSlots.isEmpty {
          derivedSlots = derived.names.indices.map { derived.names[$0] == groupBy || !derived.isLastOfName[$0] ? -1 : slot(named: derived.names[$0]) }
        }
        let groupSlot = try slot(group: group)
        for (field, slot) in zip(record.fields, slots) {
          if let slot { summaries[groupSlot][slot].add(field.value) }
        }
        if let derived = expressions.derived {
          for (slot, value) in zip(derivedSlots, derived.values) where slot >= 0 { summaries[groupSlot][slot].add(value) }
        }
        continue
      }
      if hasExpressions {  // (no row value made, no reference counted, without them)
        let expressionRow = CSVExpressionRow(row: row)
        guard expressions.keep(expressionRow) else { continue }
        expressions.derived?.compute(expressionRow)
      }
      records += 1
      while columnSlots.count < row.count {
        let index = columnSlots.count
        let name = stream.columns[index]
        if replaced.contains(index) { _ = slot(named: name) }  // it keeps its place
        columnSlots.append(name == groupBy || replaced.contains(index) ? nil : slot(named: name))
      }
      if let derived = expressions.derived, derivedSlots.isEmpty {
        derivedSlots = derived.names.indices.map { derived.names[$0] == groupBy || !derived.isLastOfName[$0] ? -1 : slot(named: derived.names[$0]) }
      }
      // A group value of up to 7 bytes (a country code, a year) is found by
      // its bytes as one integer: no String, no string hashing per row.
      var groupSlot: Int
      let value = groupIndex.flatMap { $0 < row.count ? row.field($0) : nil }
      if let groupDerivedSlot {
        groupSlot = try slot(group: expressions.derived!.values[groupDerivedSlot].text)
      } else if let value, value.count < 8 {
        let key = Self.smallKey(value)
        if let known = smallGroupSlots[key] {
          groupSlot = known
          if summaries[groupSlot].count < slotNames.count { groupSlot = try slot(group: String(decoding: value, as: UTF8.self)) }
        } else {
          groupSlot = try slot(group: String(decoding: value, as: UTF8.self))
          smallGroupSlots[key] = groupSlot
        }
      } else {
        groupSlot = try slot(group: value.map { String(decoding: $0, as: UTF8.self) } ?? "")
      }
      for index in 0..<row.count {
        guard let slot = columnSlots[index] else { continue }
        let field = row.field(index)
        if field.isEmpty { continue }
        // (ColumnSummary.addNumber does the same for JSON Lines; called here
        // it cost 10% of stats' CPU time on CSV, measured: kept inline.)
        if let (mantissa, scale) = DecimalSum.parse(field) {
          // A plain decimal: its exact value, and the Double nearest it (a
          // 53-bit mantissa over an exact power of ten is correctly rounded).
          var number: Double
          if mantissa.magnitude < 1 << 53 && scale < DecimalPowers.exact.count {
            number = Double(mantissa) / DecimalPowers.exact[scale]
            if mantissa == 0 && field[0] == UInt8(ascii: "-") { number = -0.0 }
          } else {
            number = Double.decode(csvField: field)!
          }
          if distinct { summaries[groupSlot][slot].see(field) }
          summaries[groupSlot][slot].add(number, decimal: mantissa, scale: scale)
        } else if let number = Double.decode(csvField: field) {
          if distinct { summaries[groupSlot][slot].see(field) }
          summaries[groupSlot][slot].add(number)
        } else if field.first == 0x20 || field.last == 0x20 {
          summaries[groupSlot][slot].add(JSONValue.string(String(decoding: field, as: UTF8.self)))
        } else {
          if distinct { summaries[groupSlot][slot].see(field) }
          summaries[groupSlot][slot].nonNumeric += 1
        }
      }
      if let derived = expressions.derived {
        if summaries[groupSlot].count < slotNames.count {
          summaries[groupSlot] += Array(repeating: ColumnSummary(sketching: sketching), count: slotNames.count - summaries[groupSlot].count)
        }
        for (slot, value) in zip(derivedSlots, derived.values) where slot >= 0 { summaries[groupSlot][slot].add(value) }
      }
    }
    if first { try expressions.compile(columns: stream.hasNamedColumns ? stream.columns : nil) }
    groupSlots = [:]
    smallGroupSlots = [:]
    if let spill {
      // Sorted as they are: the dictionaries of `groups` would take a third more.
      spill.keep(columns: slotNames, keys: slotGroups, rows: summaries)
      summaries = []
      for name in slotNames { note(column: name) }
    } else {
      moveIntoGroups(&summaries, groups: slotGroups, columns: slotNames)
    }
    return records
  }

  /// The summaries kept by slot (`[group slot][column slot]`) into `groups`,
  /// and the columns noted in their order. Each group's row is freed as it is
  /// moved, so the two forms do not both hold every group at once; columns a
  /// group never had are left out.
  mutating func moveIntoGroups(_ summaries: inout [[ColumnSummary]], groups slotGroups: [String], columns slotNames: [String]) {
    for (groupSlot, group) in slotGroups.enumerated() {
      let row = summaries[groupSlot]
      summaries[groupSlot] = []
      var columns = groups[group] ?? [:]
      for (slot, summary) in row.enumerated() where summary.count > 0 || summary.nonNumeric > 0 {
        columns[slotNames[slot]] = summary
      }
      groups[group] = columns
    }
    for name in slotNames { note(column: name) }
  }
}

/// Stats' `--where` and `--derive`, compiled against the input's columns once they are known.
struct StatsExpressions {
  let conditionTexts: [String]
  let assignmentTexts: [String]
  private(set) var conditions: RecordConditions?
  private(set) var derived: DerivedColumns?

  init(conditions: [String], assignments: [String]) {
    conditionTexts = conditions
    assignmentTexts = assignments
  }

  var derivedNames: [String] { derived?.names ?? [] }

  mutating func compile(columns: [String]?) throws(GenFailure) {
    if !conditionTexts.isEmpty { conditions = try RecordConditions(conditionTexts, columns: columns) }
    if !assignmentTexts.isEmpty { derived = try DerivedColumns(assignmentTexts, columns: columns, option: "--derive") }
  }

  @inline(__always)
  func keep<Row: ExpressionRow>(_ row: Row) -> Bool { conditions?.matches(row) ?? true }

  /// Counts the problems a later range's expressions met with these.
  mutating func absorb(_ other: StatsExpressions) {
    if conditions == nil { conditions = other.conditions } else if let theirs = other.conditions {
      for (mine, their) in zip(conditions!.conditions, theirs.conditions) { mine.problems.absorb(their.problems) }
    }
    if derived == nil { derived = other.derived } else if let theirs = other.derived {
      for (mine, their) in zip(derived!.expressions, theirs.expressions) { mine.problems.absorb(their.problems) }
    }
  }

  func report(_ environment: GenEnvironment) {
    conditions?.report(environment)
    derived?.report(environment, option: "--derive")
  }
}

/// 10^0 … 10^22: each exact in a Double (made by exact multiplications).
enum DecimalPowers {
  static let exact: [Double] = {
    var powers = [1.0]
    for _ in 1...22 { powers.append(powers.last! * 10) }
    return powers
  }()
}
