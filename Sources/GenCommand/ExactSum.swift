/// A sum of doubles that does not depend on the order of its terms: the
/// exact sum is kept as non-overlapping partials (Shewchuk's algorithm) and
/// rounded once, correctly, when read. Python: `math.fsum`.
///
/// So `gen stats` over one file and `gen stats --merge` over partials of it,
/// split anywhere, give the same bits. Exact while the running sum stays
/// within ±1.8e308; past that it is ±inf. Non-finite terms are summed
/// apart: any nan, or +inf with -inf, makes nan.
struct ExactSum {
  /// The terms that are whole multiples of 2^-64 under 2^73 (prices, counts,
  /// most data), in fixed point: one 128-bit addition each.
  private var fixed: Int128 = 0
  /// The other terms: non-zero, non-overlapping partials in increasing
  /// magnitude; `storage[count...]` is spare.
  private var storage: [Double] = []
  private var count = 0
  /// The sum of the non-finite terms (and of an overflowed running sum); 0 if none.
  private(set) var special = 0.0

  @inline(__always)
  mutating func add(_ value: Double) {
    // value = ±significand × 2^(exponent − 1075): in units of 2^-64, shifted by exponent − 1011.
    let bits = value.bitPattern
    let exponent = Int(truncatingIfNeeded: (bits &>> 52) & 0x7FF)
    let shift = exponent &- 1011
    guard exponent != 0 && exponent != 0x7FF && shift >= 0 && shift <= 73 else { return addPartial(value) }
    let magnitude = Int128(truncatingIfNeeded: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x0010_0000_0000_0000) &<< shift
    let term = bits &>> 63 == 0 ? magnitude : 0 &- magnitude
    let (sum, overflow) = fixed.addingReportingOverflow(term)
    if overflow {
      flushFixed()
      fixed = term
    } else {
      fixed = sum
    }
  }

  /// Moves the fixed-point total into the partials, exactly, in 32-bit pieces.
  @inline(never)
  private mutating func flushFixed() {
    guard fixed != 0 else { return }
    let negative = fixed < 0
    var magnitude = fixed.magnitude
    fixed = 0
    var scale = 0x1p-64
    while magnitude != 0 {
      let piece = Double(UInt32(truncatingIfNeeded: magnitude)) * scale
      addPartial(negative ? -piece : piece)
      magnitude >>= 32
      scale *= 0x1p32
    }
  }

  /// Shewchuk's step: the partials absorb `value` exactly.
  @inline(never)
  private mutating func addPartial(_ value: Double) {
    if value == 0 { return }
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

  /// Non-overlapping doubles in increasing magnitude whose exact sum is the
  /// finite total: what a partial stores.
  var partials: ArraySlice<Double> {
    var all = self
    all.flushFixed()
    return all.storage[..<all.count]
  }

  /// Adds another sum's terms: exact, so merging partitions in any order
  /// gives the one-pass result.
  mutating func add(_ other: ExactSum) {
    for partial in other.partials { add(partial) }
    if other.special != 0 { special += other.special }
  }

  /// The exact sum, correctly rounded (ties to even); as CPython's `math.fsum`.
  var value: Double {
    if special != 0 { return special }  // (nan != 0 too)
    var all = self
    all.flushFixed()
    let storage = all.storage
    var n = all.count
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
