import StreamIO

/// Computed columns, `total='qty * price'`, evaluated in order on each
/// record: a later one may read an earlier one, and one named like an
/// input column replaces it in place (as pandas' `df.assign(total=…)`).
final class DerivedColumns {
  let names: [String]
  let expressions: [CompiledExpression]
  /// The input's columns, then the new names.
  let outputColumns: [String]
  /// Per output column: the derived value that fills it, if any.
  let overrides: [Int?]
  /// The input's column count (a CSV header's).
  let inputCount: Int
  /// Each derived column's value for the current record. (Unchecked: set
  /// and read for every record by one thread, never overlapping.)
  @exclusivity(unchecked) private(set) var values: [ExpressionValue]
  private let slotsByName: [String: Int]

  /// `assignments` are `NAME=EXPRESSION`; `columns` the input's (nil: not
  /// known in advance, JSON Lines without records).
  init(_ assignments: [String], columns: [String]?, option: String) throws(GenFailure) {
    var names: [String] = [], expressions: [CompiledExpression] = []
    var output = columns ?? []
    var overrides: [Int?] = Array(repeating: nil, count: output.count)
    for assignment in assignments {
      let (name, text) = try Self.split(assignment, option: option)
      // The expression sees the input's columns and the earlier derived ones.
      let expression = try CompiledExpression(text, columns: columns == nil ? nil : output, option: "\(option) \(name)=")
      if let index = output.firstIndex(of: name) {
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
    inputCount = columns?.count ?? 0
    values = Array(repeating: .null, count: names.count)
    slotsByName = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { _, last in last })
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
    for slot in 0..<expressions.count {
      values[slot] = expressions[slot].evaluate(DerivedExpressionRow(base: row, derived: self, computed: slot))
    }
  }

  /// Where an expression finds a column: an earlier derived value, or the input.
  @inline(__always)
  fileprivate func value<Row: ExpressionRow>(_ base: Row, column index: Int?, name: String, computed: Int) -> ExpressionValue {
    if let index {
      if index < overrides.count, let slot = overrides[index], slot < computed { return values[slot] }
      return index < inputCount ? base.value(column: index, name: name) : .null
    }
    if let slot = slotsByName[name], slot < computed { return values[slot] }
    return base.value(column: nil, name: name)
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
  let derived: DerivedColumns
  let computed: Int

  @inline(__always)
  func value(column index: Int?, name: String) -> ExpressionValue {
    derived.value(base, column: index, name: name, computed: computed)
  }
}
