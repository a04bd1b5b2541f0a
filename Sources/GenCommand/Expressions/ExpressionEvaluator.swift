import StreamIO

/// An expression compiled to closures for one kind of row: what `--where`,
/// `derive` and `stats --derive` run on every record.
///
/// The tree (``ExpressionNode``) is walked once, here, instead of on every
/// record: walking an indirect enum retains and releases each node it
/// visits, which cost more than the arithmetic. Arithmetic on columns and
/// numeric constants runs on ``ExpressionNumber``s (no text, nothing to
/// release), and `lower(x) == 'de'` compares a field's ASCII bytes folded
/// in place. Every other node calls the tree's own helpers on values, so the
/// results, and the problems counted, are the tree's.
struct ExpressionEvaluator<Row: ExpressionRow> {
  // The closures take the row by pointer: a pointer is passed the same way
  // at every abstraction, while a `(Row) -> Bool` made here is called
  // through thunks that move the row to memory and back (5% of an
  // expression filter's instructions, on every row).
  /// The expression's value for a row.
  let valueAt: (UnsafePointer<Row>) -> ExpressionValue
  /// Whether a row passes (Python's truth of the value).
  let testAt: (UnsafePointer<Row>) -> Bool
  /// The value as a number (nil from the closure: null), when the
  /// expression is arithmetic over columns and numbers: `value` without
  /// the ``ExpressionValue`` around it.
  let numberAt: ((UnsafePointer<Row>) -> ExpressionNumber?)?

  init(_ node: ExpressionNode, problems: ExpressionProblems) {
    let compiler = ExpressionClosures<Row>(problems: problems)
    valueAt = compiler.value(node)
    testAt = compiler.test(node)
    numberAt = compiler.number(node)
  }

  /// The expression's value for `row`.
  @inline(__always)
  func value(_ row: Row) -> ExpressionValue { withUnsafePointer(to: row) { valueAt($0) } }

  /// Whether `row` passes.
  @inline(__always)
  func test(_ row: Row) -> Bool { withUnsafePointer(to: row) { testAt($0) } }
}

/// Builds the closures of an ``ExpressionEvaluator``.
private struct ExpressionClosures<Row: ExpressionRow> {
  let problems: ExpressionProblems

  func value(_ node: ExpressionNode) -> (UnsafePointer<Row>) -> ExpressionValue {
    let problems = problems
    if let number = number(node) {
      return { row in number(row)?.value ?? .null }
    }
    switch node {
    case .constant(let constant): return { _ in constant }
    case .column(let index, let name): return { row in row.pointee.value(column: index, name: name) }
    case .not, .and, .or, .compare, .compareConstant:
      let test = test(node)
      return { row in .bool(test(row)) }
    case .contains(let text, let part):
      let text = value(text), part = value(part)
      return { row in
        let t = text(row), p = part(row)
        if t.isNull || p.isNull { return .bool(false) }
        return .bool(t.withUTF8 { t in p.withUTF8 { p in t.contains(p) } })
      }
    case .search(let text, let pattern):
      let text = value(text)
      return { row in
        let t = text(row)
        if t.isNull { return .bool(false) }
        return .bool(t.text.contains(pattern.regex))
      }
    case .arithmetic(let op, let left, let right):
      let left = value(left), right = value(right)
      return { row in ExpressionNode.arithmetic(op, left(row), right(row), problems) }
    case .negate(let operand):
      let operand = value(operand)
      return { row in ExpressionNode.negate(operand(row), problems) }
    case .isNull(let operand, let negated):
      let operand = value(operand)
      return { row in .bool(operand(row).isMissing != negated) }
    case .isIn(let operand, let values, let negated):
      let operand = value(operand)
      return { row in
        let value = operand(row)
        return .bool(values.contains { value.equals($0) } != negated)
      }
    case .call(let function, let arguments):
      if function == .if {
        // (Its condition compiled once, as a test: as a value too, nested
        // ifs would compile twice per level.)
        let condition = test(arguments[0]), then = value(arguments[1]), otherwise = value(arguments[2])
        return { row in condition(row) ? then(row) : otherwise(row) }
      }
      let closures = arguments.map { value($0) }
      switch function {
      case .if:
        let condition = test(arguments[0]), then = closures[1], otherwise = closures[2]
        return { row in condition(row) ? then(row) : otherwise(row) }
      case .coalesce:
        return { row in
          for argument in closures {
            let value = argument(row)
            if !value.isMissing { return value }
          }
          return .null
        }
      default:
        if closures.count == 1 {
          let argument = closures[0]
          return { row in function.applyUnary(argument(row), problems) }
        }
        if closures.count == 2 {
          let first = closures[0], second = closures[1]
          return { row in function.applyBinary(first(row), second(row), problems) }
        }
        return { row in function.apply(closures.map { $0(row) }, problems) }
      }
    }
  }

  func test(_ node: ExpressionNode) -> (UnsafePointer<Row>) -> Bool {
    let problems = problems
    switch node {
    case .and(let left, let right):
      let left = test(left), right = test(right)
      return { row in left(row) && right(row) }
    case .or(let left, let right):
      let left = test(left), right = test(right)
      return { row in left(row) || right(row) }
    case .not(let operand):
      let operand = test(operand)
      return { row in !operand(row) }
    case .compare(let op, let left, let right):
      let left = value(left), right = value(right)
      return { row in ExpressionNode.compare(op, left(row), right(row), problems) }
    case .compareConstant(let op, let left, let constant):
      if let numeric = constant.numeric, let number = number(left) {
        // A number, or null (which equals no number and orders against none),
        // against a number; NaN orders against nothing either.
        return { row in
          guard let left = number(row), let order = ExpressionValue.compare(left, numeric) else {
            return op == .notEqual
          }
          return op.accepts(order)
        }
      }
      if constant.isText, case .call(let function, let arguments) = left, function == .lower || function == .upper {
        let operand = value(arguments[0]), lower = function == .lower
        return { row in
          let value = operand(row)
          if value.isNull { return op == .notEqual }
          if case .bytes(let field) = value, let order = constant.compareFolded(field, lower: lower) {
            return op.accepts(order)
          }
          return ExpressionNode.compare(op, .text(lower ? value.lowercased : value.uppercased), constant.value, problems)
        }
      }
      let left = value(left)
      return { row in
        let l = left(row)
        if case .bytes(let field) = l, let decided = constant.compare(field, op) { return decided }
        return ExpressionNode.compare(op, l, constant.value, problems)
      }
    default:
      let value = value(node)
      return { row in value(row).isTruthy }
    }
  }

  /// The node as a number (nil from the closure: null), when it is
  /// arithmetic or a negation over columns and numbers; nil otherwise. Text
  /// that is no number, and division by zero, are counted as the tree
  /// counts them, in the same order.
  func number(_ node: ExpressionNode) -> ((UnsafePointer<Row>) -> ExpressionNumber?)? {
    let problems = problems
    switch node {
    case .arithmetic(let op, let left, let right):
      if let columns = columnArithmetic(op, left, right) { return columns }
      guard let left = operand(left), let right = operand(right) else { return nil }
      let readLeft = left.read, readRight = right.read, countLeft = left.countBad, countRight = right.countBad
      return { row in
        // Both sides read, then counted, as the tree does.
        let l = readLeft(row), r = readRight(row)
        if case .bad = l { countLeft(row) }
        if case .bad = r { countRight(row) }
        guard case .number(let a) = l, case .number(let b) = r else { return nil }
        return ExpressionNode.arithmetic(op, a, b, problems)
      }
    case .negate(let operand):
      guard let operand = self.operand(operand) else { return nil }
      let read = operand.read, countBad = operand.countBad
      return { row in
        switch read(row) {
        case .number(let number): return number.negated
        case .missing: return nil
        case .bad:
          countBad(row)
          return nil
        }
      }
    default: return nil
    }
  }

  /// Arithmetic on two columns, or a column and a number (`qty * price`,
  /// `price * 1.1`), as one closure that reads the row itself: no closure
  /// call per operand and no ``NumberRead`` made between, for every row.
  /// Nil for any other operands.
  private func columnArithmetic(
    _ op: ArithmeticOperator, _ left: ExpressionNode, _ right: ExpressionNode
  ) -> ((UnsafePointer<Row>) -> ExpressionNumber?)? {
    let problems = problems
    switch (left, right) {
    case (.column(let leftIndex, let leftName), .column(let rightIndex, let rightName)):
      return { row in
        var leftBad = false, rightBad = false
        let l = row.pointee.number(column: leftIndex, name: leftName, bad: &leftBad)
        let r = row.pointee.number(column: rightIndex, name: rightName, bad: &rightBad)
        // Both sides read, then counted, as the tree does.
        if l == nil && leftBad { problems.notANumber(row.pointee.value(column: leftIndex, name: leftName)) }
        if r == nil && rightBad { problems.notANumber(row.pointee.value(column: rightIndex, name: rightName)) }
        guard let l, let r else { return nil }
        return ExpressionNode.arithmetic(op, l, r, problems)
      }
    case (.column(let index, let name), .constant(let constant)),
      (.constant(let constant), .column(let index, let name)):
      // (Null, text or a boolean: the operand path, as before.)
      guard let number = ExpressionNumber(constant) else { return nil }
      let columnFirst: Bool
      if case .column = left { columnFirst = true } else { columnFirst = false }
      return { row in
        var bad = false
        guard let read = row.pointee.number(column: index, name: name, bad: &bad) else {
          if bad { problems.notANumber(row.pointee.value(column: index, name: name)) }
          return nil
        }
        return columnFirst
          ? ExpressionNode.arithmetic(op, read, number, problems)
          : ExpressionNode.arithmetic(op, number, read, problems)
      }
    default: return nil
    }
  }

  /// An operand of arithmetic read as a number: a column's value, a
  /// numeric constant or null, or arithmetic itself. `countBad` counts a
  /// column's value that is no number, once the other side is read.
  private func operand(_ node: ExpressionNode) -> (read: (UnsafePointer<Row>) -> NumberRead, countBad: (UnsafePointer<Row>) -> Void)? {
    let problems = problems
    switch node {
    case .constant(let constant):
      let read: NumberRead
      switch constant {
      case .integer(let n): read = .number(.integer(n))
      case .double(let d): read = .number(.double(d))
      case .null: read = .missing
      default: return nil
      }
      return ({ _ in read }, { _ in })
    case .column(let index, let name):
      return (
        { row in
          var bad = false
          guard let number = row.pointee.number(column: index, name: name, bad: &bad) else { return bad ? .bad : .missing }
          return .number(number)
        },
        { row in problems.notANumber(row.pointee.value(column: index, name: name)) }
      )
    default:
      guard let number = number(node) else { return nil }
      return ({ row in number(row).map { .number($0) } ?? .missing }, { _ in })
    }
  }
}

/// A value read as a number: one, a missing value (null, an empty field),
/// or text that is no number (to be counted).
private enum NumberRead {
  case number(ExpressionNumber)
  case missing
  case bad
}
