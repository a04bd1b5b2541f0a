import Foundation
import StreamIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The functions an expression can call, named as Python names them where
/// Python has one (`lower`, `startswith`, `abs`, `round`, `len`, `str`).
enum ExpressionFunction: String, CaseIterable {
  case lower, upper, strip, len, startswith, endswith, contains, replace, concat
  case str, int, float, abs, round, floor, ceil, min, max, coalesce
  case `if`

  /// Other spellings users reach for (SQL's, polars').
  static let aliases: [String: ExpressionFunction] = [
    "trim": .strip, "length": .len, "starts_with": .startswith, "ends_with": .endswith,
    "number": .float, "ifnull": .coalesce, "least": .min, "greatest": .max,
  ]

  /// How many arguments it takes.
  var arity: ClosedRange<Int> {
    switch self {
    case .lower, .upper, .strip, .len, .str, .int, .float, .abs, .floor, .ceil: 1...1
    case .startswith, .endswith, .contains: 2...2
    case .replace, .if: 3...3
    case .round: 1...2
    case .concat, .min, .max, .coalesce: 1...Int.max
    }
  }

  func call<Row: ExpressionRow>(_ arguments: [ExpressionNode], _ row: Row, _ problems: ExpressionProblems) -> ExpressionValue {
    // `if` and `coalesce` evaluate only what they need.
    switch self {
    case .if:
      return arguments[0].test(row, problems) ? arguments[1].evaluate(row, problems) : arguments[2].evaluate(row, problems)
    case .coalesce:
      for argument in arguments {
        let value = argument.evaluate(row, problems)
        if !value.isMissing { return value }
      }
      return .null
    default: break
    }
    if arity == 1...1 { return applyUnary(arguments[0].evaluate(row, problems), problems) }
    return apply(arguments.map { $0.evaluate(row, problems) }, problems)
  }

  /// The function of one argument, on its value.
  @inline(__always)
  func applyUnary(_ first: ExpressionValue, _ problems: ExpressionProblems) -> ExpressionValue {
    switch self {
    case .lower: return first.isNull ? .null : .text(first.lowercased)
    case .upper: return first.isNull ? .null : .text(first.uppercased)
    case .strip: return first.isNull ? .null : .text(String(first.text.trimmingCharacters(in: " \t\r\n")))
    case .len: return first.isNull ? .null : .integer(first.text.unicodeScalars.count)
    case .str: return first.isNull ? .null : .text(first.text)
    default: return apply([first], problems)
    }
  }

  /// The function of two arguments, on their values: no array for the text
  /// tests (`startswith(name, 'A')`), the others as ``apply(_:_:)``.
  @inline(__always)
  func applyBinary(_ first: ExpressionValue, _ second: ExpressionValue, _ problems: ExpressionProblems) -> ExpressionValue {
    switch self {
    case .startswith, .endswith, .contains:
      if first.isNull || second.isNull { return .bool(false) }
      return .bool(first.withUTF8 { text in second.withUTF8 { part in test(text, part) } })
    default: return apply([first, second], problems)
    }
  }

  /// `startswith`, `endswith` or `contains` on bytes.
  @inline(__always)
  private func test(_ text: UnsafeRawBufferPointer, _ part: UnsafeRawBufferPointer) -> Bool {
    switch self {
    case .startswith: part.count <= text.count && UnsafeRawBufferPointer(rebasing: text[..<part.count]).compare(part) == 0
    case .endswith:
      part.count <= text.count && UnsafeRawBufferPointer(rebasing: text[(text.count - part.count)...]).compare(part) == 0
    default: text.contains(part)
    }
  }

  /// The function on its arguments' values (all of them evaluated: not for
  /// `if` and `coalesce`, which evaluate only what they need).
  func apply(_ values: [ExpressionValue], _ problems: ExpressionProblems) -> ExpressionValue {
    let first = values[0]
    switch self {
    case .lower, .upper, .strip, .len, .str: return applyUnary(first, problems)
    case .startswith, .endswith, .contains: return applyBinary(first, values[1], problems)
    case .replace:
      if values.contains(where: \.isNull) { return .null }
      let old = values[1].text
      guard !old.isEmpty else { return .text(first.text) }
      return .text(first.text.replacingAll(old, with: values[2].text))
    case .concat:
      return .text(values.map(\.text).joined())
    case .int, .float, .abs, .floor, .ceil, .round:
      var bad = false
      guard let number = self == .int || self == .float ? first.converted(bad: &bad) : first.number(bad: &bad) else {
        if bad { problems.notANumber(first) }
        return .null
      }
      switch self {
      case .int:
        if case .integer = number { return number }
        let d = number.asDouble.rounded(.towardZero)
        return d.isFinite && Swift.abs(d) < 9.2e18 ? .integer(Int(d)) : .null
      case .float: return .double(number.asDouble)
      case .abs:
        if case .integer(let n) = number { return n == Int.min ? .double(-Double(n)) : .integer(Swift.abs(n)) }
        return .double(Swift.abs(number.asDouble))
      case .floor, .ceil:
        if case .integer = number { return number }
        let d = number.asDouble.rounded(self == .floor ? .down : .up)
        return d.isFinite && Swift.abs(d) < 9.2e18 ? .integer(Int(d)) : .double(d)
      default:  // round(x[, places]): half to even, as Python's
        var places = 0
        if values.count == 2 {
          var bad = false
          guard case .integer(let n)? = values[1].number(bad: &bad) else { return .null }
          places = n
        }
        if case .integer(let n) = number {
          if places >= 0 { return number }
          // Python: round(1234, -2) is the int 1200, halves to even.
          guard places > -19 else { return .integer(0) }
          var unit = 1
          for _ in 0..<(-places) { unit *= 10 }
          let (quotient, remainder) = n.quotientAndRemainder(dividingBy: unit)
          var rounded = quotient
          let twice = 2 * Swift.abs(remainder)
          if twice > unit || (twice == unit && quotient % 2 != 0) { rounded += n < 0 ? -1 : 1 }
          let (result, overflow) = rounded.multipliedReportingOverflow(by: unit)
          return overflow ? .double(Double(rounded) * Double(unit)) : .integer(result)
        }
        let value = number.asDouble
        if values.count == 1 {
          let rounded = value.rounded(.toNearestOrEven)
          return rounded.isFinite && Swift.abs(rounded) < 9.2e18 ? .integer(Int(rounded)) : .double(rounded)
        }
        guard value.isFinite else { return .double(value) }
        if places >= 0 && places <= 300 {
          // Rounded on the exact binary value, half to even, as Python's
          // round(2.675, 2) gives 2.67: printf rounds that value correctly.
          return .double(Double(String(format: "%.\(places)f", value)) ?? value)
        }
        let scale = pow(10.0, Double(-places))
        return .double((value / scale).rounded(.toNearestOrEven) * scale)
      }
    case .min, .max:
      var best: ExpressionValue?
      for value in values where !value.isMissing {
        guard let current = best else {
          best = value
          continue
        }
        if let order = value.order(against: current), self == .min ? order < 0 : order > 0 { best = value }
      }
      return best ?? .null
    case .if:  // (all three evaluated here: only when called with values)
      return values[0].isTruthy ? values[1] : values[2]
    case .coalesce: return values.first { !$0.isMissing } ?? .null
    }
  }
}

extension ExpressionValue {
  /// Python's `str.lower()`: ASCII text is mapped byte by byte (a short
  /// result stays inside the String, no allocation), other text by Unicode.
  var lowercased: String { mapped(lower: true) }

  /// Python's `str.upper()`.
  var uppercased: String { mapped(lower: false) }

  private func mapped(lower: Bool) -> String {
    withUTF8 { bytes in
      var ascii = true
      for byte in bytes where byte >= 0x80 { ascii = false }
      guard ascii else {
        let text = String(decoding: bytes, as: UTF8.self)
        return lower ? text.lowercased() : text.uppercased()
      }
      return String(unsafeUninitializedCapacity: bytes.count) { out in
        for (index, byte) in bytes.enumerated() { out[index] = lower ? byte.asciiLowercased : byte.asciiUppercased }
        return bytes.count
      }
    }
  }
}

extension UInt8 {
  @inline(__always) var asciiLowercased: UInt8 { self &- 0x41 < 26 ? self | 0x20 : self }
  @inline(__always) var asciiUppercased: UInt8 { self &- 0x61 < 26 ? self & ~0x20 : self }
}

extension String {
  /// Every occurrence of `old` replaced (Python's `str.replace`), by code point.
  func replacingAll(_ old: String, with new: String) -> String {
    let text = Array(unicodeScalars), pattern = Array(old.unicodeScalars)
    var out = String.UnicodeScalarView()
    var i = 0
    while i < text.count {
      if i + pattern.count <= text.count, Array(text[i..<i + pattern.count]) == pattern {
        out.append(contentsOf: new.unicodeScalars)
        i += pattern.count
      } else {
        out.append(text[i])
        i += 1
      }
    }
    return String(out)
  }

  /// Without the characters of `set` at either end (Python's `str.strip(chars)`).
  func trimmingCharacters(in set: String) -> Substring {
    let scalars = Set(set.unicodeScalars)
    var start = startIndex, end = endIndex
    while start < end, scalars.contains(unicodeScalars[start]) { start = unicodeScalars.index(after: start) }
    while end > start, scalars.contains(unicodeScalars[unicodeScalars.index(before: end)]) {
      end = unicodeScalars.index(before: end)
    }
    return self[start..<end]
  }
}
