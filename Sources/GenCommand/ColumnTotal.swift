/// A column's total as `stats` shows it: the exact sum of its plain
/// decimals (``DecimalSum``) and of its other numbers (``ExactSum``, each at
/// its Double's value), rounded once; its mean the exact total over the
/// count, rounded once. Python: `float(total)` and `float(total / count)`
/// for `total = sum(Fraction(Decimal(d)) for d in decimals) +
/// sum(Fraction(float(x)) for x in others)`.
enum ColumnTotal {
  /// The sum cell and the mean of `summary`'s numbers: a column of plain
  /// decimals only shows its decimal sum as it is (`49939517.67`).
  static func sumAndMean(_ summary: ColumnSummary) -> (sum: StatsCell, mean: Double) {
    guard summary.hasOtherNumbers else {
      return (.digits(summary.decimal.shortText), summary.decimal.mean(over: summary.count))
    }
    let binary = summary.sum
    if binary.special != 0 { return (.number(binary.value), binary.value / Double(summary.count)) }
    if summary.decimal.isZero, summary.count <= 1 << 53 {
      let terms = binary.terms
      let nonzero = terms.small.filter { $0 != 0 }
      // One exact term over an exact count: IEEE division rounds once.
      if terms.hugeScaled.isEmpty && nonzero.count <= 1 {
        return (.number(nonzero.first ?? 0), (nonzero.first ?? 0) / Double(summary.count))
      }
    }
    let (total, places) = exact(summary.decimal, plus: binary)
    let sum = Double((total.negative ? "-" : "") + String(decoding: total.digits, as: UTF8.self) + "e-\(places)")!
    // Midpoints between the Doubles near the mean are whole multiples of
    // 2^(e - 53), e its binary exponent: they end 53 - e digits past the
    // point. `sum / count` gives e to within one (two to spare); a mean too
    // small to tell (a sum of 0 or a subnormal) takes all 1075 digits a
    // midpoint can have. So `1e308, 1e308, 0.5` has a mean, though their
    // sum is past the largest Double.
    let estimate = sum / Double(summary.count)
    let digits = estimate.isNormal ? Swift.min(1075, Swift.max(0, 53 - Int(estimate.exponent) + 2)) : estimate.isInfinite ? 0 : 1075
    let mean = total.nearest(over: summary.count, scale: places) { _, fractional in fractional >= digits - places }
    return (.number(sum), mean)
  }

  /// The total as a whole number over `10^places`.
  private static func exact(_ decimal: DecimalSum, plus binary: ExactSum) -> (total: WideInteger, places: Int) {
    // Every binary term is m × 2^e (m a whole number, e from -1074; a huge
    // term's e 100 more): their sum is N / 2^k = N × 5^k / 10^k, with 2^-k
    // the smallest e (or 1). So the total is a decimal with T = max(k,
    // scale) places: this whole number over 10^T.
    let (small, hugeScaled) = binary.terms
    var terms: [(magnitude: UInt64, exponent: Int, negative: Bool)] = []
    for (values, offset) in [(small, 0), (hugeScaled, 100)] {
      for value in values where value != 0 {
        let bits = value.bitPattern
        let field = Int((bits >> 52) & 0x7FF)
        let fraction = bits & 0x000F_FFFF_FFFF_FFFF
        terms.append(
          field == 0
            ? (fraction, -1074 + offset, value < 0) : (fraction | 1 << 52, field - 1075 + offset, value < 0))
      }
    }
    let k = Swift.max(0, -(terms.map(\.exponent).min() ?? 0))
    var binaryPart = WideInteger()
    for term in terms {
      var wide = WideInteger(magnitude: term.magnitude, negative: term.negative)
      wide.shiftLeft(by: term.exponent + k)
      binaryPart.add(wide)
    }
    let places = Swift.max(k, decimal.scale)
    binaryPart.multiply(byPowerOfFive: k)
    binaryPart.multiply(byPowerOfTen: places - k)
    var total = WideInteger(decimal)
    total.multiply(byPowerOfTen: places - decimal.scale)
    total.add(binaryPart)
    return (total, places)
  }
}
