import StreamIO

/// `stats` over CSV: each row lent by the reader (``RecordStream/forEachRow(_:)``)
/// and summed from its bytes, one group look-up per row and none per field.
/// A row that is not all ASCII is read as a `Record` of strings (which checks
/// its UTF-8) and summed as ``StatsTotals/add(_:groupBy:derived:)`` would.
extension StatsTotals {
  /// Adds the stream's rows that pass `expressions` (compiled here, against
  /// the header), with their derived columns. Returns how many it added.
  mutating func addCSV(_ stream: RecordStream, groupBy: String?, expressions: inout StatsExpressions) throws -> Int {
    // (The totals in a local struct, so that the row closure captures one
    // variable and each access is checked for exclusivity when compiled.)
    var reading = CSVStatsReading(slots: StatsSlots(sketching: sketching, spill: spill), expressions: expressions, groupBy: groupBy)
    try stream.forEachRow { row in try reading.add(row, from: stream) }
    if !reading.started { try reading.expressions.compile(columns: stream.hasNamedColumns ? stream.columns : nil) }
    expressions = reading.expressions
    keep(&reading.slots)
    return reading.records
  }
}

/// What ``StatsTotals/addCSV(_:groupBy:expressions:)`` keeps while it reads.
private struct CSVStatsReading {
  var slots: StatsSlots
  var expressions: StatsExpressions
  let groupBy: String?
  var records = 0
  /// Whether the first row was read (the expressions compiled, the group column found).
  var started = false
  var hasExpressions = false
  /// The group column's index; nil: no --group-by, or it names a derived column (`groupDerived`).
  var groupIndex: Int?
  var groupDerived: Int?
  /// The input columns a derived column replaces (they keep their place in the table).
  var replaced: Set<Int> = []
  /// Per column index: its name's slot; nil for the group column and replaced ones.
  private(set) var columnSlots: [Int?] = []
  /// `columnSlots.count`, kept apart: read for every row, the array's count was a call.
  private(set) var columnSlotCount = 0

  init(slots: StatsSlots, expressions: StatsExpressions, groupBy: String?) {
    self.slots = slots
    self.expressions = expressions
    self.groupBy = groupBy
  }

  mutating func start(_ stream: RecordStream) throws {
    try expressions.compile(columns: stream.columns)
    if let groupBy {
      try Select.check([groupBy], against: stream.columns + expressions.derivedNames, in: stream.path)
      groupDerived = expressions.derived?.names.lastIndex(ofExactly: groupBy)
      groupIndex = groupDerived == nil ? stream.columns.firstIndex(ofExactly: groupBy) : nil
    }
    if let derived = expressions.derived {
      replaced = Set(derived.overrides.prefix(derived.inputCount).indices.filter { derived.overrides[$0] != nil })
    }
    hasExpressions = expressions.conditions != nil || expressions.derived != nil
    started = true
  }

  /// Slots for columns up to `count` (a row longer than those before it), then the derived columns'.
  mutating func noteColumns(upTo count: Int, _ stream: RecordStream) {
    while columnSlots.count < count {
      let index = columnSlots.count
      let name = stream.columns[index]
      // (No slot for the group column; a replaced column keeps its place.)
      let slot = groupBy.map(name.hasSameCodePoints) == true ? nil : slots.slot(named: name)
      columnSlots.append(replaced.contains(index) ? nil : slot)
    }
    columnSlotCount = columnSlots.count
    if let derived = expressions.derived { slots.noteDerived(derived, groupBy: groupBy) }
  }

  @inline(__always)
  mutating func add(_ row: CSVRecord, from stream: RecordStream) throws {
    if !started { try start(stream) }
    guard row.isASCII else { return try addDecoded(row, from: stream) }
    // (The derived columns read only with expressions: read for every row,
    // they were retained for every row.)
    if hasExpressions {  // (no row value made, no reference counted, without them)
      let kept = row.withLentFields { fields in
        let expressionRow = CSVExpressionRow(fields: fields)
        guard expressions.keep(expressionRow) else { return false }
        expressions.derived?.compute(expressionRow)
        return true
      }
      guard kept else { return }
    }
    records += 1
    if columnSlotCount < row.count { noteColumns(upTo: row.count, stream) }
    let group: Int
    if let groupDerived {
      group = try slots.slot(group: expressions.derived!.values[groupDerived].text)
    } else if let groupIndex, groupIndex < row.count {
      group = try slots.slot(groupText: row.field(groupIndex))
    } else {
      group = try slots.slot(group: "")
    }
    slots.makeRoom(group: group)
    let summaries = slots.summaries.row(group)
    columnSlots.withUnsafeBufferPointer { columnSlots in
      for index in 0..<row.count {
        guard let column = columnSlots[index] else { continue }
        precondition(column < summaries.count)  // (the row is the table's memory: no index past it)
        summaries[column].addText(row.field(index))
      }
    }
    if hasExpressions, let derived = expressions.derived { slots.addDerived(derived, group: group, groupBy: groupBy) }
  }

  /// A row with bytes past ASCII: from its strings (nil: --skip-bad skipped it, counted).
  mutating func addDecoded(_ row: CSVRecord, from stream: RecordStream) throws {
    guard let record = try stream.record(from: row) else { return }
    let expressionRow = RecordExpressionRow(record: record)
    guard expressions.keep(expressionRow) else { return }
    let derived = expressions.derived
    derived?.compute(expressionRow)
    records += 1
    if columnSlots.count < row.count { noteColumns(upTo: row.count, stream) }
    var text = ""
    if let groupDerived {
      text = derived!.values[groupDerived].text
    } else if let groupBy, let value = record.value(groupBy) {
      text = value.text
    }
    let group = try slots.slot(group: text)
    slots.makeRoom(group: group)
    let summaries = slots.summaries.row(group)
    for (index, field) in record.fields.enumerated() {
      if let column = columnSlots[index] {
        precondition(column < summaries.count)
        summaries[column].add(field.value)
      }
    }
    if let derived { slots.addDerived(derived, group: group, groupBy: groupBy) }
  }
}
