import Foundation
import StreamIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A record as an expression reads it: a column's value by its index in the
/// header (CSV) or its name (JSON Lines).
protocol ExpressionRow {
  func value(column index: Int?, name: String) -> ExpressionValue
  /// The column's value as arithmetic reads it: `value(column:name:).number(bad:)`
  /// as an ``ExpressionNumber`` (nil: missing, or `bad` set: no number).
  func number(column index: Int?, name: String, bad: inout Bool) -> ExpressionNumber?
}

extension ExpressionRow {
  @inline(__always)
  func number(column index: Int?, name: String, bad: inout Bool) -> ExpressionNumber? {
    value(column: index, name: name).number(bad: &bad).flatMap(ExpressionNumber.init)
  }
}

/// An ASCII CSV row read from the reader's bytes: no String per field.
/// Made inside ``CSVRecord/withLentFields(_:)``, and used only there.
struct CSVExpressionRow: ExpressionRow {
  /// (Its fields lent, not the record: copied into every closure that reads
  /// it, a record would be retained and released for every row.)
  let row: CSVLentFields

  @inline(__always)
  init(fields: CSVLentFields) { row = fields }

  @inline(__always)
  func value(column index: Int?, name: String) -> ExpressionValue {
    guard let index, index < row.count else { return .null }
    return .bytes(row.field(index))
  }

  /// (As the protocol's, with no ``ExpressionValue`` made on the way: its
  /// copies and switches were most of what reading a column as a number cost.)
  @inline(__always)
  func number(column index: Int?, name: String, bad: inout Bool) -> ExpressionNumber? {
    guard let index, index < row.count else { return nil }
    let field = row.field(index)
    if field.isEmpty { return nil }
    if let integer = CSVNumbers.integer(inBuffer: field) { return .integer(integer) }
    if let double = CSVNumbers.double(inBuffer: field) { return .double(double) }
    if let number = ExpressionValue.readTrimmedNumber(field) { return ExpressionNumber(number) }
    bad = true
    return nil
  }
}

/// A record of the general path (JSON Lines, plain lines, non-ASCII CSV rows).
struct RecordExpressionRow: ExpressionRow {
  let record: Record
  func value(column index: Int?, name: String) -> ExpressionValue {
    if let index, index < record.fields.count, record.fields[index].name.hasSameCodePoints(as: name) {
      return ExpressionValue(record.fields[index].value)
    }
    return ExpressionValue(record.value(name))
  }
}

/// An expression parsed once and ready to evaluate on every record:
/// `qty * price > 1000 and lower(country) in ('us', 'ca')`.
///
/// Python: the `lambda row: …` you would pass to `filter()`, with CSV
/// fields read as numbers where a number is needed.
final class CompiledExpression {
  let text: String
  let root: ExpressionNode
  /// What went wrong while evaluating, counted for the report at the end.
  let problems = ExpressionProblems()
  /// The tree compiled to closures for the rows of the byte-level paths.
  let csv: ExpressionEvaluator<CSVExpressionRow>
  let json: ExpressionEvaluator<JSONExpressionRow>

  /// Parses `text` and looks its columns up in `columns` (nil: not known in
  /// advance; looked up by name in each record). `option` names the
  /// expression in errors (`--where`, `derive total=`).
  init(_ text: String, columns: [String]?, option: String) throws(GenFailure) {
    self.text = text
    do {
      root = try ExpressionCompiler(columns: columns).compile(try ExpressionParser.parse(text))
    } catch {
      throw .usage(error.shown(in: text, option: option))
    }
    csv = ExpressionEvaluator(root, problems: problems)
    json = ExpressionEvaluator(root, problems: problems)
  }

  /// The same expression from the same tree, with problems of its own (a
  /// `--threads` piece's): the text is not parsed again, which took a
  /// two-thread `filter` 2% of its work, once per piece.
  func fresh() -> CompiledExpression { CompiledExpression(text: text, root: root) }

  private init(text: String, root: ExpressionNode) {
    self.text = text
    self.root = root
    csv = ExpressionEvaluator(root, problems: problems)
    json = ExpressionEvaluator(root, problems: problems)
  }

  /// The earlier `COLUMN OP VALUE` form (`country!=US`, `name~Smith`): the
  /// value is a field's text, `~` is "contains".
  init(legacy clause: WhereClause, columns: [String]?) {
    text = clause.description
    let column = ExpressionNode.column(index: columns?.firstIndex(ofExactly: clause.column), name: clause.column)
    let value = ExpressionNode.constant(Self.legacyValue(clause.value))
    switch clause.op {
    case .contains: root = .contains(column, value)
    case .notContains: root = .not(.contains(column, value))
    case .equal, .equalEqual: root = ExpressionNode.comparison(.equal, column, value)
    case .notEqual: root = ExpressionNode.comparison(.notEqual, column, value)
    case .less: root = ExpressionNode.comparison(.less, column, value)
    case .lessOrEqual: root = ExpressionNode.comparison(.lessOrEqual, column, value)
    case .greater: root = ExpressionNode.comparison(.greater, column, value)
    case .greaterOrEqual: root = ExpressionNode.comparison(.greaterOrEqual, column, value)
    }
    csv = ExpressionEvaluator(root, problems: problems)
    json = ExpressionEvaluator(root, problems: problems)
  }

  /// The earlier form's value, read once: a number if it reads as one and
  /// writes back the same (so a text comparison sees the same text), text
  /// if it reads as none (what an untyped value that is no number compares
  /// as), else untyped.
  static func legacyValue(_ text: String) -> ExpressionValue {
    var bad = false
    switch ExpressionValue.untyped(text).number(bad: &bad) {
    case .integer(let value)? where String(value) == text: return .integer(value)
    case .double(let value)? where value.description == text && !value.isNaN: return .double(value)
    case nil where !text.isEmpty: return .text(text)
    default: return .untyped(text)
    }
  }

  /// A `--where` condition: the expression language; or the earlier
  /// `COLUMN OP VALUE` form, when the text is written tight (no spaces
  /// around the operator), its left side is a column and its value is bare
  /// text that is not a plain number (`country!=US`, `day>=2024-10-15`,
  /// `flag=TRUE`): the value is then text, never a column or arithmetic, as
  /// it always was. (A plain number reads the same either way.)
  static func condition(_ text: String, columns: [String]?) throws(GenFailure) -> CompiledExpression {
    if let clause = try? WhereClause(parsing: text), columns?.contains(exactly: clause.column) ?? true,
      [clause.op.rawValue, "=="].contains(where: { text == clause.column + $0 + clause.value }),
      !clause.value.hasPrefix("'"), !clause.value.hasPrefix("\""), !clause.value.contains("("),
      !isPlainNumber(clause.value)
    {
      return CompiledExpression(legacy: clause, columns: columns)
    }
    return try CompiledExpression(text, columns: columns, option: "--where")
  }

  /// `12`, `-1.5`, `2e3`: what the language reads as one number literal.
  static func isPlainNumber(_ text: String) -> Bool {
    guard let first = text.utf8.first, first != UInt8(ascii: "+") else { return false }
    let body = first == UInt8(ascii: "-") ? text.dropFirst() : Substring(text)
    guard let tokens = try? ExpressionLexer.tokens(String(body)), tokens.count == 2 else { return false }
    switch tokens[0].kind {
    case .integer, .double: return true
    default: return false
    }
  }

  /// The expression's value for `row`.
  /// (The byte-level paths' rows run ``csv`` and ``json`` through
  /// ``RecordConditions`` and ``DerivedColumns``; other rows walk the tree.)
  @inline(__always)
  func evaluate<Row: ExpressionRow>(_ row: Row) -> ExpressionValue {
    root.evaluate(row, problems)
  }

  /// Whether `row` passes (Python's truth of the value).
  @inline(__always)
  func matches<Row: ExpressionRow>(_ row: Row) -> Bool {
    root.test(row, problems)
  }

  /// The columns the expression reads, for the error that names a missing one.
  var columnNames: [String] { root.columnNames }
}

/// What evaluation met that gives null instead of a number, reported once
/// at the end (`gen: 3 records: …`) so that nothing is dropped silently.
final class ExpressionProblems {
  var notNumbers = 0
  var firstNotNumber = ""
  var divisionsByZero = 0

  func notANumber(_ value: ExpressionValue) {
    if notNumbers == 0 { firstNotNumber = value.text }
    notNumbers += 1
  }

  /// Adds the counts of the records after these (the next byte range).
  func absorb(_ other: ExpressionProblems) {
    if notNumbers == 0 { firstNotNumber = other.firstNotNumber }
    notNumbers += other.notNumbers
    divisionsByZero += other.divisionsByZero
  }

  /// The report's lines, empty when all went well.
  func report(for text: String) -> String {
    var out = ""
    if notNumbers > 0 {
      out += "gen: \(text): \(notNumbers) value\(notNumbers == 1 ? " was" : "s were") not a number "
        + "(the first: \"\(firstNotNumber.prefix(40))\"); the result was null there\n"
    }
    if divisionsByZero > 0 {
      out += "gen: \(text): \(divisionsByZero) division\(divisionsByZero == 1 ? "" : "s") by zero; the result was null there\n"
    }
    return out
  }
}

enum ComparisonOperator {
  case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual

  @inline(__always)
  func accepts(_ order: Int) -> Bool {
    switch self {
    case .equal: order == 0
    case .notEqual: order != 0
    case .less: order < 0
    case .lessOrEqual: order <= 0
    case .greater: order > 0
    case .greaterOrEqual: order >= 0
    }
  }
}

enum ArithmeticOperator { case add, subtract, multiply, divide, floorDivide, remainder, power }

/// A number while arithmetic is done: no text, so copying one costs nothing.
enum ExpressionNumber {
  case integer(Int)
  case double(Double)

  /// The number, if `value` is one (not text that reads as one: see ``ExpressionValue/number(bad:)``).
  @inline(__always)
  init?(_ value: ExpressionValue) {
    switch value {
    case .integer(let n): self = .integer(n)
    case .double(let d): self = .double(d)
    default: return nil
    }
  }

  @inline(__always)
  var value: ExpressionValue {
    switch self {
    case .integer(let n): .integer(n)
    case .double(let d): .double(d)
    }
  }

  @inline(__always)
  var asDouble: Double {
    switch self {
    case .integer(let n): Double(n)
    case .double(let d): d
    }
  }

  /// `-x` (Python's `-(-2**63)` is an int past 64 bits: a float here).
  @inline(__always)
  var negated: ExpressionNumber {
    switch self {
    case .integer(let n): n == Int.min ? .double(-Double(n)) : .integer(-n)
    case .double(let d): .double(-d)
    }
  }
}

/// A regular expression for `~`, compiled once (Python's `re.search`).
final class ExpressionPattern {
  let regex: Regex<AnyRegexOutput>
  init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }
}

/// The compiled tree: columns looked up, literals read, functions checked.
indirect enum ExpressionNode {
  case constant(ExpressionValue)
  case column(index: Int?, name: String)
  case not(ExpressionNode)
  case and(ExpressionNode, ExpressionNode)
  case or(ExpressionNode, ExpressionNode)
  case compare(ComparisonOperator, ExpressionNode, ExpressionNode)
  /// A comparison with a constant on the right (`qty >= 10`, `country != 'US'`):
  /// a CSV field is compared from its bytes.
  case compareConstant(ComparisonOperator, ExpressionNode, ExpressionConstant)
  case contains(ExpressionNode, ExpressionNode)
  case search(ExpressionNode, ExpressionPattern)
  case arithmetic(ArithmeticOperator, ExpressionNode, ExpressionNode)
  case negate(ExpressionNode)
  case isNull(ExpressionNode, negated: Bool)
  case isIn(ExpressionNode, [ExpressionValue], negated: Bool)
  case call(ExpressionFunction, [ExpressionNode])

  /// Whether the value is true, without making a value for the comparisons.
  @inline(__always)
  func test<Row: ExpressionRow>(_ row: Row, _ problems: ExpressionProblems) -> Bool {
    switch self {
    case .and(let left, let right): return left.test(row, problems) && right.test(row, problems)
    case .or(let left, let right): return left.test(row, problems) || right.test(row, problems)
    case .not(let operand): return !operand.test(row, problems)
    case .compare(let op, let left, let right):
      return Self.compare(op, left.evaluate(row, problems), right.evaluate(row, problems), problems)
    case .compareConstant(let op, let left, let constant):
      let l = left.evaluate(row, problems)
      if case .bytes(let field) = l, let decided = constant.compare(field, op) { return decided }
      return Self.compare(op, l, constant.value, problems)
    default: return evaluate(row, problems).isTruthy
    }
  }

  func evaluate<Row: ExpressionRow>(_ row: Row, _ problems: ExpressionProblems) -> ExpressionValue {
    switch self {
    case .constant(let value): return value
    case .column(let index, let name): return row.value(column: index, name: name)
    case .not, .and, .or, .compare, .compareConstant: return .bool(test(row, problems))
    case .contains(let text, let part):
      let t = text.evaluate(row, problems), p = part.evaluate(row, problems)
      if t.isNull || p.isNull { return .bool(false) }
      return .bool(t.withUTF8 { t in p.withUTF8 { p in t.contains(p) } })
    case .search(let text, let pattern):
      let t = text.evaluate(row, problems)
      if t.isNull { return .bool(false) }
      return .bool(t.text.contains(pattern.regex))
    case .arithmetic(let op, let left, let right):
      return Self.arithmetic(op, left.evaluate(row, problems), right.evaluate(row, problems), problems)
    case .negate(let operand): return Self.negate(operand.evaluate(row, problems), problems)
    case .isNull(let operand, let negated):
      return .bool(operand.evaluate(row, problems).isMissing != negated)
    case .isIn(let operand, let values, let negated):
      let value = operand.evaluate(row, problems)
      return .bool(values.contains { value.equals($0) } != negated)
    case .call(let function, let arguments):
      return function.call(arguments, row, problems)
    }
  }

  /// `-x`: null for a missing value, and for text that is no number (counted).
  static func negate(_ value: ExpressionValue, _ problems: ExpressionProblems) -> ExpressionValue {
    var bad = false
    guard let number = value.number(bad: &bad).flatMap(ExpressionNumber.init) else {
      if bad { problems.notANumber(value) }
      return .null
    }
    return number.negated.value
  }

  /// `==` and `!=` as Python's; an ordering that does not hold (null, NaN)
  /// is false, and text that is no number ordered against a number is
  /// counted (Python would raise TypeError), never kept or dropped silently.
  @inline(__always)
  static func compare(
    _ op: ComparisonOperator, _ l: ExpressionValue, _ r: ExpressionValue, _ problems: ExpressionProblems
  ) -> Bool {
    switch op {
    case .equal: return l.equals(r)
    case .notEqual: return !l.equals(r)
    default:
      guard let order = l.order(against: r) else {
        if let text = l.textAgainstNumber(r) { problems.notANumber(text) }
        return false
      }
      return op.accepts(order)
    }
  }

  /// Python's arithmetic: int with int stays int (a result past 64 bits
  /// becomes a float), `/` gives a float, `//` and `%` floor as Python's do.
  /// A missing operand gives null; text that is no number or a division by
  /// zero gives null and is counted.
  static func arithmetic(
    _ op: ArithmeticOperator, _ left: ExpressionValue, _ right: ExpressionValue, _ problems: ExpressionProblems
  ) -> ExpressionValue {
    var leftBad = false, rightBad = false
    let l = left.number(bad: &leftBad), r = right.number(bad: &rightBad)
    if leftBad { problems.notANumber(left) }
    if rightBad { problems.notANumber(right) }
    guard let l = l.flatMap(ExpressionNumber.init), let r = r.flatMap(ExpressionNumber.init) else { return .null }
    return arithmetic(op, l, r, problems)?.value ?? .null
  }

  /// The arithmetic on two numbers; nil (null) for a division by zero, counted.
  @inline(__always)
  static func arithmetic(
    _ op: ArithmeticOperator, _ l: ExpressionNumber, _ r: ExpressionNumber, _ problems: ExpressionProblems
  ) -> ExpressionNumber? {
    if case .integer(let a) = l, case .integer(let b) = r {
      switch op {
      case .add:
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .double(Double(a) + Double(b)) : .integer(sum)
      case .subtract:
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? .double(Double(a) - Double(b)) : .integer(difference)
      case .multiply:
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? .double(Double(a) * Double(b)) : .integer(product)
      case .divide:
        guard b != 0 else { return divisionByZero(problems) }
        return .double(Double(a) / Double(b))
      case .power:
        guard b >= 0 else {
          guard a != 0 else { return divisionByZero(problems) }
          return .double(Foundation.pow(Double(a), Double(b)))
        }
        var result = 1, base = a, exponent = b
        while exponent > 0 {
          if exponent & 1 == 1 {
            let (product, overflow) = result.multipliedReportingOverflow(by: base)
            if overflow { return .double(Foundation.pow(Double(a), Double(b))) }
            result = product
          }
          exponent >>= 1
          if exponent > 0 {
            let (square, overflow) = base.multipliedReportingOverflow(by: base)
            if overflow { return .double(Foundation.pow(Double(a), Double(b))) }
            base = square
          }
        }
        return .integer(result)
      case .floorDivide, .remainder:
        guard b != 0 else { return divisionByZero(problems) }
        guard !(a == Int.min && b == -1) else { return op == .remainder ? .integer(0) : .double(-Double(a)) }
        var quotient = a / b, remainder = a % b
        if remainder != 0 && (remainder < 0) != (b < 0) {
          quotient -= 1
          remainder += b
        }
        return op == .floorDivide ? .integer(quotient) : .integer(remainder)
      }
    }
    let a = l.asDouble, b = r.asDouble
    switch op {
    case .add: return .double(a + b)
    case .subtract: return .double(a - b)
    case .multiply: return .double(a * b)
    case .divide:
      guard b != 0 else { return divisionByZero(problems) }
      return .double(a / b)
    case .floorDivide:
      guard b != 0 else { return divisionByZero(problems) }
      return .double(pythonFloorDivide(a, b))
    case .power:
      if a == 0 && b < 0 { return divisionByZero(problems) }
      return .double(Foundation.pow(a, b))
    case .remainder:
      guard b != 0 else { return divisionByZero(problems) }
      var remainder = fmod(a, b)
      if remainder != 0 {
        if (remainder < 0) != (b < 0) { remainder += b }
      } else {
        remainder = Foundation.copysign(0, b)
      }
      return .double(remainder)
    }
  }

  /// Python's float `//`: from `fmod`, so that `1 // 0.1` is 9.0 as in
  /// Python (the exact quotient is just under 10), not floor(1 / 0.1) = 10.
  static func pythonFloorDivide(_ a: Double, _ b: Double) -> Double {
    var remainder = fmod(a, b)
    var quotient = (a - remainder) / b
    if remainder != 0 && (b < 0) != (remainder < 0) {
      remainder += b
      quotient -= 1
    }
    guard quotient != 0 else { return Foundation.copysign(0, a / b) }
    var floored = quotient.rounded(.down)
    if quotient - floored > 0.5 { floored += 1 }
    return floored
  }

  private static func divisionByZero(_ problems: ExpressionProblems) -> ExpressionNumber? {
    problems.divisionsByZero += 1
    return nil
  }

  var columnNames: [String] {
    switch self {
    case .constant: []
    case .column(_, let name): [name]
    case .not(let a), .negate(let a), .isNull(let a, _), .isIn(let a, _, _), .search(let a, _): a.columnNames
    case .compareConstant(_, let a, _): a.columnNames
    case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .contains(let a, let b),
      .arithmetic(_, let a, let b):
      a.columnNames + b.columnNames
    case .call(_, let arguments): arguments.flatMap(\.columnNames)
    }
  }
}

extension ExpressionNode {
  /// A comparison, with the constant read once when one side is a constant
  /// (put on the right: `10 <= qty` is `qty >= 10`).
  static func comparison(_ op: ComparisonOperator, _ left: ExpressionNode, _ right: ExpressionNode) -> ExpressionNode {
    if case .constant(let value) = right { return .compareConstant(op, left, ExpressionConstant(value)) }
    if case .constant(let value) = left { return .compareConstant(op.swapped, right, ExpressionConstant(value)) }
    return .compare(op, left, right)
  }
}

/// A constant to compare fields with, read once: its bytes and its number.
final class ExpressionConstant {
  let value: ExpressionValue
  let bytes: [UInt8]
  /// The number a field is compared with (nil: compare as text or the general way).
  let number: ExpressionValue?
  /// Typed text: a field compares with it as text, byte by byte.
  let isText: Bool
  /// ``number`` as arithmetic reads it.
  let numeric: ExpressionNumber?

  init(_ value: ExpressionValue) {
    self.value = value
    bytes = Array(value.text.utf8)
    switch value {
    case .integer: number = value
    case .double(let d) where !d.isNaN: number = value
    default: number = nil
    }
    if case .text = value { isText = true } else { isText = false }
    numeric = number.flatMap(ExpressionNumber.init)
  }

  /// -1, 0 or 1 as an ASCII field, lowercased (`lower`) or uppercased, sorts
  /// against this text; nil when a non-ASCII byte comes before the first
  /// difference (Unicode case mapping decides, the general way).
  @inline(__always)
  func compareFolded(_ field: UnsafeRawBufferPointer, lower: Bool) -> Int? {
    bytes.withUnsafeBytes { constant in
      var index = 0
      let n = Swift.min(field.count, constant.count)
      while index < n {
        let byte = field[index]
        if byte >= 0x80 { return nil }
        let folded = lower ? byte.asciiLowercased : byte.asciiUppercased
        if folded != constant[index] { return folded < constant[index] ? -1 : 1 }
        index += 1
      }
      while index < field.count {
        if field[index] >= 0x80 { return nil }
        index += 1
      }
      return field.count < constant.count ? -1 : field.count > constant.count ? 1 : 0
    }
  }

  /// The comparison of a CSV field's bytes with this constant, decided as
  /// ``ExpressionValue/order(against:)`` decides it; nil when only the
  /// general way can tell (spaces around a number, NaN).
  @inline(__always)
  func compare(_ field: UnsafeRawBufferPointer, _ op: ComparisonOperator) -> Bool? {
    if isText {
      let order = bytes.withUnsafeBytes { field.compare($0) }
      return op.accepts(order)
    }
    guard let number else { return nil }
    if field.isEmpty { return op == .notEqual }  // a missing value: equals no number, orders against none
    let left: ExpressionValue
    // (`field` is an ExpressionValue.bytes: in a reader's buffer.)
    if let integer = CSVNumbers.integer(inBuffer: field) {
      left = .integer(integer)
    } else if let double = CSVNumbers.double(inBuffer: field), !double.isNaN {
      left = .double(double)
    } else {
      return nil  // spaces around it, NaN, text: the general way decides (and counts)
    }
    guard let order = ExpressionValue.compare(left, number) else { return nil }
    return op.accepts(order)
  }
}

extension ComparisonOperator {
  /// The operator with its sides exchanged: `a < b` is `b > a`.
  var swapped: ComparisonOperator {
    switch self {
    case .equal, .notEqual: self
    case .less: .greater
    case .lessOrEqual: .greaterOrEqual
    case .greater: .less
    case .greaterOrEqual: .lessOrEqual
    }
  }
}

extension ExpressionValue {
  /// A number's value as a Double (integers converted).
  var asDouble: Double {
    switch self {
    case .integer(let value): Double(value)
    case .double(let value): value
    default: .nan
    }
  }
}

/// Turns the parsed tree into the one evaluated: each column's index found,
/// each function checked for its name and number of arguments, each
/// pattern compiled; errors point at the character.
struct ExpressionCompiler {
  let columns: [String]?

  func compile(_ syntax: ExpressionSyntax) throws(ExpressionError) -> ExpressionNode {
    switch syntax {
    case .literal(let value, _): return .constant(value)
    case .column(let name, let at):
      guard let columns else { return .column(index: nil, name: name) }
      guard let index = columns.firstIndex(ofExactly: name) else {
        let shown = columns.prefix(20).map { "\"\($0)\"" }.joined(separator: ", ")
        throw ExpressionError(
          message: "no column \"\(name)\" (columns: \(shown)\(columns.count > 20 ? ", …" : "")); for text, quote it: '\(name)'",
          offset: at)
      }
      return .column(index: index, name: name)
    case .unary(let op, let operand, _):
      let node = try compile(operand)
      return op == "not" ? .not(node) : .negate(node)
    case .binary(let op, let left, let right, let at):
      let l = try compile(left)
      if op == "~" || op == "!~" {
        guard case .literal(let value, _) = right, case .text(let pattern) = value else {
          throw ExpressionError(message: "~ needs a quoted pattern after it: name ~ '^A'", offset: at)
        }
        let regex: Regex<AnyRegexOutput>
        do {
          regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
        } catch {
          throw ExpressionError(message: "not a regular expression: \(error)", offset: at + 1)
        }
        let search = ExpressionNode.search(l, ExpressionPattern(regex))
        return op == "~" ? search : .not(search)
      }
      let r = try compile(right)
      switch op {
      case "and": return .and(l, r)
      case "or": return .or(l, r)
      case "==": return .comparison(.equal, l, r)
      case "!=": return .comparison(.notEqual, l, r)
      case "<": return .comparison(.less, l, r)
      case "<=": return .comparison(.lessOrEqual, l, r)
      case ">": return .comparison(.greater, l, r)
      case ">=": return .comparison(.greaterOrEqual, l, r)
      case "+": return .arithmetic(.add, l, r)
      case "-": return .arithmetic(.subtract, l, r)
      case "*": return .arithmetic(.multiply, l, r)
      case "/": return .arithmetic(.divide, l, r)
      case "//": return .arithmetic(.floorDivide, l, r)
      case "%": return .arithmetic(.remainder, l, r)
      case "**": return .arithmetic(.power, l, r)
      default: throw ExpressionError(message: "unknown operator \(op)", offset: at)
      }
    case .isNull(let operand, let negated, _): return .isNull(try compile(operand), negated: negated)
    case .isIn(let operand, let values, let negated, _): return .isIn(try compile(operand), values, negated: negated)
    case .call(let name, let arguments, let at):
      guard let function = ExpressionFunction(rawValue: name) ?? ExpressionFunction.aliases[name] else {
        throw ExpressionError(
          message: "no function \(name)(); the functions are \(ExpressionFunction.allCases.map(\.rawValue).joined(separator: ", "))",
          offset: at)
      }
      guard function.arity.contains(arguments.count) else {
        let range = function.arity
        let expected =
          range.lowerBound == range.upperBound
          ? "\(range.lowerBound)" : range.upperBound == Int.max ? "\(range.lowerBound) or more" : "\(range.lowerBound) or \(range.upperBound)"
        throw ExpressionError(
          message: "\(function.rawValue)() takes \(expected) argument\(expected == "1" ? "" : "s"), not \(arguments.count)", offset: at)
      }
      var compiled: [ExpressionNode] = []
      for argument in arguments { compiled.append(try compile(argument)) }
      return .call(function, compiled)
    }
  }
}
