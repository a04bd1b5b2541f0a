/// The summaries of ``StatsSlots`` by group slot and column slot, each
/// group's row in memory of its own: a record adds into its group's row
/// through a pointer (``row(_:)``), with nothing checked for sharing and
/// nothing retained. (As an array of arrays, every record's access checked
/// both arrays for sharing and retained one: a tenth of stats' time.)
/// Freed with the table, on every path.
final class StatsSummaryTable {
  let sketching: StatsSketching
  // (Unchecked: the table hands out no inout access to these; rows are
  // written through the pointers they hold.)
  /// Per group slot: its row, as wide as the columns it was made room for.
  @exclusivity(unchecked) private var rows: UnsafeMutablePointer<UnsafeMutableBufferPointer<ColumnSummary>>
  @exclusivity(unchecked) private var capacity: Int
  /// How many groups it holds.
  @exclusivity(unchecked) private(set) var count = 0

  init(sketching: StatsSketching) {
    self.sketching = sketching
    capacity = 16
    rows = .allocate(capacity: capacity)
  }

  deinit {
    removeAll()
    rows.deallocate()
  }

  /// A new group, with no columns yet; returns its slot.
  func appendGroup() -> Int {
    if count == capacity {
      let larger = UnsafeMutablePointer<UnsafeMutableBufferPointer<ColumnSummary>>.allocate(capacity: 2 * capacity)
      larger.moveInitialize(from: rows, count: count)
      rows.deallocate()
      rows = larger
      capacity *= 2
    }
    (rows + count).initialize(to: UnsafeMutableBufferPointer(start: nil, count: 0))
    count += 1
    return count - 1
  }

  /// Group `group`'s summaries, by column slot: valid until the row is
  /// widened or taken (``takeRow(_:)``) or the table emptied;
  /// a new group leaves it valid. (A pointer's subscript is not checked:
  /// callers check each column slot against the row's count.)
  @inline(__always)
  func row(_ group: Int) -> UnsafeMutableBufferPointer<ColumnSummary> {
    precondition(group >= 0 && group < count, "no group slot \(group)")
    return rows[group]
  }

  /// Makes group `group`'s row at least `columns` wide (new columns empty;
  /// exactly as wide, as the arrays the rows are taken into are).
  @inline(__always)
  func widen(_ group: Int, to columns: Int) {
    if row(group).count < columns { grow(group, to: columns) }
  }

  @inline(never)
  private func grow(_ group: Int, to columns: Int) {
    let old = rows[group]
    let new = UnsafeMutableBufferPointer<ColumnSummary>.allocate(capacity: columns)
    if let from = old.baseAddress {
      new.baseAddress!.moveInitialize(from: from, count: old.count)
      old.deallocate()
    }
    (new.baseAddress! + old.count).initialize(repeating: ColumnSummary(sketching: sketching), count: columns - old.count)
    rows[group] = new
  }

  /// Group `group`'s summaries moved out into an array, its row freed (the
  /// table keeps the slot, empty).
  func takeRow(_ group: Int) -> [ColumnSummary] {
    let row = self.row(group)
    guard let base = row.baseAddress else { return [] }
    let taken = [ColumnSummary](unsafeUninitializedCapacity: row.count) { buffer, initialized in
      buffer.baseAddress!.moveInitialize(from: base, count: row.count)
      initialized = row.count
    }
    row.deallocate()
    rows[group] = UnsafeMutableBufferPointer(start: nil, count: 0)
    return taken
  }

  /// A table of these rows, in order (each as wide as its array).
  convenience init(_ rows: [[ColumnSummary]], sketching: StatsSketching = StatsSketching()) {
    self.init(sketching: sketching)
    for row in rows {
      let group = appendGroup()
      widen(group, to: row.count)
      let summaries = self.row(group)
      for (column, summary) in row.enumerated() { summaries[column] = summary }
    }
  }

  /// Frees every group.
  func removeAll() {
    for group in 0..<count {
      let row = rows[group]
      row.baseAddress?.deinitialize(count: row.count)
      row.deallocate()
    }
    count = 0
  }
}
