import StreamIO

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
  /// What it cannot read (`qty>>3`, `qty=>3`, `qty>=` with no value,
  /// `qty>nan`) is a usage error with a caret under the place, never a
  /// condition that silently compares something else.
  init(parsing text: String) throws(GenFailure) {
    let characters = Array(text)
    func failure(_ message: String, at offset: Int) -> GenFailure {
      .usage("--where \"\(text)\": \(message)\n  \(text)\n  \(String(repeating: " ", count: offset))^")
    }
    for start in characters.indices {
      for op in Operator.allCases {
        let symbol = Array(op.rawValue)
        guard start + symbol.count <= characters.count, Array(characters[start..<start + symbol.count]) == symbol
        else { continue }
        let column = String(characters[..<start]).trimmingCharacters
        guard !column.isEmpty else {
          throw failure("no column before \(op.rawValue); write it as COLUMN\(op.rawValue)VALUE", at: start)
        }
        let valueStart = start + symbol.count
        let value = String(characters[valueStart...]).trimmingCharacters
        let op = op == .equalEqual ? .equal : op
        if let first = value.first, "<>=!~".contains(first) {
          let at = characters[valueStart...].firstIndex { $0 != " " } ?? valueStart
          throw failure("\(first) after the operator \(op.rawValue); the operators are = != < <= > >= ~ !~", at: at)
        }
        if value.isEmpty && op != .equal && op != .notEqual {
          throw failure("no value after \(op.rawValue) (only = and != compare with an empty value)", at: valueStart)
        }
        if op.orders, let number = JSONValue.string(value).numericValue, !number.isFinite {
          throw failure("\(value) is not a number that orders; compare with a finite number", at: valueStart)
        }
        self.column = column
        self.op = op
        self.value = value
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
    if let left = field.numericValue, !left.isNaN, let right = JSONValue.string(value).numericValue, right.isFinite {
      order = left < right ? -1 : left > right ? 1 : 0
    } else {
      order = text < value ? -1 : text > value ? 1 : 0
    }
    return op.accepts(order: order)
  }
}

extension WhereClause.Operator {
  /// Whether the operator orders (< <= > >=) rather than tests equality or containment.
  var orders: Bool { self == .less || self == .lessOrEqual || self == .greater || self == .greaterOrEqual }

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
