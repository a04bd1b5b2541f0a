/// One `--where` condition: `column OP value`, e.g. `country!=US`,
/// `qty>=10`, `name~Smith`. Numbers compare as numbers when both sides read
/// as numbers, otherwise as text.
struct WhereClause: Equatable, CustomStringConvertible {
  enum Operator: String, CaseIterable {
    // Longest first, so that `!=` is not read as `!` and `=`.
    case notContains = "!~"
    case notEqual = "!="
    case greaterOrEqual = ">="
    case lessOrEqual = "<="
    case equalEqual = "=="
    case contains = "~"
    case equal = "="
    case greater = ">"
    case less = "<"
  }

  var column: String
  var op: Operator
  var value: String

  var description: String { "\(column)\(op.rawValue)\(value)" }

  init(column: String, op: Operator, value: String) {
    self.column = column
    self.op = op
    self.value = value
  }

  /// Parses `column OP value`; the first operator in the text splits it.
  init(parsing text: String) throws(GenFailure) {
    let characters = Array(text)
    for start in characters.indices {
      for op in Operator.allCases {
        let symbol = Array(op.rawValue)
        guard start + symbol.count <= characters.count, Array(characters[start..<start + symbol.count]) == symbol
        else { continue }
        let column = String(characters[..<start]).trimmingCharacters
        guard !column.isEmpty else {
          throw .usage("--where \"\(text)\": no column before \(op.rawValue); write it as COLUMN\(op.rawValue)VALUE")
        }
        self.column = column
        self.op = op == .equalEqual ? .equal : op
        self.value = String(characters[(start + symbol.count)...]).trimmingCharacters
        return
      }
    }
    throw .usage(
      "--where \"\(text)\": no comparison found; use COLUMN=VALUE, !=, <, <=, >, >=, ~ (contains) or !~, e.g. country!=US")
  }

  /// Whether `field` (nil: the record has no such field) satisfies the condition.
  func matches(_ field: JSONValue?) -> Bool {
    guard let field, !field.isNull else {
      // A missing field equals nothing and contains nothing.
      return op == .notEqual || op == .notContains
    }
    let text = field.text
    switch op {
    case .contains: return text.contains(value)
    case .notContains: return !text.contains(value)
    default: break
    }
    let order: Int
    if let left = field.numericValue, let right = Double(value) {
      order = left < right ? -1 : left > right ? 1 : 0
    } else {
      order = text < value ? -1 : text > value ? 1 : 0
    }
    return op.accepts(order: order)
  }
}

extension WhereClause.Operator {
  /// Whether a field that sorts `order` (-1, 0, 1) against the value passes;
  /// false for the containment operators, which do not order.
  func accepts(order: Int) -> Bool {
    switch self {
    case .equal, .equalEqual: order == 0
    case .notEqual: order != 0
    case .greater: order > 0
    case .greaterOrEqual: order >= 0
    case .less: order < 0
    case .lessOrEqual: order <= 0
    case .contains, .notContains: false
    }
  }
}

extension String {
  var trimmingCharacters: String { String(trimmingSpaces) }
}
