import StreamIO

/// The totals of ``StatsTotals/addCSV(_:groupBy:expressions:)`` and
/// ``StatsTotals/addJSONLines(_:first:groupBy:expressions:)`` by slot while
/// they read: a slot per group and per column name, in the order the records
/// showed them.
struct StatsSlots {
  let sketching: StatsSketching
  /// The summaries by group slot and column slot.
  let summaries: StatsSummaryTable
  /// Keys and names told apart by their code points (``ExactText``), as Python's dict keys.
  var groupSlots: [ExactText: Int] = [:]
  var smallGroupSlots = SmallKeyTable()  // group values under 8 bytes, by smallKey
  var slotGroups: [String] = []
  private(set) var slotNames: [String] = []
  /// `slotNames.count`, kept apart: read for every record, the array's count was a call.
  private(set) var nameCount = 0
  var slotsByName: [ExactText: Int] = [:]
  /// The derived columns' slots (nil: the group column), made at the first record.
  var derivedSlots: [Int?]?
  /// --memory-limit (see ``StatsTotals/spill``).
  let spill: StatsSpill?

  init(sketching: StatsSketching, spill: StatsSpill?) {
    self.sketching = sketching
    self.spill = spill
    summaries = StatsSummaryTable(sketching: sketching)
  }

  mutating func slot(named name: String) -> Int {
    if let slot = slotsByName[ExactText(name)] { return slot }
    slotNames.append(name)
    nameCount = slotNames.count
    slotsByName[ExactText(name)] = nameCount - 1
    return nameCount - 1
  }

  mutating func slot(group: String) throws -> Int {
    if let known = groupSlots[ExactText(group)] { return known }
    if let spill, spill.full(adding: group, columns: slotNames.count) {
      // The groups held so far to a run on disk, freed.
      try spill.write(columns: slotNames, keys: slotGroups, table: summaries)
      groupSlots.removeAll(keepingCapacity: true)
      smallGroupSlots.removeAll()
      slotGroups.removeAll(keepingCapacity: true)
    }
    let made = summaries.appendGroup()
    groupSlots[ExactText(group)] = made
    slotGroups.append(group)
    return made
  }

  /// A group's text as bytes in a reader's buffer: one of up to 7 bytes (a
  /// country code, a year) is found as one integer, with no String made or hashed.
  @inline(__always)
  mutating func slot(groupText text: UnsafeRawBufferPointer) throws -> Int {
    guard text.count < 8 else { return try slot(group: String(decoding: text, as: UTF8.self)) }
    let key = Self.smallKey(inBuffer: text)
    if let known = smallGroupSlots[key] { return known }
    let made = try slot(group: String(decoding: text, as: UTF8.self))
    smallGroupSlots.insert(key, slot: made)
    return made
  }

  /// Up to 7 bytes and their count as one integer (the count in the top byte,
  /// so "A" and "A\0" differ). The bytes lie in a reader's buffer, whose
  /// padding makes eight bytes from their start readable: one load, no loop.
  @inline(__always)
  static func smallKey(inBuffer bytes: UnsafeRawBufferPointer) -> UInt64 {
    precondition(bytes.count < 8)
    guard let start = bytes.baseAddress, !bytes.isEmpty else { return 0 }
    let word = UInt64(littleEndian: start.loadUnaligned(as: UInt64.self))
    let count = UInt64(truncatingIfNeeded: bytes.count)
    return word & ((1 &<< (count &* 8)) &- 1) | count &<< 56
  }

  @inline(__always)
  func makeRoom(group: Int, column: Int) {
    summaries.widen(group, to: column + 1)
  }

  /// A row as wide as every column named so far, for a group.
  @inline(__always)
  func makeRoom(group: Int) {
    summaries.widen(group, to: nameCount)
  }

  /// The derived columns' slots, named after the input's columns the first time.
  mutating func noteDerived(_ derived: DerivedColumns, groupBy: String?) {
    guard derivedSlots == nil else { return }
    // (A name assigned twice: its last value only, as derive writes.)
    derivedSlots = derived.names.indices.map {
      groupBy.map(derived.names[$0].hasSameCodePoints) == true || !derived.isLastOfName[$0] ? nil : slot(named: derived.names[$0])
    }
  }

  mutating func addDerived(_ derived: DerivedColumns, group: Int, groupBy: String?) {
    noteDerived(derived, groupBy: groupBy)
    for (column, value) in zip(derivedSlots!, derived.values) {
      guard let column else { continue }
      makeRoom(group: group, column: column)
      let row = summaries.row(group)
      precondition(column < row.count)
      row[column].add(value)
    }
  }
}

extension StatsTotals {
  /// The totals read into `slots`, kept: spilled (``StatsSpill/keep(columns:keys:rows:)``)
  /// under --memory-limit, else moved into `groups`.
  mutating func keep(_ slots: inout StatsSlots) {
    if let spill {
      // Sorted as they are: the dictionaries of `groups` would take a third more.
      spill.keep(columns: slots.slotNames, keys: slots.slotGroups, table: slots.summaries)
      for name in slots.slotNames { note(column: name) }
    } else {
      moveIntoGroups(slots.summaries, groups: slots.slotGroups, columns: slots.slotNames)
    }
  }
}
