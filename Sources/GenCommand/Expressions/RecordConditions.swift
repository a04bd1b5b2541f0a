import StreamIO

/// The `--where` conditions of a verb, compiled against the input's columns
/// and ANDed: `--where 'qty * price > 1000' --where "country != 'US'"`.
struct RecordConditions {
  let conditions: [CompiledExpression]
  /// All of them on a byte-level path's row, in one closure (the row by
  /// pointer, as ``ExpressionEvaluator``'s closures take it).
  let csv: (UnsafePointer<CSVExpressionRow>) -> Bool
  let json: (UnsafePointer<JSONExpressionRow>) -> Bool

  /// `columns` nil: not known (an empty JSON Lines input); syntax is still checked.
  init(_ texts: [String], columns: [String]?) throws(GenFailure) {
    var conditions: [CompiledExpression] = []
    for text in texts {
      // The earlier COLUMN OP VALUE form first when its column is not a
      // name the language reads bare (a headerless CSV's `3`, `order date`):
      // `3>=10` means column 3, not the constant false.
      if let clause = try? WhereClause(parsing: text), let columns, columns.contains(exactly: clause.column),
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
    self.init(conditions)
  }

  private init(_ conditions: [CompiledExpression]) {
    self.conditions = conditions
    csv = Self.all(conditions) { $0.csv.testAt }
    json = Self.all(conditions) { $0.json.testAt }
  }

  /// The same conditions with problems of their own (a `--threads` piece's),
  /// compiled from the same trees (see ``CompiledExpression/fresh()``).
  func fresh() -> RecordConditions { RecordConditions(conditions.map { $0.fresh() }) }

  /// One test that passes when each condition's does, in order. (Each
  /// pair in a closure of its own, not the tests in an array: a closure
  /// read from an array is called through thunks.)
  private static func all<Row>(
    _ conditions: [CompiledExpression], _ test: (CompiledExpression) -> (UnsafePointer<Row>) -> Bool
  ) -> (UnsafePointer<Row>) -> Bool {
    guard let first = conditions.first else { return { _ in true } }
    var all = test(first)
    for condition in conditions.dropFirst() {
      let earlier = all, next = test(condition)
      all = { row in earlier(row) && next(row) }
    }
    return all
  }

  var isEmpty: Bool { conditions.isEmpty }

  /// (The byte-level paths' rows run the compiled closures; a check of the
  /// row's type that specialization decides at compile time.)
  @inline(__always)
  func matches<Row: ExpressionRow>(_ row: Row) -> Bool {
    if Row.self == CSVExpressionRow.self {
      return withUnsafePointer(to: unsafeBitCast(row, to: CSVExpressionRow.self)) { csv($0) }
    }
    if Row.self == JSONExpressionRow.self {
      return withUnsafePointer(to: unsafeBitCast(row, to: JSONExpressionRow.self)) { json($0) }
    }
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
