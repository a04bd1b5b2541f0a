// The expression language's words and grammar, read once into a tree.
//
//   expression  := or
//   or          := and (("or" | "||") and)*
//   and         := not (("and" | "&&") not)*
//   not         := ("not" | "!") not | comparison
//   comparison  := sum (("==" | "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=" | "~" | "!~") sum
//                      | "is" ["not"] "null" | ["not"] "in" "(" literal ("," literal)* ")")?
//   sum         := product (("+" | "-") product)*
//   product     := unary (("*" | "/" | "//" | "%") unary)*
//   unary       := "-" unary | power
//   power       := primary ["**" unary]
//   primary     := number | 'text' | "text" | true | false | null
//                | column | `any column name` | function "(" arguments ")" | "(" expression ")"

/// A word of an expression, with the offset of its first character.
struct ExpressionToken: Equatable {
  enum Kind: Equatable {
    case integer(Int)
    case double(Double)
    case text(String)
    case name(String)        // a column, function or keyword
    case quotedName(String)  // `a column`
    case symbol(String)      // ( ) , + - * ** / // % == = != <> < <= > >= ~ !~ && || !
    case end
  }
  let kind: Kind
  let offset: Int
}

/// An expression as written, before its columns are looked up.
indirect enum ExpressionSyntax {
  case literal(ExpressionValue, at: Int)
  case column(String, at: Int)
  case unary(String, ExpressionSyntax, at: Int)
  case binary(String, ExpressionSyntax, ExpressionSyntax, at: Int)
  case isNull(ExpressionSyntax, negated: Bool, at: Int)
  case isIn(ExpressionSyntax, [ExpressionValue], negated: Bool, at: Int)
  case call(String, [ExpressionSyntax], at: Int)
}

/// What is wrong in an expression and at which character.
struct ExpressionError: Error {
  let message: String
  let offset: Int

  /// The message with the expression and a caret under the character.
  func shown(in text: String, option: String) -> String {
    let column = String(decoding: text.utf8.prefix(offset), as: UTF8.self).count  // characters before the byte offset
    return "\(option) \"\(text)\": \(message)\n  \(text)\n  \(String(repeating: " ", count: column))^"
  }
}

/// Reads an expression's text into words.
struct ExpressionLexer {
  static let symbols = ["**", "//", "==", "!=", "<>", "<=", ">=", "!~", "&&", "||", "(", ")", ",", "+", "-", "*", "/", "%", "=", "<", ">", "~", "!"]

  static func tokens(_ text: String) throws(ExpressionError) -> [ExpressionToken] {
    let bytes = Array(text.utf8)
    var tokens: [ExpressionToken] = []
    var i = 0
    func isNameByte(_ byte: UInt8) -> Bool {
      byte == UInt8(ascii: "_") || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
        || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte >= 0x80
    }
    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    while i < bytes.count {
      let byte = bytes[i]
      if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
        i += 1
        continue
      }
      let start = i
      if isDigit(byte) || (byte == UInt8(ascii: ".") && i + 1 < bytes.count && isDigit(bytes[i + 1])) {
        // A number as Python writes one: 12, 1.5, .5, 1e3, 2.5E-3.
        while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        var isInteger = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
          isInteger = false
          i += 1
          while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] | 0x20 == UInt8(ascii: "e") {
          var j = i + 1
          if j < bytes.count, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") { j += 1 }
          if j < bytes.count, isDigit(bytes[j]) {
            isInteger = false
            i = j
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
          }
        }
        if i < bytes.count, isNameByte(bytes[i]) || bytes[i] == UInt8(ascii: ".") {
          throw ExpressionError(message: "not a number; quote text: '…'", offset: start)
        }
        // 2024-10-15, 555-1234, 1/2 written tight are a date, a code or a
        // fraction far more often than arithmetic: refused, not computed.
        if i + 1 < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "/"), isDigit(bytes[i + 1]) {
          var end = i + 1
          while end < bytes.count, isDigit(bytes[end]) || bytes[end] == UInt8(ascii: "-") || bytes[end] == UInt8(ascii: "/") { end += 1 }
          let shown = String(decoding: bytes[start..<end], as: UTF8.self)
          throw ExpressionError(
            message: "\(shown) looks like a date or a code: quote it ('\(shown)'), or put spaces around "
              + "\(Character(Unicode.Scalar(bytes[i]))) for arithmetic", offset: start)
        }
        let literal = String(decoding: bytes[start..<i], as: UTF8.self)
        if isInteger {
          // As in Python 3, 007 is refused: a date or a code such as 2024-01-01 must be quoted.
          if literal.count > 1 && literal.hasPrefix("0") {
            throw ExpressionError(message: "a number does not start with 0; quote text: '\(literal)'", offset: start)
          }
          if let value = Int(literal) {
            tokens.append(.init(kind: .integer(value), offset: start))
          } else {
            tokens.append(.init(kind: .double(Double(literal)!), offset: start))
          }
        } else {
          guard let value = Double(literal) else { throw ExpressionError(message: "not a number", offset: start) }
          tokens.append(.init(kind: .double(value), offset: start))
        }
        continue
      }
      if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "`") {
        // Text in either quote, with Python's backslash escapes; a column in backquotes.
        var value: [UInt8] = []
        i += 1
        var closed = false
        while i < bytes.count {
          let c = bytes[i]
          if c == byte {
            closed = true
            i += 1
            break
          }
          if c == UInt8(ascii: "\\"), i + 1 < bytes.count {
            let escaped = bytes[i + 1]
            switch escaped {
            case UInt8(ascii: "n"): value.append(0x0A)
            case UInt8(ascii: "t"): value.append(0x09)
            case UInt8(ascii: "r"): value.append(0x0D)
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"): value.append(escaped)
            default: value.append(contentsOf: [c, escaped])  // as Python keeps \d for a regex
            }
            i += 2
            continue
          }
          value.append(c)
          i += 1
        }
        guard closed else {
          throw ExpressionError(message: "no closing \(Character(Unicode.Scalar(byte)))", offset: start)
        }
        let string = String(decoding: value, as: UTF8.self)
        tokens.append(.init(kind: byte == UInt8(ascii: "`") ? .quotedName(string) : .text(string), offset: start))
        continue
      }
      if isNameByte(byte) {
        while i < bytes.count, isNameByte(bytes[i]) { i += 1 }
        tokens.append(.init(kind: .name(String(decoding: bytes[start..<i], as: UTF8.self)), offset: start))
        continue
      }
      guard let symbol = symbols.first(where: { symbol in
        let s = Array(symbol.utf8)
        return i + s.count <= bytes.count && Array(bytes[i..<i + s.count]) == s
      }) else {
        throw ExpressionError(
          message: "\(Character(Unicode.Scalar(byte))) is not part of an expression; quote text: '…'", offset: start)
      }
      tokens.append(.init(kind: .symbol(symbol), offset: start))
      i += symbol.utf8.count
    }
    tokens.append(.init(kind: .end, offset: bytes.count))
    return tokens
  }
}

/// Reads words into a tree, by the grammar at the top of this file.
struct ExpressionParser {
  private var tokens: [ExpressionToken]
  private var position = 0
  private let keywords: Set<String> = ["and", "or", "not", "is", "null", "true", "false", "in", "none"]

  static func parse(_ text: String) throws(ExpressionError) -> ExpressionSyntax {
    var parser = ExpressionParser(tokens: try ExpressionLexer.tokens(text))
    if case .end = parser.peek.kind {
      throw ExpressionError(message: "an expression is needed, such as qty * price > 1000", offset: 0)
    }
    let syntax = try parser.expression()
    guard case .end = parser.peek.kind else {
      throw ExpressionError(message: parser.unexpected(), offset: parser.peek.offset)
    }
    return syntax
  }

  private init(tokens: [ExpressionToken]) { self.tokens = tokens }

  private var peek: ExpressionToken { tokens[position] }

  private mutating func advance() -> ExpressionToken {
    defer { position += 1 }
    return tokens[position]
  }

  private func isSymbol(_ symbols: String...) -> String? {
    if case .symbol(let s) = peek.kind, symbols.contains(s) { return s }
    return nil
  }

  private func isKeyword(_ word: String) -> Bool {
    if case .name(let name) = peek.kind { return name.lowercased() == word }
    return false
  }

  private func unexpected() -> String {
    switch peek.kind {
    case .end: "the expression ends too soon"
    case .name(let name): "\(name) was not expected here (an operator such as and, or, ==, + is missing?)"
    case .symbol(let symbol): "\(symbol) was not expected here"
    default: "a value was not expected here (an operator is missing?)"
    }
  }

  private mutating func expression() throws(ExpressionError) -> ExpressionSyntax { try or() }

  private mutating func or() throws(ExpressionError) -> ExpressionSyntax {
    var left = try and()
    while isKeyword("or") || isSymbol("||") != nil {
      let at = advance().offset
      left = .binary("or", left, try and(), at: at)
    }
    return left
  }

  private mutating func and() throws(ExpressionError) -> ExpressionSyntax {
    var left = try not()
    while isKeyword("and") || isSymbol("&&") != nil {
      let at = advance().offset
      left = .binary("and", left, try not(), at: at)
    }
    return left
  }

  private mutating func not() throws(ExpressionError) -> ExpressionSyntax {
    if isKeyword("not") || isSymbol("!") != nil {
      let at = advance().offset
      return .unary("not", try not(), at: at)
    }
    return try comparison()
  }

  private mutating func comparison() throws(ExpressionError) -> ExpressionSyntax {
    let left = try sum()
    if let symbol = isSymbol("==", "=", "!=", "<>", "<", "<=", ">", ">=", "~", "!~") {
      let at = advance().offset
      let op = symbol == "=" ? "==" : symbol == "<>" ? "!=" : symbol
      let right = try sum()
      if isSymbol("==", "=", "!=", "<>", "<", "<=", ">", ">=") != nil {
        throw ExpressionError(message: "comparisons do not chain; join them with and", offset: peek.offset)
      }
      return .binary(op, left, right, at: at)
    }
    if isKeyword("is") {
      let at = advance().offset
      var negated = false
      if isKeyword("not") {
        _ = advance()
        negated = true
      }
      guard isKeyword("null") || isKeyword("none") else {
        throw ExpressionError(message: "is compares with null only: is null, is not null", offset: peek.offset)
      }
      _ = advance()
      return .isNull(left, negated: negated, at: at)
    }
    var negated = false
    if isKeyword("not"), case .name(let next) = tokens[position + 1].kind, next.lowercased() == "in" {
      _ = advance()
      negated = true
    }
    if isKeyword("in") {
      let at = advance().offset
      guard isSymbol("(") != nil else {
        throw ExpressionError(message: "in needs a list: in ('US', 'CA')", offset: peek.offset)
      }
      _ = advance()
      var values: [ExpressionValue] = []
      repeat {
        if !values.isEmpty { _ = advance() }  // the comma
        values.append(try listLiteral())
      } while isSymbol(",") != nil
      guard isSymbol(")") != nil else { throw ExpressionError(message: "a , or ) is missing", offset: peek.offset) }
      _ = advance()
      return .isIn(left, values, negated: negated, at: at)
    }
    return left
  }

  private mutating func listLiteral() throws(ExpressionError) -> ExpressionValue {
    let token = advance()
    switch token.kind {
    case .integer(let value): return .integer(value)
    case .double(let value): return .double(value)
    case .text(let value): return .text(value)
    case .symbol("-"):
      let next = advance()
      if case .integer(let value) = next.kind { return .integer(-value) }
      if case .double(let value) = next.kind { return .double(-value) }
      throw ExpressionError(message: "a number must follow -", offset: next.offset)
    default:
      throw ExpressionError(message: "the list of in holds numbers and quoted text only", offset: token.offset)
    }
  }

  private mutating func sum() throws(ExpressionError) -> ExpressionSyntax {
    var left = try product()
    while let symbol = isSymbol("+", "-") {
      let at = advance().offset
      left = .binary(symbol, left, try product(), at: at)
    }
    return left
  }

  private mutating func product() throws(ExpressionError) -> ExpressionSyntax {
    var left = try unary()
    while let symbol = isSymbol("*", "/", "//", "%") {
      let at = advance().offset
      left = .binary(symbol, left, try unary(), at: at)
    }
    return left
  }

  private mutating func unary() throws(ExpressionError) -> ExpressionSyntax {
    if isSymbol("-") != nil {
      let at = advance().offset
      let operand = try unary()
      // -5 is a literal, so that it needs no work at run time.
      if case .literal(.integer(let value), _) = operand, value != Int.min { return .literal(.integer(-value), at: at) }
      if case .literal(.double(let value), _) = operand { return .literal(.double(-value), at: at) }
      return .unary("-", operand, at: at)
    }
    if isSymbol("+") != nil {
      _ = advance()
      return try unary()
    }
    return try power()
  }

  /// `**` binds tighter than a sign on its left and is right-associative, as Python's: -2**2 is -4.
  private mutating func power() throws(ExpressionError) -> ExpressionSyntax {
    let base = try primary()
    guard isSymbol("**") != nil else { return base }
    let at = advance().offset
    return .binary("**", base, try unary(), at: at)
  }

  private mutating func primary() throws(ExpressionError) -> ExpressionSyntax {
    let token = advance()
    switch token.kind {
    case .integer(let value): return .literal(.integer(value), at: token.offset)
    case .double(let value): return .literal(.double(value), at: token.offset)
    case .text(let value): return .literal(.text(value), at: token.offset)
    case .quotedName(let name): return .column(name, at: token.offset)
    case .symbol("("):
      let inner = try expression()
      guard isSymbol(")") != nil else { throw ExpressionError(message: "a ) is missing", offset: peek.offset) }
      _ = advance()
      return inner
    case .name(let name):
      switch name.lowercased() {
      case "true": return .literal(.bool(true), at: token.offset)
      case "false": return .literal(.bool(false), at: token.offset)
      case "null", "none": return .literal(.null, at: token.offset)
      case let word where keywords.contains(word):
        throw ExpressionError(message: "\(name) needs a value before it", offset: token.offset)
      default: break
      }
      guard isSymbol("(") != nil else { return .column(name, at: token.offset) }
      _ = advance()
      var arguments: [ExpressionSyntax] = []
      if isSymbol(")") == nil {
        repeat {
          if !arguments.isEmpty { _ = advance() }
          arguments.append(try expression())
        } while isSymbol(",") != nil
      }
      guard isSymbol(")") != nil else { throw ExpressionError(message: "a , or ) is missing", offset: peek.offset) }
      _ = advance()
      return .call(name.lowercased(), arguments, at: token.offset)
    case .end:
      throw ExpressionError(message: "the expression ends too soon: a value is missing", offset: token.offset)
    default:
      position -= 1
      throw ExpressionError(message: unexpected(), offset: token.offset)
    }
  }
}
