// StatsSummaryTable keeps stats' summaries in memory it manages by hand:
// rows that grow, groups past its first capacity, rows taken out one by one,
// read in place, or made from arrays. Every summary must come out as it was added to (and the
// sanitizer runs of CI see any double free or leak).
@testable import GenCommand
import Testing

@Suite struct StatsSummaryTableTests {
  /// 100 groups (past the first 16 slots), rows widened before and after
  /// values are added, with sketches (boxes that are reference counted):
  /// what `takeRow` and `row` give equals a model kept in arrays, and so
  /// does a table made from those arrays.
  @Test func summariesComeOutAsTheyWereAdded() {
    let table = StatsSummaryTable(sketching: StatsSketching(quantiles: true, distinct: true))
    var model: [[[Double]]] = []  // [group][column]: the values added
    var state: UInt64 = 11
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    for round in 0..<3 {
      for _ in 0..<(round == 0 ? 100 : 5) {
        #expect(table.appendGroup() == model.count)
        model.append([])
      }
      for _ in 0..<2_000 {
        let group = next(model.count), column = next(4 + 3 * round)
        table.widen(group, to: column + 1)
        while model[group].count <= column { model[group].append([]) }
        let value = Double(next(10_000)) / 100
        let text = Array(String(value).utf8)
        text.withUnsafeBytes { table.row(group)[column].addText($0) }
        model[group][column].append(value)
      }
    }
    #expect(table.count == model.count)
    func check(_ row: some Collection<ColumnSummary>, _ values: [[Double]], _ group: Int) {
      #expect(row.count == values.count, "group \(group)")
      for (summary, added) in zip(row, values) {
        #expect(summary.count == added.count, "group \(group)")
        if let least = added.min(), let most = added.max() {
          #expect(summary.minimum == least && summary.maximum == most, "group \(group)")
          #expect(summary.distinct != nil && summary.quantiles != nil, "group \(group)")
        }
      }
    }
    // Some rows taken one by one (their slots stay, empty), the rest read in place.
    var taken: [[ColumnSummary]] = []
    for group in 0..<model.count {
      if group % 7 == 0 {
        check(table.takeRow(group), model[group], group)
        #expect(table.row(group).count == 0)
        model[group] = []
        taken.append([])
      } else {
        check(table.row(group), model[group], group)
        taken.append(Array(table.row(group)))
      }
    }
    // A table made from arrays holds the same rows (sketches shared, as copies of summaries share them).
    let copy = StatsSummaryTable(taken)
    #expect(copy.count == model.count)
    for group in 0..<model.count { check(copy.row(group), model[group], group) }
    table.removeAll()
    #expect(table.count == 0)
    // Emptied, it takes groups again; what it holds then is freed with it.
    #expect(table.appendGroup() == 0)
    table.widen(0, to: 3)
    #expect(table.row(0).count == 3)
  }
}

@Suite struct StatsSlotsTests {
  /// A group's text of under eight bytes is found as one word loaded from
  /// the reader's buffer: only its own bytes count, not the ones after it
  /// (the buffer's padding or the next field), and "A" is not "A\0".
  @Test func smallGroupKeysReadOnlyTheirOwnBytes() throws {
    var slots = StatsSlots(sketching: StatsSketching(), spill: nil)
    let texts = ["", "A", "A\0", "\0", "AB", "US", "USA", "1234567", "12345678", "Customer 1", "é"]
    var found: [String: Int] = [:]
    for tail in ["", "xxxxxxxxxxxxxxxx", "\0\0\0\0\0\0\0\0", "USA,12,3.5\n"] {
      for text in texts {
        // The text, then other bytes, then eight bytes of padding.
        let buffer = Array((text + tail).utf8) + Array(repeating: 0xFF, count: 8)
        let slot = try buffer.withUnsafeBytes { bytes in
          try slots.slot(groupText: UnsafeRawBufferPointer(rebasing: bytes[..<text.utf8.count]))
        }
        #expect(found[text, default: slot] == slot, "\(text) after \(tail)")
        found[text] = slot
        #expect(try slots.slot(group: text) == slot, "\(text): the same group as its String")
      }
    }
    #expect(Set(found.values).count == texts.count)
  }
}
