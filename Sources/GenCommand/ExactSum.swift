/// A sum of doubles that does not depend on the order of its terms: the
/// exact sum is kept as non-overlapping partials (Shewchuk's algorithm) and
/// rounded once, correctly, when read. Python: `math.fsum`.
///
/// So `gen stats` over one file and `gen stats --merge` over partials of it,
/// split anywhere, give the same bits. Running sums beyond ±1.8e308 stay
/// exact (huge terms are kept scaled); a total beyond it reads as ±inf.
/// Non-finite terms are summed apart: any nan, or +inf with -inf, makes nan.
struct ExactSum {
  /// The terms that are whole multiples of 2^-64 under 2^73 (prices, counts,
  /// most data), in fixed point: one 128-bit addition each.
  private var fixed: Int128 = 0
  /// The other finite terms under 2^970, as Shewchuk's partials. Under 2^970,
  /// no running sum of fewer than 2^53 terms can overflow.
  private var small = ShewchukSum()
  /// The terms from 2^970 up, scaled by 2^-100 (exactly), so that their
  /// running sums cannot overflow either: a sum past ±1.8e308 stays exact and
  /// becomes ±inf only when read, whatever the order or the split.
  private var huge = ShewchukSum()
  /// The sum of the non-finite terms; 0 if none.
  private(set) var special = 0.0

  static let hugeScale = 0x1p-100
  static let hugeFrom = 0x1p970

  @inline(__always)
  mutating func add(_ value: Double) {
    // value = ±significand × 2^(exponent − 1075): in units of 2^-64, shifted by exponent − 1011.
    // (Its bitPattern, loaded: that getter was left as a call into the standard library here.)
    let bits = withUnsafeBytes(of: value) { $0.load(as: UInt64.self) }
    let exponent = Int(truncatingIfNeeded: (bits &>> 52) & 0x7FF)
    let shift = exponent &- 1011
    guard exponent != 0 && exponent != 0x7FF && shift >= 0 && shift <= 73 else { return addSlowly(value) }
    // (The significand, under 2^53, shifted by 0...73 as two 64-bit words:
    // Int128's generic conversion and shift were left as calls in the
    // verbs' long row loops.)
    let significand = (bits & 0x000F_FFFF_FFFF_FFFF) | 0x0010_0000_0000_0000
    let low = shift < 64 ? significand &<< UInt64(truncatingIfNeeded: shift) : 0
    let high =
      shift == 0 ? 0
      : shift < 64 ? significand &>> UInt64(truncatingIfNeeded: 64 &- shift)
      : significand &<< UInt64(truncatingIfNeeded: shift &- 64)
    let magnitude = Int128(_low: low, _high: Int64(bitPattern: high))
    let term = bits &>> 63 == 0 ? magnitude : 0 &- magnitude
    let (sum, overflow) = fixed.addingReportingOverflow(term)
    if overflow {
      flushFixed()
      fixed = term
    } else {
      fixed = sum
    }
  }

  @inline(never)
  private mutating func addSlowly(_ value: Double) {
    if value == 0 { return }
    if !value.isFinite {
      special += value
    } else if abs(value) >= Self.hugeFrom {
      huge.add(value * Self.hugeScale)
    } else {
      small.add(value)
    }
  }

  /// Moves the fixed-point total into the small partials, exactly, in 32-bit pieces.
  @inline(never)
  private mutating func flushFixed() {
    guard fixed != 0 else { return }
    let negative = fixed < 0
    var magnitude = fixed.magnitude
    fixed = 0
    var scale = 0x1p-64
    while magnitude != 0 {
      let piece = Double(UInt32(truncatingIfNeeded: magnitude)) * scale
      small.add(negative ? -piece : piece)
      magnitude >>= 32
      scale *= 0x1p32
    }
  }

  /// What a partial stores: non-overlapping doubles whose exact sum is the
  /// total of the terms under 2^970, and the same for the terms from 2^970 up,
  /// scaled by 2^-100.
  var terms: (small: ArraySlice<Double>, hugeScaled: ArraySlice<Double>) {
    var all = self
    all.flushFixed()
    return (all.small.terms, all.huge.terms)
  }

  /// Adds a partial's terms (see ``terms``).
  mutating func add(terms small: [Double], hugeScaled: [Double]) {
    for term in small { addSlowly(term) }  // (a term ≥ 2^970 here came from an older writer: still exact)
    for term in hugeScaled where term != 0 { huge.add(term) }
  }

  /// Adds another sum's terms: exact, so merging partitions in any order
  /// gives the one-pass result.
  mutating func add(_ other: ExactSum) {
    let (small, hugeScaled) = other.terms
    add(terms: Array(small), hugeScaled: Array(hugeScaled))
    if other.special != 0 { special += other.special }
  }

  /// The exact sum, correctly rounded (ties to even), as CPython's `math.fsum`;
  /// ±inf when it is beyond ±1.8e308 (where `math.fsum` raises OverflowError).
  var value: Double {
    if special != 0 { return special }  // (nan != 0 too)
    var all = self
    all.flushFixed()
    guard !all.huge.isEmpty else { return all.small.value }
    // Round in the scaled domain: the small terms shrink exactly, except bits
    // below 2^-974 that lie far below the huge part's last bit (≥ 2^818
    // scaled), where they could only break an exact tie.
    var combined = all.huge
    for term in all.small.terms { combined.add(term * Self.hugeScale) }
    return combined.value / Self.hugeScale
  }
}

/// Shewchuk's exact sum of doubles: non-overlapping partials in increasing
/// magnitude, rounded once when read. (The caller keeps the running sums
/// from overflowing; see ``ExactSum``.)
struct ShewchukSum {
  /// `storage[..<count]` are the partials; the rest is spare.
  private var storage: [Double] = []
  private var count = 0

  var isEmpty: Bool { count == 0 }
  var terms: ArraySlice<Double> { storage[..<count] }

  /// The partials absorb `value` (finite) exactly.
  mutating func add(_ value: Double) {
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
    if x != 0 {
      if kept == storage.count { storage.append(x) } else { storage[kept] = x }
      kept += 1
    }
    count = kept
  }

  /// The exact sum, correctly rounded (ties to even).
  var value: Double {
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

extension ExactSum {
  /// For `stats`' spill files (``StatsRunFile``): the state as it is, so that
  /// what is read back adds up to the same bits as what was written.
  func write(to out: inout SpillWriter) {
    out.int128(fixed)
    out.double(special)
    out.doubles(small.terms)
    out.doubles(huge.terms)
  }

  /// Reads back what ``write(to:)`` wrote.
  init(from input: inout SpillReader) throws(GenFailure) {
    fixed = try input.int128()
    special = try input.double()
    small = ShewchukSum(partials: try input.doubles())
    huge = ShewchukSum(partials: try input.doubles())
  }
}

extension ShewchukSum {
  /// Partials as ``terms`` gave them.
  init(partials: [Double]) {
    storage = partials
    count = partials.count
  }
}
