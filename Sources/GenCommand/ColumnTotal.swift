/// A column's total as `stats` shows it: the exact sum of its plain
/// decimals (``DecimalSum``) and of its other numbers (``ExactSum``, each at
/// its Double's value), rounded once. Python: `float(sum(Fraction(Decimal(d))
/// for d in decimals) + sum(Fraction(float(x)) for x in others))`.
enum ColumnTotal {
  /// The sum cell and the mean of `summary`'s numbers: a column of plain
  /// decimals only shows its decimal sum as it is (`49939517.67`).
  static func sumAndMean(_ summary: ColumnSummary) -> (sum: StatsCell, mean: Double) {
    guard summary.hasOtherNumbers else {
      return (.digits(summary.decimal.shortText), summary.decimal.mean(over: summary.count))
    }
    let sum = nearest(summary.decimal, plus: summary.sum)
    return (.number(sum), sum / Double(summary.count))
  }

  /// The Double nearest `decimal + binary` (ties to even); ±inf past the
  /// largest Double; nan or ±inf when `binary` has such terms.
  static func nearest(_ decimal: DecimalSum, plus binary: ExactSum) -> Double {
    if decimal.isZero || binary.special != 0 { return binary.value }
    // Every binary term is m × 2^e (m a whole number, e from -1074; a huge
    // term's e 100 more): their sum is N / 2^k = N × 5^k / 10^k, with 2^-k
    // the smallest e (or 1). So the total is a decimal with T = max(k,
    // scale) places: this whole number over 10^T, read by strtod, which
    // rounds any number of digits correctly.
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
    let text = (total.negative ? "-" : "") + String(decoding: total.digits, as: UTF8.self) + "e-\(places)"
    return Double(text)!
  }
}
