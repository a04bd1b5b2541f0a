import StreamIO

/// Computed columns, `total='qty * price'`, evaluated in order on each
/// record: a later one may read an earlier one, and one named like an
/// input column replaces it in place (as pandas' `df.assign(total=…)`).
final class DerivedColumns {
  let names: [String]
  let expressions: [CompiledExpression]
  /// The input's columns, then the new names.
  let outputColumns: [String]
  /// Per output column: the derived value that fills it, if any (the last
  /// assigned, when a name is assigned twice).
  let overrides: [Int?]
  /// Per derived value: whether it is the last assigned to its name, the
  /// one the output shows (stats counts no other).
  let isLastOfName: [Bool]
  /// Per derived value: the `overrides` its expression sees, those assigned
  /// before it (`a=a+1 a=a*10` reads the first `a` in the second).
  private let visibleOverrides: [[Int?]]
  /// Per derived value: the earlier derived values by name (the latest of a name).
  private let visibleSlotsByName: [[ExactText: Int]]
  /// The input's column count (a CSV header's).
  let inputCount: Int
  /// Each derived column's value for the current record: set and read for
  /// every record by one thread, in memory of its own (an array here would
  /// be checked for uniqueness and retained on every write).
  let values: UnsafeMutableBufferPointer<ExpressionValue>
  /// The expressions compiled to closures for the byte-level paths' rows.
  private let csv: [ExpressionEvaluator<DerivedExpressionRow<CSVExpressionRow>>]
  private let json: [ExpressionEvaluator<DerivedExpressionRow<JSONExpressionRow>>]

  /// `assignments` are `NAME=EXPRESSION`; `columns` the input's (nil: not
  /// known in advance, JSON Lines without records).
  init(_ assignments: [String], columns: [String]?, option: String) throws(GenFailure) {
    var names: [String] = [], expressions: [CompiledExpression] = []
    var output = columns ?? []
    var overrides: [Int?] = Array(repeating: nil, count: output.count)
    var visibleOverrides: [[Int?]] = [], visibleSlotsByName: [[ExactText: Int]] = []
    var slotsByName: [ExactText: Int] = [:]
    for assignment in assignments {
      let (name, text) = try Self.split(assignment, option: option)
      // The expression sees the input's columns and the earlier derived ones.
      let expression = try CompiledExpression(text, columns: columns == nil ? nil : output, option: "\(option) \(name)=")
      visibleOverrides.append(overrides)
      visibleSlotsByName.append(slotsByName)
      slotsByName[ExactText(name)] = names.count
      if let index = output.firstIndex(ofExactly: name) {
        overrides[index] = names.count
      } else {
        output.append(name)
        overrides.append(names.count)
      }
      names.append(name)
      expressions.append(expression)
    }
    self.names = names
    self.expressions = expressions
    outputColumns = output
    self.overrides = overrides
    self.visibleOverrides = visibleOverrides
    self.visibleSlotsByName = visibleSlotsByName
    isLastOfName = names.indices.map { slot in names.lastIndex(ofExactly: names[slot]) == slot }
    inputCount = columns?.count ?? 0
    values = .allocate(capacity: names.count)
    values.initialize(repeating: .null)
    csv = expressions.map { ExpressionEvaluator($0.root, problems: $0.problems) }
    json = expressions.map { ExpressionEvaluator($0.root, problems: $0.problems) }
  }

  deinit {
    values.deinitialize()
    values.deallocate()
  }

  /// `total=qty * price` → ("total", "qty * price"); `a==b` is no assignment.
  static func split(_ assignment: String, option: String) throws(GenFailure) -> (String, String) {
    guard let equals = assignment.firstIndex(of: "="),
      assignment[assignment.index(after: equals)...].first != "="
    else {
      throw .usage("\(option) \"\(assignment)\": write NAME=EXPRESSION, e.g. total='qty * price'")
    }
    let name = String(assignment[..<equals]).trimmingCharacters
    guard !name.isEmpty else {
      throw .usage("\(option) \"\(assignment)\": a name is missing before =, e.g. total='qty * price'")
    }
    return (name, String(assignment[assignment.index(after: equals)...]))
  }

  /// Computes every derived value for `row`, in order.
  @inline(__always)
  func compute<Row: ExpressionRow>(_ row: Row) {
    // (Through the buffers: an evaluator copied out of its array would
    // retain its closures, for every record.)
    if Row.self == CSVExpressionRow.self {
      let row = unsafeBitCast(row, to: CSVExpressionRow.self)
      csv.withUnsafeBufferPointer { evaluators in
        for slot in evaluators.indices {
          values[slot] = evaluators[slot].value(DerivedExpressionRow(base: row, derived: self, computed: slot))
        }
      }
      return
    }
    if Row.self == JSONExpressionRow.self {
      let row = unsafeBitCast(row, to: JSONExpressionRow.self)
      json.withUnsafeBufferPointer { evaluators in
        for slot in evaluators.indices {
          values[slot] = evaluators[slot].value(DerivedExpressionRow(base: row, derived: self, computed: slot))
        }
      }
      return
    }
    for slot in 0..<expressions.count {
      values[slot] = expressions[slot].evaluate(DerivedExpressionRow(base: row, derived: self, computed: slot))
    }
  }

  /// ``compute(_:)`` for the rows of the CSV byte path, as one closure for a
  /// loop to hold: called from there, neither it nor the evaluators it holds
  /// are retained for every record (read from an array or a property, they are).
  func computeCSV() -> (CSVExpressionRow) -> Void {
    // One column of arithmetic on the row's (`total=qty * price`), the
    // common case: its number closure called straight, not through the
    // value closure and the generic computer's (a tenth of derive's instructions).
    if expressions.count == 1, let number = expressions[0].csv.numberAt {
      let values = values
      return { row in values[0] = withUnsafePointer(to: row) { number($0) }?.value ?? .null }
    }
    return computer(base: { $0.csv.valueAt }, derived: csv)
  }

  /// ``computeCSV()`` for the rows of the JSON Lines byte path.
  func computeJSON() -> (JSONExpressionRow) -> Void {
    if expressions.count == 1, let number = expressions[0].json.numberAt {  // (as in computeCSV())
      let values = values
      return { row in values[0] = withUnsafePointer(to: row) { number($0) }?.value ?? .null }
    }
    return computer(base: { $0.json.valueAt }, derived: json)
  }

  private func computer<Row: ExpressionRow>(
    base: (CompiledExpression) -> (UnsafePointer<Row>) -> ExpressionValue,
    derived evaluators: [ExpressionEvaluator<DerivedExpressionRow<Row>>]
  ) -> (Row) -> Void {
    let values = values
    unowned(unsafe) let derived = self
    // An expression that reads no earlier derived column reads the row
    // itself (its columns' indices are the input's): no lookup through
    // the derived values for every field.
    let slots = expressions.enumerated().map { slot, expression -> (UnsafePointer<Row>) -> ExpressionValue in
      if Set(expression.columnNames.map(ExactText.init)).isDisjoint(with: names[..<slot].map(ExactText.init)) { return base(expression) }
      let value = evaluators[slot].valueAt
      return { row in
        withUnsafePointer(to: DerivedExpressionRow(base: row.pointee, derived: derived, computed: slot)) { value($0) }
      }
    }
    if slots.count == 1 {
      let first = slots[0]
      return { row in values[0] = withUnsafePointer(to: row) { first($0) } }
    }
    return { row in
      withUnsafePointer(to: row) { row in
        for slot in slots.indices { values[slot] = slots[slot](row) }
      }
    }
  }

  /// Calls `body` with a derived value of the current record, borrowed (no copy).
  @inline(__always)
  func withValue<R>(_ slot: Int, _ body: (borrowing ExpressionValue) throws -> R) rethrows -> R {
    try body(values[slot])
  }

  /// Where an expression finds a column: an earlier derived value, or the input.
  @inline(__always)
  fileprivate func value<Row: ExpressionRow>(_ base: Row, column index: Int?, name: String, computed: Int) -> ExpressionValue {
    if let index {
      // (Indexed in place: the inner array taken out would be retained.)
      if index < visibleOverrides[computed].count, let slot = visibleOverrides[computed][index] { return values[slot] }
      return index < inputCount ? base.value(column: index, name: name) : .null
    }
    if let slot = visibleSlotsByName[computed][ExactText(name)] { return values[slot] }
    return base.value(column: nil, name: name)
  }

  /// Counts the problems the same expressions met in a later range (`--threads`).
  func absorb(_ other: DerivedColumns) {
    for (mine, theirs) in zip(expressions, other.expressions) { mine.problems.absorb(theirs.problems) }
  }

  /// The problems each expression met, for stderr.
  func report(_ environment: GenEnvironment, option: String) {
    for (name, expression) in zip(names, expressions) {
      let report = expression.problems.report(for: "\(option) \(name)=\"\(expression.text)\"")
      if !report.isEmpty { environment.stderr(report) }
    }
  }
}

/// A record with the derived values computed so far.
struct DerivedExpressionRow<Base: ExpressionRow>: ExpressionRow {
  let base: Base
  /// (Unowned: rows are made only inside ``DerivedColumns/compute(_:)`` and the
  /// closures of `computeCSV()`/`computeJSON()`, which must not outlive it.)
  unowned(unsafe) let derived: DerivedColumns
  let computed: Int

  @inline(__always)
  func value(column index: Int?, name: String) -> ExpressionValue {
    derived.value(base, column: index, name: name, computed: computed)
  }
}
