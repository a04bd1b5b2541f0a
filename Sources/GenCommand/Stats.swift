import ArgumentParser
import StreamIO

struct Stats: GenVerb {
  static let configuration = CommandConfiguration(
    commandName: "stats",
    abstract: "Count, sum, mean, min and max of every numeric column, optionally per group.",
    discussion: """
      A column is numeric when its values read as numbers; empty values are not counted, \
      and text in a numeric column is counted as non-numeric. Memory grows with the number \
      of groups up to --memory-limit (past it they go to disk), never with the number of \
      records. Sums are exact, so they do not depend on the order of the records: plain \
      decimals (19.99) at their decimal value, other numbers (1e3) at their float's value \
      (as math.fsum adds them), and the total is rounded once. A nan value ranks above inf, as \
      DuckDB's min, max and ORDER BY rank it: the max is nan once there is one, the min only \
      when all are, and so are the percentiles whose rank falls among them.
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
      table, byte for byte, and a note on stderr. --merge holds the partials' groups the same way. Measured \
      on 5M rows of gen demo grouped by name (5M groups, Benchmarks/stats-spill.sh): 7.55 GiB and 100 s \
      before this limit (an early run); 1.03 GiB and 18.5 s at 1 GiB; 92 MiB and 32.3 s at 64MiB.
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
    let memory = StatsMemory(
      bytes: Self.bytes(memoryLimit) ?? StatsSpill.defaultLimit,
      directory: environment.temporaryDirectory ?? StatsSpill.temporaryDirectory, sketching: sketching)
    if merge {
      let merged = try StatsPartial.merge(
        [input.input] + morePartials, groupBy: groupBy, output: output, spill: memory.spill(parts: 1),
        maxLineLength: input.maxLineLength, environment: environment)
      try output.write(merged.totals, groupBy: merged.groupBy, environment: environment)
      return Self.noteSpill(merged.totals, memory, environment)
    }
    var stream = try RecordStream(input, environment: environment)
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
    Self.noteSpill(totals, memory, environment)
  }

  /// Nothing silent: when the groups did not fit, and went to disk, says so.
  static func noteSpill(_ totals: StatsTotals, _ memory: StatsMemory, _ environment: GenEnvironment) {
    guard let spill = totals.spill, spill.runsWritten > 0 else { return }
    environment.stderr(
      "gen: the groups passed --memory-limit \(Self.describe(bytes: memory.bytes)): stats wrote "
        + "\(grouped(spill.groupsWritten)) of them in \(grouped(spill.runsWritten)) sorted run\(spill.runsWritten == 1 ? "" : "s") "
        + "to temporary files in \(memory.directory) and merged them into \(grouped(spill.groupsMerged)) groups "
        + "(peak \(Memory.mebibytes(Memory.peakResident())))\n")
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
///
/// The sum is exact in two parts, so that partitions merge to the one-pass
/// sum in any order: the plain decimals (`19.99`) in ``decimal``, the other
/// numbers (`1e3`, a computed float) in ``sum``, at their Double's value;
/// the total is rounded once, when read (``ColumnTotal``). (Each number
/// goes to one part only: adding every number to both took a tenth of
/// `stats`' time on the tutorial's file.)
struct ColumnSummary {
  // (In this order the fields pack into 128 bytes: one per group and column.)
  /// The numbers that are not plain decimals, exactly (see ExactSum).
  var sum = ExactSum()
  var count = 0
  /// The plain decimals, exactly (see DecimalSum).
  var decimal = DecimalSum()
  /// Whether ``sum`` has a term: the total is then no longer a plain decimal.
  var hasOtherNumbers = false
  /// Whether a NaN was added: it ranks above +inf, as DuckDB's min, max and
  /// ORDER BY (and polars' sort) rank it, so the maximum shown is NaN, and
  /// the minimum too when there is no other number.
  var hasNaN = false
  /// Which sketches to keep; they are made with the first value, out of
  /// line, so a summary without them stays small (memory per group).
  private var sketching = StatsSketching()
  /// The least and greatest numbers other than NaN (see ``hasNaN``).
  var minimum = Double.infinity
  var maximum = -Double.infinity
  var nonNumeric = 0
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

  /// A number that is no plain decimal (`1e3`, a computed float): to the binary sum.
  @inline(__always)
  mutating func add(_ number: Double) {
    if number.isNaN { return addNaN() }
    accumulate(number)
    sum.add(number)
    hasOtherNumbers = true
  }

  /// (Only `add(_: Double)` can see a NaN: a plain decimal is never one.)
  @inline(never)
  private mutating func addNaN() {
    count += 1
    sum.add(.nan)
    hasOtherNumbers = true
    hasNaN = true
    if sketching.quantiles { _ = sketchesToUpdate() }  // (a NaN's rank is past the sketch's numbers)
  }

  /// An estimate of a number's rank brought within [minimum, maximum],
  /// where the true value is (a NaN estimate, for a rank among the NaNs, is exact).
  func clamped(_ estimate: Double) -> Double {
    guard !estimate.isNaN, hasNumbers else { return estimate }
    return Swift.min(Swift.max(estimate, minimum), maximum)
  }

  /// Whether a number other than NaN was added: then minimum ≤ maximum.
  var hasNumbers: Bool { minimum <= maximum }

  /// The minimum as shown: NaN when the numbers are all NaN.
  var shownMinimum: Double { hasNumbers ? minimum : .nan }
  /// The maximum as shown: NaN once there is one.
  var shownMaximum: Double { hasNaN ? .nan : maximum }

  /// A number written as the plain decimal `mantissa / 10^scale`.
  @inline(__always)
  mutating func add(_ number: Double, decimal mantissa: Int64, scale: Int) {
    accumulate(number)
    if !decimal.add(mantissa: mantissa, scale: scale) { addToBinary(number) }
  }

  /// A decimal past what ``DecimalSum`` holds (2^191, out of the readers'
  /// reach): counted at its Double's value.
  @inline(never)
  private mutating func addToBinary(_ number: Double) {
    sum.add(number)
    hasOtherNumbers = true
  }

  /// Count, min, max and sketch (the sum is the caller's).
  @inline(__always)
  private mutating func accumulate(_ number: Double) {
    count += 1
    // (Swift.min and Swift.max, written out: in the verbs' long row loops
    // the compiler left them as calls.)
    if number < minimum { minimum = number }
    if number >= maximum { maximum = number }
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
    if other.hasNaN { hasNaN = true }
    nonNumeric += other.nonNumeric
    if !decimal.add(other.decimal) { addToBinary(other.decimal.value) }
    if other.hasOtherNumbers { hasOtherNumbers = true }
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
  /// By group, then column: keys and names told apart by their code points (``ExactText``).
  var groups: [ExactText: [ExactText: ColumnSummary]] = [:]
  /// --memory-limit: where groups go when they pass it (nil: no limit).
  /// Once it has runs (written out past the limit, or a part's groups kept
  /// sorted at its end), the groups are those runs and what `groups` holds.
  var spill: StatsSpill?
  var columnOrder: [String] = []
  private var known: Set<ExactText> = []
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
      return columnOrder.map { columns[ExactText($0)] ?? ColumnSummary() }
    }
    groups = [:]
    return (keys.map(\.string), rows)
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
    for group in groups.keys.sorted() {
      let columns = groups[group]!
      try body(group.string, columnOrder.map { columns[ExactText($0)] })
    }
    return groups.count
  }

  /// Appends `name` to the column order if it is new.
  mutating func note(column name: String) {
    if known.insert(ExactText(name)).inserted { columnOrder.append(name) }
  }

  mutating func add(_ record: Record, groupBy: String?, derived: DerivedColumns? = nil) throws {
    var group = ""
    if let groupBy {
      if let slot = derived?.names.lastIndex(where: { $0.hasSameCodePoints(as: groupBy) }) {
        group = derived!.values[slot].text
      } else if let value = record.value(groupBy) {
        group = value.text
      }
    }
    let key = ExactText(group)
    if let spill, groups[key] == nil, spill.full(adding: group, columns: columnOrder.count) {
      let (keys, rows) = takeGroups()
      try spill.write(columns: columnOrder, keys: keys, rows: rows)
    }

    // Records of JSON Lines mostly repeat the previous one's keys: then no
    // column can be new, and the set of known names need not be asked.
    let sameKeys = record.fields.count == lastKeys.count && zip(record.fields, lastKeys).allSatisfy { $0.name.hasSameCodePoints(as: $1) }
    if !sameKeys { lastKeys = record.fields.map(\.name) }
    for field in record.fields where groupBy.map({ !field.name.hasSameCodePoints(as: $0) }) ?? true {
      if !sameKeys { note(column: field.name) }
      // Computed columns replace the record's of the same name (in its place).
      if let derived, derived.names.contains(where: { $0.hasSameCodePoints(as: field.name) }) { continue }
      // Mutated in place: no copy of the group's dictionary per record.
      groups[key, default: [:]][ExactText(field.name), default: ColumnSummary(sketching: sketching)].add(field.value)
    }
    if let derived {
      for (slot, (name, value)) in zip(derived.names, derived.values).enumerated()
      where derived.isLastOfName[slot] && !(groupBy.map(name.hasSameCodePoints) ?? false) {
        note(column: name)
        groups[key, default: [:]][ExactText(name), default: ColumnSummary(sketching: sketching)].add(value)
      }
    }
  }

  /// The summaries kept by slot (`[group slot][column slot]`) into `groups`,
  /// and the columns noted in their order. Each group's row is freed as it is
  /// moved, so the two forms do not both hold every group at once; columns a
  /// group never had are left out.
  mutating func moveIntoGroups(_ summaries: StatsSummaryTable, groups slotGroups: [String], columns slotNames: [String]) {
    for (groupSlot, group) in slotGroups.enumerated() {
      let row = summaries.takeRow(groupSlot)
      let key = ExactText(group)
      var columns = groups[key] ?? [:]
      for (slot, summary) in row.enumerated() where summary.count > 0 || summary.nonNumeric > 0 {
        columns[ExactText(slotNames[slot])] = summary
      }
      groups[key] = columns
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

/// 10^0 … 10^22: each exact in a Double.
enum DecimalPowers {
  /// (Literals, so the array is made at compile time: built by a closure, each
  /// use went through `swift_once`, 5% of `stats`' time on CSV.)
  static let exact: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
  ]
}
