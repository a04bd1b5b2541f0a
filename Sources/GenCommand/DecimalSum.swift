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
    var digits = Self.digits(mantissa.magnitude)
    if scale > 0 {
      // At least one digit before the point: `0.05`, not `.05`.
      if digits.count <= scale { digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: scale + 1 - digits.count), at: 0) }
      digits.insert(UInt8(ascii: "."), at: digits.count - scale)
    }
    if mantissa < 0 { digits.insert(UInt8(ascii: "-"), at: 0) }
    return String(decoding: digits, as: UTF8.self)
  }

  /// The decimal digits of `value`, most significant first (one 64-bit
  /// division per digit while it fits: a table of sums writes one per
  /// group and column, and UInt128's `description` took thousands of
  /// instructions).
  private static func digits(_ value: UInt128) -> [UInt8] {
    var digits: [UInt8] = []
    digits.reserveCapacity(40)
    var rest = value
    while rest > UInt128(UInt64.max) {
      let (quotient, digit) = rest.quotientAndRemainder(dividingBy: 10)
      digits.append(UInt8(ascii: "0") + UInt8(digit))
      rest = quotient
    }
    var small = UInt64(rest)
    repeat {
      digits.append(UInt8(ascii: "0") + UInt8(small % 10))
      small /= 10
    } while small > 0
    digits.reverse()
    return digits
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
  var value: Double {
    // Both operands exact, so the one rounding of IEEE division gives the
    // nearest Double, as reading the text does.
    if mantissa.magnitude <= 1 << 53 && scale < DecimalPowers.exact.count { return Double(Int64(mantissa)) / DecimalPowers.exact[scale] }
    return Double(text)!
  }

  /// The sum over `count`, to the nearest Double (so the mean of 0.1, 0.2
  /// and 0.0 is 0.1, where 0.3 / 3 in floats gives 0.09999999999999999).
  func mean(over count: Int) -> Double {
    guard count > 0 else { return .nan }
    // mantissa / (count × 10^scale) with both operands exact in a Double:
    // IEEE division rounds the true quotient once, to the nearest.
    if mantissa.magnitude <= 1 << 53 && scale <= 15 {
      let (divisor, overflow) = UInt64(count).multipliedReportingOverflow(by: UInt64(DecimalPowers.exact[scale]))
      if !overflow && divisor <= 1 << 53 { return Double(Int64(mantissa)) / Double(divisor) }
    }
    // Else the quotient in decimal, read by strtod (which rounds correctly):
    // 200 significant digits, then a 1 if any remainder is left. A midpoint
    // between two Doubles as small as a mean can be (1 / (2^63 × 10^30)) has
    // under 200 significant digits, so none lies between these digits and
    // the quotient, and the last 1 keeps a quotient just past one from
    // reading as the midpoint itself.
    let divisor = UInt128(count)
    let whole = mantissa.magnitude / divisor
    var remainder = mantissa.magnitude % divisor
    var digits = Self.digits(whole)
    var significant = whole == 0 ? 0 : digits.count
    digits.append(UInt8(ascii: "."))
    while significant < 200 && remainder != 0 {
      remainder *= 10  // (below 10 × count: no overflow)
      let digit = remainder / divisor
      remainder %= divisor
      digits.append(UInt8(ascii: "0") + UInt8(digit))
      if significant > 0 || digit != 0 { significant += 1 }
    }
    digits.append(remainder == 0 ? UInt8(ascii: "0") : UInt8(ascii: "1"))
    let text = (mantissa < 0 ? "-" : "") + String(decoding: digits, as: UTF8.self) + "e-\(scale)"
    return Double(text)!
  }
}
