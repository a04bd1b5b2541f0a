import StreamIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value while an expression is evaluated.
///
/// A field's text is *untyped*: it is a number wherever a number is needed
/// and it reads as one (as Python's `float()` reads it), and text otherwise;
/// a quoted literal or a function's text result is *typed* text, which is
/// never read as a number. So `qty >= 10` compares numbers, `zip == '02134'`
/// compares text.
enum ExpressionValue {
  case null
  case bool(Bool)
  case integer(Int)
  case double(Double)
  /// Typed text: a quoted literal, a function's result.
  case text(String)
  /// A field's text (JSON Lines string, CSV field of a non-ASCII row).
  case untyped(String)
  /// A field's bytes in a reader's buffer (a CSV field of an ASCII row, a
  /// JSON string without escapes), valid until the reader moves on. (In the
  /// buffer: its numbers are read eight bytes at a time, past the field's end.)
  case bytes(UnsafeRawBufferPointer)

  init(_ json: JSONValue?) {
    switch json {
    case nil, .null?: self = .null
    case .bool(let value)?: self = .bool(value)
    case .number(let value, let text)?:
      if let integer = Int(text) { self = .integer(integer) } else { self = .double(value) }
    case .string(let text)?: self = .untyped(text)
    case let other?: self = .untyped(other.serialized)  // arrays and objects as their JSON
    }
  }

  var isNull: Bool {
    if case .null = self { return true }
    return false
  }

  /// Null, or an empty field: what `is null` and `coalesce` treat as
  /// missing (a CSV has no other way to write a missing value).
  var isMissing: Bool {
    switch self {
    case .null: true
    case .bytes(let field): field.isEmpty
    case .untyped(let text): text.isEmpty
    default: false
    }
  }

  /// The number, if the value is one or is untyped text that reads as one.
  /// `bad` is set when the value is text that does not (empty text and null
  /// are missing values, not bad ones).
  @inline(__always)
  func number(bad: inout Bool) -> ExpressionValue? {
    switch self {
    case .integer, .double: return self
    case .bool(let value): return .integer(value ? 1 : 0)
    case .null: return nil
    case .bytes(let field):
      if field.isEmpty { return nil }
      if let number = Self.readNumber(inBuffer: field) { return number }
      bad = true
      return nil
    case .untyped(var text):
      if text.isEmpty { return nil }
      if let number = text.withUTF8({ Self.readNumber(UnsafeRawBufferPointer($0)) }) { return number }
      bad = true
      return nil
    case .text(let text):
      if text.isEmpty { return nil }
      bad = true
      return nil
    }
  }

  /// For `int()` and `float()`: as ``number(bad:)``, and typed text too
  /// (Python's `float('5')` is 5.0, `int(' 7 ')` is 7).
  func converted(bad: inout Bool) -> ExpressionValue? {
    guard case .text(var text) = self else { return number(bad: &bad) }
    if text.isEmpty { return nil }
    if let number = text.withUTF8({ Self.readNumber(UnsafeRawBufferPointer($0)) }) { return number }
    bad = true
    return nil
  }

  /// A field's number as Python's `int()` or `float()` reads it: an
  /// integer if it is one, else a float; whitespace around it allowed.
  @inline(__always)
  static func readNumber(inBuffer field: UnsafeRawBufferPointer) -> ExpressionValue? {
    if let integer = CSVNumbers.integer(inBuffer: field) { return .integer(integer) }
    if let double = CSVNumbers.double(inBuffer: field) { return .double(double) }
    return readTrimmedNumber(field)
  }

  /// As ``readNumber(inBuffer:)``, for bytes anywhere.
  @inline(__always)
  static func readNumber(_ field: UnsafeRawBufferPointer) -> ExpressionValue? {
    if let integer = Int.decode(csvField: field) { return .integer(integer) }
    if let double = Double.decode(csvField: field) { return .double(double) }
    return readTrimmedNumber(field)
  }

  /// The number in a field that is none as it stands, once the whitespace
  /// around it is taken off (for a reader that tried it as it stands already).
  static func readTrimmedNumber(_ field: UnsafeRawBufferPointer) -> ExpressionValue? {
    guard let trimmed = Self.trimmed(field) else { return nil }
    if let integer = Int.decode(csvField: trimmed) { return .integer(integer) }
    if let double = Double.decode(csvField: trimmed) { return .double(double) }
    return nil
  }

  /// A field with whitespace around it, without it (Python's `float(" 5")`
  /// and `float("5\t")` are 5.0).
  static func trimmed(_ field: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
    func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
    var start = 0, end = field.count
    while start < end, isSpace(field[start]) { start += 1 }
    while end > start, isSpace(field[end - 1]) { end -= 1 }
    guard start > 0 || end < field.count, start < end else { return nil }
    return UnsafeRawBufferPointer(rebasing: field[start..<end])
  }

  /// The value as text: what CSV output writes and text comparisons read.
  var text: String {
    switch self {
    case .null: ""
    case .bool(let value): value ? "true" : "false"
    case .integer(let value): String(value)
    case .double(let value): Self.format(value)
    case .text(let text), .untyped(let text): text
    case .bytes(let field): String(decoding: field, as: UTF8.self)
    }
  }

  /// Whether the value is written as an empty CSV field (see ``text``).
  var isEmptyField: Bool {
    switch self {
    case .null: true
    case .text(let text), .untyped(let text): text.isEmpty
    case .bytes(let field): field.isEmpty
    case .bool, .integer, .double: false
    }
  }

  /// Calls `body` with the value's UTF-8 bytes, without a String for a field.
  @inline(__always)
  func withUTF8<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    switch self {
    case .bytes(let field): return body(field)
    case .text(var text), .untyped(var text): return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    default:
      var text = self.text
      return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
  }

  /// The value for JSON Lines output: numbers as numbers, text as strings.
  var json: JSONValue {
    switch self {
    case .null: .null
    case .bool(let value): .bool(value)
    case .integer(let value): .number(Double(value), String(value))
    case .double(let value) where value.isFinite: .number(value, Self.format(value))
    case .double(let value): .number(value, value.isNaN ? "NaN" : value > 0 ? "Infinity" : "-Infinity")
    case .text(let text), .untyped(let text): .string(text)
    case .bytes(let field): .string(String(decoding: field, as: UTF8.self))
    }
  }

  /// Python's truth: null, false, 0 and empty text are false; a field is
  /// a number when it reads as one (so "0.0" is false).
  var isTruthy: Bool {
    switch self {
    case .null: return false
    case .bool(let value): return value
    case .integer(let value): return value != 0
    case .double(let value): return value != 0
    case .text(let text): return !text.isEmpty
    case .untyped, .bytes:
      if isMissing { return false }
      var bad = false
      switch number(bad: &bad) {
      case .integer(let value)?: return value != 0
      case .double(let value)?: return value != 0
      default: return true
      }
    }
  }

  /// A Double as Python's `repr` writes it: `59.97`, `6.0`, `1e+20`, `inf`
  /// (see ``PythonFloatRepr``, which writes it without a String).
  static func format(_ value: Double) -> String { PythonFloatRepr(value).string }
}

extension ExpressionValue {
  /// -1, 0 or 1 as `self` sorts before, equal to or after `other`; nil when
  /// they do not order: either is null or missing, a number meets text that
  /// is no number, or NaN. Numbers compare as numbers when both sides are (or
  /// are untyped text that reads as one); everything else compares as text,
  /// by code point (UTF-8 byte order), as Python compares `str`.
  @inline(__always)
  func order(against other: ExpressionValue) -> Int? {
    if isNull || other.isNull { return nil }
    if case .bool(let left) = self, case .bool(let right) = other {
      return left == right ? 0 : left ? 1 : -1
    }
    if isNumeric(against: other) {
      // An empty field is a missing value: it orders against nothing but typed text.
      if isMissing || other.isMissing { return nil }
      var bad = false
      if let left = number(bad: &bad), let right = other.number(bad: &bad), let order = Self.compare(left, right) {
        return order
      }
      // A number and text that is no number do not order (Python's TypeError;
      // the comparison counts it, see textAgainstNumber), nor does NaN; two
      // fields' texts ("nan" and "nan") compare as text.
      if isNumber || other.isNumber { return nil }
    }
    return withUTF8 { left in other.withUTF8 { right in left.compare(right) } }
  }

  /// Whether this is a number (a literal's or a result's), not text that may read as one.
  var isNumber: Bool {
    switch self {
    case .integer, .double: true
    default: false
    }
  }

  /// The text of whichever side is text that is no number, compared with a
  /// number: what an ordering comparison counts as a problem.
  func textAgainstNumber(_ other: ExpressionValue) -> ExpressionValue? {
    let (text, number) = isNumber ? (other, self) : (self, other)
    guard number.isNumber, !text.isMissing, !text.isNumber else { return nil }
    switch text {
    case .untyped, .bytes:
      var bad = false
      return text.number(bad: &bad) == nil && bad ? text : nil
    default: return nil
    }
  }

  /// Two numbers in order, exactly: integers as integers (IDs past 2^53
  /// stay apart), an integer and a float as Python compares them; nil with NaN.
  @inline(__always)
  static func compare(_ left: ExpressionValue, _ right: ExpressionValue) -> Int? {
    guard let left = ExpressionNumber(left), let right = ExpressionNumber(right) else { return nil }
    return compare(left, right)
  }

  /// As ``compare(_:_:)-(ExpressionValue,ExpressionValue)``, on numbers.
  @inline(__always)
  static func compare(_ left: ExpressionNumber, _ right: ExpressionNumber) -> Int? {
    if case .integer(let a) = left, case .integer(let b) = right { return a < b ? -1 : a > b ? 1 : 0 }
    let a = left.asDouble, b = right.asDouble
    if a.isNaN || b.isNaN { return nil }
    if a != b { return a < b ? -1 : 1 }
    // Equal as floats: an integer past 2^53 may still differ from the float.
    if case .integer(let x) = left, let y = Int(exactly: b) { return x < y ? -1 : x > y ? 1 : 0 }
    if case .integer(let y) = right, let x = Int(exactly: a) { return x < y ? -1 : x > y ? 1 : 0 }
    // (Left here with an integer, the float is 2^63, past every Int.)
    if case .integer = left { return -1 }
    if case .integer = right { return 1 }
    return 0
  }

  /// Whether a comparison between the two may be numeric: typed text on
  /// either side makes it a text comparison.
  @inline(__always)
  private func isNumeric(against other: ExpressionValue) -> Bool {
    switch (self, other) {
    case (.text, _), (_, .text): false
    case (.bool, _), (_, .bool): false
    default: true
    }
  }

  /// Python's `==` for these values: null equals only null, or an empty
  /// field (both are missing values).
  @inline(__always)
  func equals(_ other: ExpressionValue) -> Bool {
    if isMissing && other.isMissing { return true }
    if isNull || other.isNull { return false }
    return order(against: other) == 0
  }
}

extension UnsafeRawBufferPointer {
  /// -1, 0 or 1 as these bytes sort before, equal or after `other`.
  func compare(_ other: UnsafeRawBufferPointer) -> Int {
    let n = Swift.min(count, other.count)
    if n > 0 {
      let result = memcmp(baseAddress!, other.baseAddress!, n)
      if result != 0 { return result < 0 ? -1 : 1 }
    }
    return count < other.count ? -1 : count > other.count ? 1 : 0
  }

  /// Whether `needle` occurs in these bytes (an empty needle always does).
  func contains(_ needle: UnsafeRawBufferPointer) -> Bool {
    guard needle.count <= count else { return false }
    guard let first = needle.first else { return true }
    var start = 0
    let last = count - needle.count
    while start <= last {
      if self[start] == first && memcmp(baseAddress! + start, needle.baseAddress!, needle.count) == 0 { return true }
      start &+= 1
    }
    return false
  }
}
