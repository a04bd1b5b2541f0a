/// A sum of doubles that does not depend on the order of its terms: the
/// exact sum is kept as non-overlapping partials (Shewchuk's algorithm) and
/// rounded once, correctly, when read. Python: `math.fsum`.
///
/// So `gen stats` over one file and `gen stats --merge` over partials of it,
/// split anywhere, give the same bits. Exact while the running sum stays
/// within ±1.8e308; past that it is ±inf. Non-finite terms are summed
/// apart: any nan, or +inf with -inf, makes nan.
struct ExactSum {
  /// Non-zero, non-overlapping, in increasing magnitude; `storage[count...]` is spare.
  private var storage: [Double] = []
  private var count = 0
  /// The sum of the non-finite terms (and of an overflowed running sum); 0 if none.
  private(set) var special = 0.0

  /// The partials whose exact sum is the finite total.
  var partials: ArraySlice<Double> { storage[..<count] }

  mutating func add(_ value: Double) {
    guard value.isFinite else {
      special += value
      return
    }
    var x = value
    var kept = 0
    let n = count
    storage.withUnsafeMutableBufferPointer { p in
      for j in 0..<n {
        var y = p[j]
        if abs(x) < abs(y) { swap(&x, &y) }
        let hi = x + y
        let lo = y - (hi - x)  // exact: hi + lo == x + y
        if lo != 0 {
          p[kept] = lo
          kept += 1
        }
        x = hi
      }
    }
    if !x.isFinite {  // the running sum overflowed
      special += x
    } else if x != 0 {
      if kept == storage.count { storage.append(x) } else { storage[kept] = x }
      kept += 1
    }
    count = kept
  }

  /// Adds another sum's terms: exact, so merging partitions in any order
  /// gives the one-pass result.
  mutating func add(_ other: ExactSum) {
    for partial in other.partials { add(partial) }
    if other.special != 0 { special += other.special }
  }

  /// The exact sum, correctly rounded (ties to even); as CPython's `math.fsum`.
  var value: Double {
    if special != 0 || special.isNaN { return special }
    var n = count
    guard n > 0 else { return 0 }
    n -= 1
    var hi = storage[n]
    var lo = 0.0
    while n > 0 {  // add from the top while the sum stays exact
      let x = hi
      n -= 1
      let y = storage[n]
      hi = x + y
      lo = y - (hi - x)
      if lo != 0 { break }
    }
    // Half-way between two doubles, the partials below decide which way.
    if n > 0 && ((lo < 0 && storage[n - 1] < 0) || (lo > 0 && storage[n - 1] > 0)) {
      let y = lo * 2
      let x = hi + y
      if y == x - hi { hi = x }
    }
    return hi
  }
}
