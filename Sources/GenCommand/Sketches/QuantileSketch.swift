import Foundation

/// Approximate quantiles (median, p90, p99) of a column: a DDSketch (Masson,
/// Rim and Lee, VLDB 2019). Each number is counted in a bucket of values
/// that differ by at most 1%, so a quantile read back is within 1% of the
/// true value at its rank (relative error, not rank error), for every
/// number from 1e-300 to the largest Double in magnitude; ±infinity are
/// counted apart and read back exactly, and magnitudes below 1e-300 as 0.
///
/// Buckets are counts by index, kept only when used (a few hundred for most
/// columns: one per 2% step of magnitude the data covers; at most about
/// 35,000 per sign, over the whole range of Double). Sketches merge by adding
/// counts, so the same numbers give the same sketch in any order, split
/// across threads or partitions (byte-identical tables for `--threads` and
/// `--merge`).
///
/// Python: `statistics.quantiles` on all the values, which holds them all in memory.
struct QuantileSketch {
  static let relativeAccuracy = 0.01
  static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
  static let logGamma = Foundation.log(gamma)

  /// Counts of positive values by bucket index.
  private(set) var positive: [Int: Int] = [:]
  /// Counts of negative values by the bucket index of their magnitude.
  private(set) var negative: [Int: Int] = [:]
  private(set) var zeros = 0
  private(set) var positiveInfinities = 0
  private(set) var negativeInfinities = 0
  private(set) var count = 0

  /// The bucket of a magnitude `x` > 0: values in (γ^(i-1), γ^i].
  @inline(__always)
  static func bucket(_ x: Double) -> Int {
    Int((Foundation.log(x) / logGamma).rounded(.up))
  }

  /// The value a bucket stands for: within `relativeAccuracy` of all it holds.
  static func value(ofBucket index: Int) -> Double {
    2 * Foundation.pow(gamma, Double(index)) / (gamma + 1)
  }

  /// Adds a number; NaN is not counted (it has no rank).
  @inline(__always)
  mutating func add(_ x: Double) {
    guard !x.isNaN else { return }
    count += 1
    if x.isInfinite {
      if x > 0 { positiveInfinities += 1 } else { negativeInfinities += 1 }
      return
    }
    let magnitude = Swift.abs(x)
    if magnitude < 1e-300 {
      zeros += 1
      return
    }
    if x > 0 { positive[Self.bucket(magnitude), default: 0] += 1 } else { negative[Self.bucket(magnitude), default: 0] += 1 }
  }

  mutating func merge(_ other: QuantileSketch) {
    positive.merge(other.positive, uniquingKeysWith: +)
    negative.merge(other.negative, uniquingKeysWith: +)
    zeros += other.zeros
    positiveInfinities += other.positiveInfinities
    negativeInfinities += other.negativeInfinities
    count += other.count
  }

  /// The rank of percentile `percent` (0…100) among `count` sorted numbers:
  /// ⌊percent·(n−1)/100⌋, worked out so that 29·100/100 is 29, not 28.
  static func rank(percent: Double, count: Int) -> Int {
    let exact = percent * Double(count - 1) / 100
    let rounded = exact.rounded()
    // (Within a part in 10^12 of a whole number: that number.)
    if Swift.abs(exact - rounded) <= 1e-12 * Swift.max(1, rounded) { return Int(rounded) }
    return Int(exact.rounded(.down))
  }

  /// The value at rank ⌊percent·(n−1)/100⌋ of the sorted numbers, within 1%; nil when empty.
  /// `nans` NaNs, not in the sketch, rank above +inf (as DuckDB and polars sort them).
  func quantile(percent: Double, nans: Int = 0) -> Double? {
    guard count + nans > 0 else { return nil }
    let rank = Self.rank(percent: percent, count: count + nans)
    if rank >= count { return .nan }
    var seen = negativeInfinities
    if seen > rank { return -.infinity }
    // Negative values, most negative (largest magnitude) first.
    for index in negative.keys.sorted(by: >) {
      seen += negative[index]!
      if seen > rank { return -Self.value(ofBucket: index) }
    }
    seen += zeros
    if seen > rank { return 0 }
    for index in positive.keys.sorted() {
      seen += positive[index]!
      if seen > rank { return Self.value(ofBucket: index) }
    }
    return .infinity  // the rest are +infinity
  }

  /// For partials: `[zeros, [[index, count]…], [[index, count]…], +inf, -inf]`, by index.
  var serialized: String {
    func buckets(_ store: [Int: Int]) -> String {
      "[" + store.keys.sorted().map { "[\($0),\(store[$0]!)]" }.joined(separator: ",") + "]"
    }
    return "[\(zeros),\(buckets(positive)),\(buckets(negative)),\(positiveInfinities),\(negativeInfinities)]"
  }

  init() {}

  init(zeros: Int, positive: [Int: Int], negative: [Int: Int], positiveInfinities: Int, negativeInfinities: Int) {
    self.zeros = zeros
    self.positive = positive
    self.negative = negative
    self.positiveInfinities = positiveInfinities
    self.negativeInfinities = negativeInfinities
    count = zeros + positive.values.reduce(0, +) + negative.values.reduce(0, +) + positiveInfinities + negativeInfinities
  }
}
