/// The exact decimal sum of numbers written as plain decimals (`19.99`,
/// `-3`, `0.1`): money columns add up to the cent, as Python's
/// `sum(map(Decimal, values))` does, where a float sum could drift in the
/// last digit (`0.1 + 0.2` is 0.30000000000000004 as floats, 0.3 here).
///
/// The sum is kept with the largest number of decimals seen (`1.50 + 2.50`
/// is `4.00` in a partial) and shown without trailing zeros (`4`). It is exact while it fits in 128 bits
/// (38 digits); past that, or when a value is not a plain decimal
/// (`1e3`, `inf`), the column has no decimal sum and the exact binary sum
/// (ExactSum) is shown, as before.
struct DecimalSum: Equatable {
  private(set) var mantissa: Int128 = 0
  private(set) var scale = 0

  static let maxScale = 30

  /// Adds `mantissa / 10^scale`; false when the sum would not fit.
  @inline(__always)
  mutating func add(mantissa term: Int64, scale termScale: Int) -> Bool {
    if termScale == scale {
      // (The term widened from its words: Int128's generic conversion was a call.)
      let (sum, overflow) = mantissa.addingReportingOverflow(Int128(_low: UInt64(bitPattern: term), _high: term &>> 63))
      guard !overflow else { return false }
      mantissa = sum
      return true
    }
    return add(Self(mantissa: Int128(term), scale: termScale))
  }

  /// Adds another sum; false when the result would not fit.
  mutating func add(_ other: DecimalSum) -> Bool {
    let target = Swift.max(scale, other.scale)
    guard let mine = Self.rescale(mantissa, from: scale, to: target),
      let theirs = Self.rescale(other.mantissa, from: other.scale, to: target)
    else { return false }
    let (sum, overflow) = mine.addingReportingOverflow(theirs)
    guard !overflow else { return false }
    mantissa = sum
    scale = target
    return true
  }

  private static func rescale(_ value: Int128, from scale: Int, to target: Int) -> Int128? {
    var value = value
    for _ in scale..<target {
      let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
      guard !overflow else { return nil }
      value = times10
    }
    return value
  }

  init() {}

  /// `mantissa / 10^scale` (as `stats`' spill files store it).
  init(mantissa: Int128, scale: Int) {
    self.mantissa = mantissa
    self.scale = scale
  }

  /// A plain decimal: an optional sign, digits, and optionally a point and
  /// digits (at least one digit in all; at most 18, so it fits in 64 bits).
  @inline(__always)
  static func parse(_ field: UnsafeRawBufferPointer) -> (mantissa: Int64, scale: Int)? {
    let n = field.count
    guard n > 0 && n <= 20 else { return nil }
    var i = 0
    let negative = field[0] == UInt8(ascii: "-")
    if negative || field[0] == UInt8(ascii: "+") { i = 1 }
    var mantissa: Int64 = 0
    var digits = 0
    var scale = -1  // -1: no point yet
    while i < n {
      let byte = field[i]
      if byte == UInt8(ascii: ".") {
        guard scale < 0 else { return nil }
        scale = 0
      } else {
        let digit = Int64(byte) &- 48
        guard digit >= 0 && digit <= 9 else { return nil }
        mantissa = mantissa &* 10 &+ digit
        digits &+= 1
        if scale >= 0 { scale &+= 1 }
      }
      i &+= 1
    }
    guard digits > 0 && digits <= 18 else { return nil }
    return (negative ? -mantissa : mantissa, Swift.max(scale, 0))
  }

  static func parse(_ text: String) -> (mantissa: Int64, scale: Int)? {
    var text = text
    return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
  }

  /// Reads back ``text`` (for partials).
  init?(text: String) {
    var digits = Substring(text)
    let negative = digits.first == "-"
    if negative { digits = digits.dropFirst() }
    let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count <= 2, let whole = parts.first, !whole.isEmpty,
      parts.count == 1 || !parts[1].isEmpty, parts.joined().allSatisfy(\.isASCII), parts.joined().allSatisfy(\.isNumber),
      let magnitude = Int128(parts.joined())
    else { return nil }
    mantissa = negative ? -magnitude : magnitude
    scale = parts.count == 2 ? parts[1].count : 0
    guard scale <= Self.maxScale else { return nil }
  }

  /// The exact sum: `49939517.67`, `-0.30`, `12`.
  var text: String {
    let digits = String(mantissa.magnitude)
    guard scale > 0 else { return mantissa < 0 ? "-" + digits : digits }
    let padded = String(repeating: "0", count: Swift.max(0, scale + 1 - digits.count)) + digits
    let point = padded.index(padded.endIndex, offsetBy: -scale)
    return (mantissa < 0 ? "-" : "") + padded[..<point] + "." + padded[point...]
  }

  /// ``text`` without trailing zeros after the point (`102.50` → `102.5`,
  /// `4.00` → `4`): the same exact value, written as min and max are.
  var shortText: String {
    var text = self.text
    guard scale > 0 else { return text }
    while text.last == "0" { text.removeLast() }
    if text.last == "." { text.removeLast() }
    return text == "-0" ? "0" : text
  }

  /// The nearest Double.
  var value: Double { Double(text)! }

  /// The sum over `count`, to the nearest Double: the quotient is worked out
  /// to 24 more digits before rounding (so the mean of 0.1, 0.2 and 0.0 is
  /// 0.1, where 0.3 / 3 in floats gives 0.09999999999999999).
  func mean(over count: Int) -> Double {
    guard count > 0 else { return .nan }
    let divisor = Int128(count)
    var remainder = mantissa.magnitude % UInt128(divisor)
    var digits = String(mantissa.magnitude / UInt128(divisor))
    var decimals = ""
    for _ in 0..<(scale + 24) {
      remainder *= 10
      decimals.append(Character(String(remainder / UInt128(divisor))))
      remainder %= UInt128(divisor)
    }
    // Shift the point left by `scale`.
    digits += decimals
    let point = digits.count - (scale + 24) - scale
    let padded = point > 0 ? digits : String(repeating: "0", count: 1 - point) + digits
    let at = padded.index(padded.startIndex, offsetBy: Swift.max(point, 1))
    return Double((mantissa < 0 ? "-" : "") + padded[..<at] + "." + padded[at...])!
  }
}
