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
  /// A CSV field's bytes (an ASCII row), valid until the reader moves on.
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
      if let integer = Int.decode(csvField: field) { return .integer(integer) }
      if let double = Double.decode(csvField: field) { return .double(double) }
      if let trimmed = Self.trimmed(field) {
        if let integer = Int.decode(csvField: trimmed) { return .integer(integer) }
        if let double = Double.decode(csvField: trimmed) { return .double(double) }
      }
      bad = true
      return nil
    case .untyped(let text):
      if text.isEmpty { return nil }
      if let integer = Int(text.trimmingSpaces) { return .integer(integer) }
      if let double = JSONValue.string(text).numericValue { return .double(double) }
      bad = true
      return nil
    case .text(let text):
      if text.isEmpty { return nil }
      bad = true
      return nil
    }
  }

  /// The value as a Double, for comparisons: numbers, and untyped text that
  /// reads as one. NaN is no number here (it orders against nothing).
  @inline(__always)
  var comparableNumber: Double? {
    var bad = false
    switch number(bad: &bad) {
    case .integer(let value)?: return Double(value)
    case .double(let value)? where !value.isNaN: return value
    default: return nil
    }
  }

  /// A field with spaces around it, without them (Python's `float(" 5")` is 5.0).
  static func trimmed(_ field: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
    var start = 0, end = field.count
    while start < end, field[start] == 0x20 || field[start] == 0x09 { start += 1 }
    while end > start, field[end - 1] == 0x20 || field[end - 1] == 0x09 { end -= 1 }
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

  /// A Double as Python's `repr` writes it: `59.97`, `6.0`, `1e+20`, `inf`.
  static func format(_ value: Double) -> String {
    value.description
  }
}

extension ExpressionValue {
  /// -1, 0 or 1 as `self` sorts before, equal to or after `other`; nil when
  /// either is null. Numbers compare as numbers when both sides are (or are
  /// untyped text that reads as one); everything else compares as text, by
  /// code point (UTF-8 byte order), as Python compares `str`.
  @inline(__always)
  func order(against other: ExpressionValue) -> Int? {
    if isNull || other.isNull { return nil }
    if case .bool(let left) = self, case .bool(let right) = other {
      return left == right ? 0 : left ? 1 : -1
    }
    if isNumeric(against: other) {
      // An empty field is a missing value: it orders against nothing but typed text.
      if isMissing || other.isMissing { return nil }
      if let left = comparableNumber, let right = other.comparableNumber {
        return left < right ? -1 : left > right ? 1 : 0
      }
    }
    return withUTF8 { left in other.withUTF8 { right in left.compare(right) } }
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
