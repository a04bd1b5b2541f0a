import StreamIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `gen stats --memory-limit`: external aggregation, so that memory stays
/// bounded however many groups there are. When the groups held would pass the
/// limit (an estimate: ``estimate(key:columns:)``), they are written to a
/// temporary file (``SpillFile``) as a *run* sorted by key and freed, and
/// reading goes on. At the end the runs and the groups still in memory are
/// merged by key (a k-way merge), each group's partial summaries combined in
/// the order of the data, and the table comes out in the same order with
/// the same numbers as when everything fit: sums are exact (``ExactSum``,
/// ``DecimalSum``), min and max keep the first of equals (as one pass
/// does), sketches merge by adding counts or taking maxima.
///
/// Runs are merged in passes of at most ``fanIn``: when that many runs of
/// the same size class are on disk they become one (as an LSM tree does), so
/// a tiny limit costs disk passes, not file descriptors.
///
/// Python: what `sort` on disk plus `itertools.groupby` over `heapq.merge`
/// of the sorted runs does.
final class StatsSpill {
  /// Where spill files go by default: $TMPDIR, else /tmp.
  static var temporaryDirectory: String {
    if let directory = getenv("TMPDIR"), directory.pointee != 0 { return String(cString: directory) }
    return "/tmp"
  }

  /// `--memory-limit`'s default.
  static let defaultLimit = 1 << 30
  /// The most runs merged at once.
  static let fanIn = 16

  /// The estimated bytes of groups this part (one thread's) may hold.
  let limit: Int
  let directory: String
  let sketching: StatsSketching
  /// The estimated bytes of the groups held now.
  private var held = 0
  /// Earlier groups, in the order of the data: runs on disk, and the groups
  /// that finished parts kept in memory.
  private(set) var runs: [StatsRun] = []
  private var file: SpillFile?
  /// For the note on standard error.
  private(set) var runsWritten = 0
  private(set) var groupsWritten = 0
  /// How many groups the last ``merge(columns:_:)`` gave.
  private(set) var groupsMerged = 0

  init(limit: Int, directory: String, sketching: StatsSketching) {
    self.limit = limit
    self.directory = directory
    self.sketching = sketching
  }

  /// Whether the groups are in ``runs`` (written out, or kept sorted at the end of a part), not in `StatsTotals.groups`.
  var hasRuns: Bool { !runs.isEmpty }

  /// The bytes a new group is estimated to take: its place in the look-up
  /// tables and slot arrays, its key when that is too long to be stored
  /// inline (16 bytes or more), a summary per column, and the sketches that
  /// --distinct (4 KiB) and --percentiles make. (At the default limit, 5M
  /// groups of three columns peaked at 1.03 GiB: README.) A percentile
  /// sketch is counted at its size for a few values; a group whose values
  /// span many magnitudes takes more (a bucket per 2% step), uncounted.
  func estimate(key: String, columns: Int) -> Int {
    let keyBytes = key.utf8.count
    var bytes = Self.perGroup + (keyBytes > 15 ? (keyBytes + 48) & ~15 : 0)
    var perColumn = MemoryLayout<ColumnSummary>.stride
    if sketching.distinct || sketching.quantiles { perColumn += Self.sketchBox }
    if sketching.distinct { perColumn += DistinctSketch.registerCount + 48 }
    if sketching.quantiles { perColumn += Self.quantileSketch }
    bytes += Swift.max(columns, 1) * perColumn
    return bytes
  }

  /// A group's share of the tables and arrays around its summaries.
  static let perGroup = 160
  /// The box that holds a summary's sketches.
  static let sketchBox = 64
  /// A percentile sketch of a few values (a bucket per 2% step of magnitude they cover).
  static let quantileSketch = 256

  /// Counts a new group: true when it does not fit beside the groups held,
  /// which the caller must then write out (``write(columns:keys:rows:)``)
  /// before adding it. (One group alone always fits.)
  func full(adding key: String, columns: Int) -> Bool {
    let bytes = estimate(key: key, columns: columns)
    if held > 0 && held + bytes > limit {
      held = bytes
      return true
    }
    held += bytes
    return false
  }

  /// Writes the groups `keys` (with `table`'s row `i` the summaries of
  /// `keys[i]`, by column of `columns`) to a run sorted by key, and empties
  /// `table`. (From the table's rows as they are: moved into arrays first,
  /// the arrays and the rows made after them each took memory the other's
  /// could not reuse, and the peak grew to 1.8 times the limit.)
  func write(columns: [String], keys: [String], table: StatsSummaryTable) throws {
    if file == nil { file = try SpillFile(in: directory) }
    var out = SpillWriter(file: file!)
    StatsRunFile.writeColumns(columns, to: &out)
    for index in StatsGroupOrder.order(keys) {
      try StatsRunFile.write(keys[index], Self.nonEmpty(table.row(index)), to: &out)
    }
    StatsRunFile.writeEnd(to: &out)
    table.removeAll()
    runs.append(.disk(file!, try out.finish(), level: 0, columns: columns))
    runsWritten += 1
    groupsWritten += keys.count
    try compactTail()
  }

  /// ``write(columns:keys:table:)`` for rows in arrays.
  func write(columns: [String], keys: [String], rows: [[ColumnSummary]]) throws {
    try write(columns: columns, keys: keys, table: StatsSummaryTable(rows))
  }

  /// Keeps the last groups of a part in memory, sorted, as its last run:
  /// `table`'s row `i` holds the summaries of `keys[i]`.
  func keep(columns: [String], keys: [String], table: StatsSummaryTable) {
    let order = StatsGroupOrder.order(keys)
    runs.append(.memory(StatsMemoryRun(columns: columns, keys: order.map { keys[$0] }, slots: order, table: table)))
  }

  /// ``keep(columns:keys:table:)`` for rows in arrays.
  func keep(columns: [String], keys: [String], rows: [[ColumnSummary]]) {
    keep(columns: columns, keys: keys, table: StatsSummaryTable(rows))
  }

  /// Appends the runs of the part after this one.
  func append(_ other: StatsSpill) {
    runs += other.runs
    runsWritten += other.runsWritten
    groupsWritten += other.groupsWritten
  }

  static func nonEmpty(_ row: UnsafeMutableBufferPointer<ColumnSummary>) -> [(column: Int, summary: ColumnSummary)] {
    row.indices.compactMap { row[$0].count > 0 || row[$0].nonNumeric > 0 ? ($0, row[$0]) : nil }
  }

  /// While the last ``fanIn`` runs on disk are of one size class: merges them into one of the next.
  private func compactTail() throws {
    while runs.count >= Self.fanIn {
      let tail = runs.suffix(Self.fanIn)
      guard case .disk(_, _, let level, _)? = tail.first,
        tail.allSatisfy({ if case .disk(_, _, level, _) = $0 { true } else { false } })
      else { return }
      let merged = try mergeToDisk(Array(tail), level: level + 1)
      runs.removeLast(Self.fanIn)
      runs.append(merged)
    }
  }

  /// `runs` (consecutive) as one run on disk.
  private func mergeToDisk(_ runs: [StatsRun], level: Int) throws -> StatsRun {
    var columns: [String] = []
    var seen: Set<ExactText> = []
    for run in runs {
      for name in run.columns where seen.insert(ExactText(name)).inserted { columns.append(name) }
    }
    if file == nil { file = try SpillFile(in: directory) }
    var out = SpillWriter(file: file!)
    StatsRunFile.writeColumns(columns, to: &out)
    _ = try Self.merge(runs, columns: columns) { key, row in
      let summaries = row.indices.compactMap { column in row[column].map { (column: column, summary: $0) } }
      try StatsRunFile.write(key, summaries, to: &out)
    }
    StatsRunFile.writeEnd(to: &out)
    return .disk(file!, try out.finish(), level: level, columns: columns)
  }

  /// Every group of the runs, in key order, with its summaries by column
  /// of `columns` (which names every column of the runs). First merges the
  /// runs down to at most ``fanIn``, consecutive ones at a time.
  func merge(columns: [String], _ body: (String, [ColumnSummary?]) throws -> Void) throws -> Int {
    while runs.count > Self.fanIn {
      var fewer: [StatsRun] = []
      for start in stride(from: 0, to: runs.count, by: Self.fanIn) {
        let batch = Array(runs[start..<Swift.min(start + Self.fanIn, runs.count)])
        fewer.append(batch.count == 1 ? batch[0] : try mergeToDisk(batch, level: 0))
      }
      runs = fewer
    }
    groupsMerged = try Self.merge(runs, columns: columns, body)
    return groupsMerged
  }

  /// The k-way merge: the smallest key among the runs' next groups, its
  /// summaries combined in run order (the data's). A summary that only one
  /// run has is passed on as it is; those of several are combined into a
  /// fresh one, so that no run's summary (or sketch, a shared box) is
  /// changed and the runs can be merged again.
  static func merge(_ runs: [StatsRun], columns: [String], _ body: (String, [ColumnSummary?]) throws -> Void) throws -> Int {
    var index: [ExactText: Int] = [:]
    for (position, name) in columns.enumerated() where index[ExactText(name)] == nil { index[ExactText(name)] = position }
    var cursors = runs.map(StatsRunCursor.init)
    let maps = runs.map { $0.columns.map { index[ExactText($0)]! } }
    var heads: [SpilledGroup?] = []
    for position in cursors.indices { heads.append(try cursors[position].next()) }
    var groups = 0
    var combined = [Bool](repeating: false, count: columns.count)  // row[i] is a fresh summary
    while true {
      var first: Int?
      for position in heads.indices {
        guard let head = heads[position] else { continue }
        if first == nil || head.sortKey < heads[first!]!.sortKey { first = position }
      }
      guard let first else { return groups }
      let key = heads[first]!.key
      let sortKey = heads[first]!.sortKey
      var row = [ColumnSummary?](repeating: nil, count: columns.count)
      for position in first..<heads.count {
        guard let head = heads[position], head.sortKey == sortKey else { continue }
        for (column, summary) in head.summaries {
          let target = maps[position][column]
          guard row[target] != nil else {
            row[target] = summary
            continue
          }
          if !combined[target] {
            var fresh = ColumnSummary()
            fresh.add(row[target]!)
            row[target] = fresh
            combined[target] = true
          }
          row[target]!.add(summary)
        }
        heads[position] = try cursors[position].next()
      }
      for target in combined.indices where combined[target] { combined[target] = false }
      try body(key, row)
      groups += 1
    }
  }
}

/// Groups sorted by key (``StatsGroupOrder``), on disk or (a part's last) in memory.
enum StatsRun {
  case disk(SpillFile, Range<Int>, level: Int, columns: [String])
  case memory(StatsMemoryRun)

  var columns: [String] {
    switch self {
    case .disk(_, _, _, let columns): columns
    case .memory(let run): run.columns
    }
  }
}

/// The groups a part still held at its end, sorted by key: `table`'s row
/// `slots[i]` holds the summaries of `keys[i]` by column of `columns`.
final class StatsMemoryRun {
  let columns: [String]
  let keys: [String]
  let slots: [Int]
  let table: StatsSummaryTable

  init(columns: [String], keys: [String], slots: [Int], table: StatsSummaryTable) {
    self.columns = columns
    self.keys = keys
    self.slots = slots
    self.table = table
  }
}

/// Reads a run's groups in order.
struct StatsRunCursor {
  private var reader: SpillReader?
  private var memory: StatsMemoryRun?
  private var position = 0

  init(_ run: StatsRun) {
    switch run {
    case .disk(let file, let range, _, _): reader = SpillReader(file: file, range: range)
    case .memory(let run): memory = run
    }
  }

  mutating func next() throws(GenFailure) -> SpilledGroup? {
    if let memory {
      guard position < memory.keys.count else { return nil }
      position += 1
      return SpilledGroup(
        key: memory.keys[position - 1], summaries: StatsSpill.nonEmpty(memory.table.row(memory.slots[position - 1])))
    }
    if position == 0 { _ = try StatsRunFile.readColumns(&reader!) }  // (the run knows them)
    position = 1
    return try StatsRunFile.readGroup(&reader!)
  }
}
