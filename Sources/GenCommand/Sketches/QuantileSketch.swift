import Foundation

/// Approximate quantiles (median, p90, p99) of a column in constant memory:
/// a DDSketch (Masson, Rim and Lee, VLDB 2019). Each number is counted in a
/// bucket of values that differ by at most 1%, so a quantile read back is
/// within 1% of the true value at its rank (relative error, not rank error).
///
/// Buckets are counts, so sketches merge by adding counts: the same numbers
/// give the same sketch in any order, split across threads or partitions
/// (byte-identical tables for `--threads` and `--merge`). At most
/// ``maxBuckets`` buckets are kept per sign; past that (values spanning more
/// than 17 orders of magnitude) the smallest magnitudes are merged into one
/// bucket, and only they lose the 1% bound.
///
/// Python: `statistics.quantiles` on all the values, which holds them all in memory.
struct QuantileSketch {
  static let relativeAccuracy = 0.01
  static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
  static let logGamma = Foundation.log(gamma)
  static let maxBuckets = 2048

  /// Counts of positive values by bucket index, from `positiveOffset`.
  private(set) var positive = BucketStore()
  /// Counts of negative values by the bucket index of their magnitude.
  private(set) var negative = BucketStore()
  private(set) var zeros = 0
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

  /// Adds a number; NaN is not counted (it has no rank), ±infinity and
  /// magnitudes below 1e-300 go to the end buckets.
  @inline(__always)
  mutating func add(_ x: Double) {
    guard !x.isNaN else { return }
    count += 1
    let magnitude = Swift.abs(x)
    if magnitude < 1e-300 {
      zeros += 1
      return
    }
    let index = magnitude.isFinite ? Self.bucket(magnitude) : Self.bucket(Double.greatestFiniteMagnitude)
    if x > 0 { positive.add(index, 1) } else { negative.add(index, 1) }
  }

  mutating func merge(_ other: QuantileSketch) {
    positive.merge(other.positive)
    negative.merge(other.negative)
    zeros += other.zeros
    count += other.count
  }

  /// The value at rank ⌊q·(n−1)⌋ of the sorted numbers, within 1%; nil when empty.
  func quantile(_ q: Double) -> Double? {
    guard count > 0 else { return nil }
    let rank = Int((q * Double(count - 1)).rounded(.down))
    var seen = 0
    // Negative values, most negative (largest magnitude) first.
    for (index, bucketCount) in negative.descending {
      seen += bucketCount
      if seen > rank { return -Self.value(ofBucket: index) }
    }
    seen += zeros
    if seen > rank { return 0 }
    for (index, bucketCount) in positive.ascending {
      seen += bucketCount
      if seen > rank { return Self.value(ofBucket: index) }
    }
    return nil  // unreachable: the counts add up to `count`
  }

  /// For partials: `[zeros, [positive offset, counts…], [negative offset, counts…]]`.
  var serialized: String {
    "[\(zeros),\(positive.serialized),\(negative.serialized)]"
  }

  init() {}

  init(zeros: Int, positive: BucketStore, negative: BucketStore) {
    self.zeros = zeros
    self.positive = positive
    self.negative = negative
    count = zeros + positive.total + negative.total
  }
}

/// Bucket counts in one array from the lowest index used; past
/// ``QuantileSketch/maxBuckets`` the lowest are merged into one.
struct BucketStore {
  private(set) var offset = 0
  private(set) var counts: [Int] = []
  /// The lowest index kept apart; lower ones are counted in it.
  private var floor = Int.min

  var total: Int { counts.reduce(0, +) }

  init() {}

  init(offset: Int, counts: [Int]) {
    for (position, count) in counts.enumerated() where count > 0 { add(offset + position, count) }
  }

  @inline(__always)
  mutating func add(_ index: Int, _ count: Int) {
    let index = Swift.max(index, floor)
    if counts.isEmpty {
      offset = index
      counts = [count]
      return
    }
    if index < offset {
      counts.insert(contentsOf: repeatElement(0, count: offset - index), at: 0)
      offset = index
    } else if index >= offset + counts.count {
      counts.append(contentsOf: repeatElement(0, count: index - offset - counts.count + 1))
    }
    counts[index - offset] += count
    if counts.count > QuantileSketch.maxBuckets { collapseLowest() }
  }

  /// Keeps the highest `maxBuckets` indices apart (order-independent: the
  /// result depends only on the highest index ever added).
  private mutating func collapseLowest() {
    let excess = counts.count - QuantileSketch.maxBuckets
    let merged = counts[..<(excess + 1)].reduce(0, +)
    counts.removeFirst(excess)
    counts[0] = merged
    offset += excess
    floor = offset
  }

  mutating func merge(_ other: BucketStore) {
    for (position, count) in other.counts.enumerated() where count > 0 { add(other.offset + position, count) }
  }

  var ascending: some Sequence<(Int, Int)> {
    counts.enumerated().lazy.filter { $0.element > 0 }.map { (offset + $0.offset, $0.element) }
  }

  var descending: some Sequence<(Int, Int)> {
    counts.enumerated().reversed().lazy.filter { $0.element > 0 }.map { (offset + $0.offset, $0.element) }
  }

  var serialized: String {
    "[\(offset)" + counts.map { ",\($0)" }.joined() + "]"
  }
}
