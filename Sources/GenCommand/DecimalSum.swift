/// The exact decimal sum of numbers written as plain decimals (`19.99`,
/// `-3`, `0.1`): money columns add up to the cent, as Python's
/// `sum(map(Decimal, values))` does, where a float sum could drift in the
/// last digit (`0.1 + 0.2` is 0.30000000000000004 as floats, 0.3 here).
///
/// The sum is kept with the largest number of decimals seen (`1.50 + 2.50`
/// is `4.00` in a partial) and shown without trailing zeros (`4`). It is 192
/// bits wide: a 128-bit word that each value is added to (one addition), and
/// the carries out of it. So it never overflows for the values the readers
/// take (at most 18 digits, so at most 18 decimals: under 2^183 for fewer
/// than 2^63 values), whatever their order: a sum that once overflowed 128
/// bits on the way (`9e17` added 20,000 times before as many `-9e17`) gave
/// the binary sum in one order and the decimal one in another. Numbers that
/// are not plain decimals (`1e3`, `inf`) go to the column's ``ExactSum``
/// instead; ``ColumnTotal`` adds the two.
struct DecimalSum: Equatable {
  /// The value is `carries × 2^128 + mantissa` (`mantissa` signed), over 10^scale.
  private(set) var mantissa: Int128 = 0
  private(set) var carries: Int64 = 0
  /// (32 bits: the sum takes 28 bytes, and a column summary's flags fill its 32, per group and column.)
  private var storedScale: Int32 = 0

  var scale: Int {
    @inline(__always) get { Int(storedScale) }
  }

  var isZero: Bool { mantissa == 0 && carries == 0 }

  static let maxScale = 30

  /// Adds `mantissa / 10^scale`; false only when the sum would pass 2^191,
  /// which no data the readers take can reach (see above).
  @inline(__always)
  mutating func add(mantissa term: Int64, scale termScale: Int) -> Bool {
    if termScale == Int(storedScale) {
      // (The term widened from its words: Int128's generic conversion was a call.)
      let (sum, overflow) = mantissa.addingReportingOverflow(Int128(_low: UInt64(bitPattern: term), _high: term &>> 63))
      mantissa = sum
      if overflow { carries &+= term < 0 ? -1 : 1 }  // (fewer than 2^63 additions: no overflow here)
      return true
    }
    return add(Self(mantissa: Int128(term), scale: termScale))
  }

  /// Adds another sum; false only when the result would pass 2^191.
  mutating func add(_ other: DecimalSum) -> Bool {
    if other.scale == scale && other.carries == 0 {
      // (The common merge, of one group's sums from two parts: one addition, no WideInteger.)
      let (sum, overflow) = mantissa.addingReportingOverflow(other.mantissa)
      mantissa = sum
      if overflow { carries &+= other.mantissa < 0 ? -1 : 1 }
      return true
    }
    let target = Swift.max(scale, other.scale)
    var mine = WideInteger(self), theirs = WideInteger(other)
    mine.multiply(byPowerOfTen: target - scale)
    theirs.multiply(byPowerOfTen: target - other.scale)
    mine.add(theirs)
    guard let sum = mine.sum(scale: target) else { return false }
    self = sum
    return true
  }

  init() {}

  /// `mantissa / 10^scale` (as `stats`' spill files store it, with ``carries``).
  init(mantissa: Int128, carries: Int64 = 0, scale: Int) {
    self.mantissa = mantissa
    self.carries = carries
    storedScale = Int32(scale)
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
    guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, parts.count == 1 || !parts[1].isEmpty,
      parts.count == 1 || parts[1].count <= Self.maxScale
    else { return nil }
    var value = WideInteger()
    for character in parts.joined() {
      guard let digit = character.asciiValue, digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "9") else { return nil }
      value.multiply(by: 10)
      value.add(WideInteger(magnitude: UInt64(digit - UInt8(ascii: "0"))))
      guard value.limbs.count <= 3 else { return nil }
    }
    value.negative = negative && !value.isZero
    guard let sum = value.sum(scale: parts.count == 2 ? parts[1].count : 0) else { return nil }
    self = sum
  }

  /// The exact sum: `49939517.67`, `-0.30`, `12`.
  var text: String {
    var digits = carries == 0 ? Self.digits(mantissa.magnitude) : WideInteger(self).digits
    if scale > 0 {
      // At least one digit before the point: `0.05`, not `.05`.
      if digits.count <= scale { digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: scale + 1 - digits.count), at: 0) }
      digits.insert(UInt8(ascii: "."), at: digits.count - scale)
    }
    if carries < 0 || (carries == 0 && mantissa < 0) { digits.insert(UInt8(ascii: "-"), at: 0) }
    return String(decoding: digits, as: UTF8.self)
  }

  /// The decimal digits of `value`, most significant first (one 64-bit
  /// division per digit while it fits: a table of sums writes one per
  /// group and column, and UInt128's `description` took thousands of
  /// instructions).
  static func digits(_ value: UInt128) -> [UInt8] {
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
    if carries == 0 && mantissa.magnitude <= 1 << 53 && scale < DecimalPowers.exact.count {
      return Double(Int64(mantissa)) / DecimalPowers.exact[scale]
    }
    return Double(text)!
  }

  /// The sum over `count`, to the nearest Double (so the mean of 0.1, 0.2
  /// and 0.0 is 0.1, where 0.3 / 3 in floats gives 0.09999999999999999).
  func mean(over count: Int) -> Double {
    guard count > 0 else { return .nan }
    // mantissa / (count × 10^scale) with both operands exact in a Double:
    // IEEE division rounds the true quotient once, to the nearest.
    if carries == 0 && mantissa.magnitude <= 1 << 53 && scale <= 15 {
      let (divisor, overflow) = UInt64(count).multipliedReportingOverflow(by: UInt64(DecimalPowers.exact[scale]))
      if !overflow && divisor <= 1 << 53 { return Double(Int64(mantissa)) / Double(divisor) }
    }
    // Else the quotient in decimal, read by strtod (which rounds correctly):
    // 200 significant digits, then a 1 if any remainder is left. A midpoint
    // between two Doubles as small as a mean can be (1 / (2^63 × 10^30)) has
    // under 200 significant digits, so none lies between these digits and
    // the quotient, and the last 1 keeps a quotient just past one from
    // reading as the midpoint itself.
    return WideInteger(self).nearest(over: count, scale: scale) { significant, _ in significant >= 200 }
  }
}

extension WideInteger {
  /// `carries × 2^128 + mantissa`, read as 192-bit two's complement.
  init(_ sum: DecimalSum) {
    let low = UInt128(bitPattern: sum.mantissa)
    // (High word: the carries, less one when the low word reads negative.
    // Carries stay far from Int64's ends: see DecimalSum.)
    let high = sum.carries &- (sum.mantissa < 0 ? 1 : 0)
    self.init(twosComplement: [UInt64(truncatingIfNeeded: low), UInt64(truncatingIfNeeded: low >> 64), UInt64(bitPattern: high)])
  }

  /// The sum at `scale`, or nil when the value is 2^191 or more in magnitude.
  func sum(scale: Int) -> DecimalSum? {
    guard let words = twosComplement(words: 3) else { return nil }
    let mantissa = Int128(bitPattern: UInt128(words[1]) << 64 | UInt128(words[0]))
    // (Back from the two's-complement high word: one more when the low word reads negative.)
    let (carries, overflow) = Int64(bitPattern: words[2]).addingReportingOverflow(mantissa < 0 ? 1 : 0)
    guard !overflow else { return nil }
    return DecimalSum(mantissa: mantissa, carries: carries, scale: scale)
  }
}
