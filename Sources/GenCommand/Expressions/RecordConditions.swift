import StreamIO

/// The `--where` conditions of a verb, compiled against the input's columns
/// and ANDed: `--where 'qty * price > 1000' --where "country != 'US'"`.
struct RecordConditions {
  let conditions: [CompiledExpression]
  /// All of them on a byte-level path's row, in one closure.
  let csv: (CSVExpressionRow) -> Bool
  let json: (JSONExpressionRow) -> Bool

  /// `columns` nil: not known (an empty JSON Lines input); syntax is still checked.
  init(_ texts: [String], columns: [String]?) throws(GenFailure) {
    var conditions: [CompiledExpression] = []
    for text in texts {
      // The earlier COLUMN OP VALUE form first when its column is not a
      // name the language reads bare (a headerless CSV's `3`, `order date`):
      // `3>=10` means column 3, not the constant false.
      if let clause = try? WhereClause(parsing: text), let columns, columns.contains(clause.column),
        !ExpressionLexer.isBareName(clause.column)
      {
        conditions.append(CompiledExpression(legacy: clause, columns: columns))
        continue
      }
      let condition = try CompiledExpression.condition(text, columns: columns)
      if condition.columnNames.isEmpty {
        throw .usage("--where \"\(text)\": the condition reads no column, so it would keep all records or none")
      }
      conditions.append(condition)
    }
    self.conditions = conditions
    csv = Self.all(conditions.map(\.csv.test))
    json = Self.all(conditions.map(\.json.test))
  }

  /// One test that passes when each of `tests` does, in order.
  private static func all<Row>(_ tests: [(Row) -> Bool]) -> (Row) -> Bool {
    switch tests.count {
    case 0: return { _ in true }
    case 1: return tests[0]
    case 2:
      let first = tests[0], second = tests[1]
      return { row in first(row) && second(row) }
    default:
      return { row in tests.allSatisfy { $0(row) } }
    }
  }

  var isEmpty: Bool { conditions.isEmpty }

  /// (The byte-level paths' rows run the compiled closures; a check of the
  /// row's type that specialization decides at compile time.)
  @inline(__always)
  func matches<Row: ExpressionRow>(_ row: Row) -> Bool {
    if Row.self == CSVExpressionRow.self { return csv(unsafeBitCast(row, to: CSVExpressionRow.self)) }
    if Row.self == JSONExpressionRow.self { return json(unsafeBitCast(row, to: JSONExpressionRow.self)) }
    for condition in conditions where !condition.matches(row) { return false }
    return true
  }

  /// Counts the problems the same conditions met in a later range (`--threads`).
  func absorb(_ other: RecordConditions) {
    for (mine, theirs) in zip(conditions, other.conditions) { mine.problems.absorb(theirs.problems) }
  }

  /// The counted problems (text where a number was needed, division by zero), on stderr.
  func report(_ environment: GenEnvironment) {
    for condition in conditions {
      let report = condition.problems.report(for: "--where \"\(condition.text)\"")
      if !report.isEmpty { environment.stderr(report) }
    }
  }
}

extension ExpressionLexer {
  /// Whether the language reads `name` as a column without backquotes.
  static func isBareName(_ name: String) -> Bool {
    guard let tokens = try? tokens(name), tokens.count == 2, case .name(let word) = tokens[0].kind else { return false }
    return word == name && !["and", "or", "not", "is", "null", "true", "false", "in", "none"].contains(word.lowercased())
  }
}
