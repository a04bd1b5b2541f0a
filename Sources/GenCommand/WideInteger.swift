/// A signed integer of any width, as sign and magnitude: the slow paths of
/// the exact sums (``DecimalSum`` past 128 bits or at another scale, its
/// text and mean; ``ColumnTotal``'s decimal plus binary total). Only what
/// they need, and not fast: the rows' loops never come here.
struct WideInteger {
  var negative = false
  /// The magnitude, least significant word first, without leading zero words.
  var limbs: [UInt64] = []

  init() {}

  init(magnitude: UInt64, negative: Bool = false) {
    if magnitude != 0 {
      limbs = [magnitude]
      self.negative = negative
    }
  }

  /// Words of a two's-complement value, least significant first (the last one's top bit its sign).
  init(twosComplement words: [UInt64]) {
    var words = words
    negative = Int64(bitPattern: words.last ?? 0) < 0
    if negative { Self.negate(&words) }
    limbs = words
    trim()
  }

  /// The value in `count` two's-complement words, or nil when it needs more.
  func twosComplement(words count: Int) -> [UInt64]? {
    guard limbs.count <= count, limbs.count < count || limbs[count - 1] < 1 << 63 else { return nil }
    var words = limbs + repeatElement(0, count: count - limbs.count)
    if negative { Self.negate(&words) }
    return words
  }

  private static func negate(_ words: inout [UInt64]) {
    var carry = true
    for index in words.indices {
      (words[index], carry) = (~words[index]).addingReportingOverflow(carry ? 1 : 0)
    }
  }

  var isZero: Bool { limbs.isEmpty }

  private mutating func trim() {
    while limbs.last == 0 { limbs.removeLast() }
    if limbs.isEmpty { negative = false }
  }

  mutating func multiply(by factor: UInt64) {
    var carry: UInt64 = 0
    for index in limbs.indices {
      let (high, low) = limbs[index].multipliedFullWidth(by: factor)
      let (sum, overflow) = low.addingReportingOverflow(carry)
      limbs[index] = sum
      carry = high &+ (overflow ? 1 : 0)
    }
    if carry != 0 { limbs.append(carry) }
    trim()
  }

  /// Times 10^exponent (19 powers at a time: 10^19 fits in a word).
  mutating func multiply(byPowerOfTen exponent: Int) {
    multiply(byPowersOf: 10, exponent, chunk: 19)
  }

  /// Times 5^exponent (27 powers at a time).
  mutating func multiply(byPowerOfFive exponent: Int) {
    multiply(byPowersOf: 5, exponent, chunk: 27)
  }

  private mutating func multiply(byPowersOf base: UInt64, _ exponent: Int, chunk: Int) {
    var left = exponent
    while left > 0 {
      let step = Swift.min(left, chunk)
      var factor: UInt64 = 1
      for _ in 0..<step { factor *= base }
      multiply(by: factor)
      left -= step
    }
  }

  /// Times 2^bits.
  mutating func shiftLeft(by bits: Int) {
    guard !isZero, bits > 0 else { return }
    let words = bits / 64, shift = UInt64(bits % 64)
    if shift != 0 {
      var carry: UInt64 = 0
      for index in limbs.indices {
        let word = limbs[index]
        limbs[index] = word << shift | carry
        carry = word >> (64 - shift)
      }
      if carry != 0 { limbs.append(carry) }
    }
    limbs.insert(contentsOf: repeatElement(0, count: words), at: 0)
  }

  /// Adds `other`, signs and all.
  mutating func add(_ other: WideInteger) {
    if isZero {
      self = other
      return
    }
    if negative == other.negative {
      var carry = false
      for index in 0..<Swift.max(limbs.count, other.limbs.count) {
        if index == limbs.count { limbs.append(0) }
        let (partial, first) = limbs[index].addingReportingOverflow(index < other.limbs.count ? other.limbs[index] : 0)
        let (sum, second) = partial.addingReportingOverflow(carry ? 1 : 0)
        limbs[index] = sum
        carry = first || second
      }
      if carry { limbs.append(1) }
      return
    }
    // Opposite signs: the smaller magnitude from the larger, with the larger's sign.
    let (larger, smaller) = Self.magnitudeIsLess(limbs, other.limbs) ? (other, self) : (self, other)
    var result = larger.limbs
    var borrow = false
    for index in result.indices {
      let (partial, first) = result[index].subtractingReportingOverflow(index < smaller.limbs.count ? smaller.limbs[index] : 0)
      let (difference, second) = partial.subtractingReportingOverflow(borrow ? 1 : 0)
      result[index] = difference
      borrow = first || second
    }
    limbs = result
    negative = larger.negative
    trim()
  }

  private static func magnitudeIsLess(_ a: [UInt64], _ b: [UInt64]) -> Bool {
    if a.count != b.count { return a.count < b.count }
    for index in a.indices.reversed() where a[index] != b[index] { return a[index] < b[index] }
    return false
  }

  /// Divides the magnitude by `divisor`; returns the remainder.
  mutating func divide(by divisor: UInt64) -> UInt64 {
    var remainder: UInt64 = 0
    for index in limbs.indices.reversed() {
      (limbs[index], remainder) = divisor.dividingFullWidth((remainder, limbs[index]))
    }
    let sign = negative
    trim()
    if !isZero { negative = sign }
    return remainder
  }

  /// `self / (count × 10^scale)` to the nearest Double: the quotient's
  /// digits until `enough(significant digits, digits past its point)`, then
  /// a 1 if any remainder is left, read by strtod (which rounds any number of
  /// digits correctly). The caller's `enough` must reach every midpoint
  /// between two Doubles near the quotient, so none lies between these
  /// digits and the quotient; the last 1 keeps a quotient just past one
  /// from reading as the midpoint itself.
  func nearest(over count: Int, scale: Int, enough: (_ significant: Int, _ fractional: Int) -> Bool) -> Double {
    guard count > 0 else { return .nan }
    var whole = self
    var remainder = UInt128(whole.divide(by: UInt64(count)))
    let divisor = UInt128(count)
    var digits = whole.digits
    var significant = whole.isZero ? 0 : digits.count
    var fractional = 0
    digits.append(UInt8(ascii: "."))
    while remainder != 0 && !enough(significant, fractional) {
      remainder *= 10  // (below 10 × count: no overflow)
      let digit = remainder / divisor
      remainder %= divisor
      digits.append(UInt8(ascii: "0") + UInt8(digit))
      fractional += 1
      if significant > 0 || digit != 0 { significant += 1 }
    }
    digits.append(remainder == 0 ? UInt8(ascii: "0") : UInt8(ascii: "1"))
    let text = (negative ? "-" : "") + String(decoding: digits, as: UTF8.self) + "e-\(scale)"
    return Double(text)!
  }

  /// The magnitude's decimal digits, most significant first.
  var digits: [UInt8] {
    if limbs.count <= 2 {
      return DecimalSum.digits(UInt128(limbs.first ?? 0) | (limbs.count == 2 ? UInt128(limbs[1]) << 64 : 0))
    }
    var rest = self
    var chunks: [UInt64] = []  // 19 digits each, least significant first
    while !rest.isZero { chunks.append(rest.divide(by: 10_000_000_000_000_000_000)) }
    var digits = DecimalSum.digits(UInt128(chunks.removeLast()))
    for chunk in chunks.reversed() {
      let text = DecimalSum.digits(UInt128(chunk))
      digits += repeatElement(UInt8(ascii: "0"), count: 19 - text.count)
      digits += text
    }
    return digits
  }
}
