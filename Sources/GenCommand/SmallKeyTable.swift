/// Slots by a 64-bit key (``StatsSlots/smallKey(inBuffer:)``: a group value of up
/// to 7 bytes), in one open-addressed table: a multiply and a shift per
/// look-up where a `Dictionary` spent 13% of `stats`' time hashing with
/// SipHash (its seeded hashing guards against chosen keys; these keys are
/// short, and a chosen set of them can make look-ups slow, never wrong).
struct SmallKeyTable {
  private var keys: [UInt64]
  private var slots: [Int]  // -1: empty
  private var mask: Int
  private(set) var count = 0

  init() {
    keys = Array(repeating: 0, count: 16)
    slots = Array(repeating: -1, count: 16)
    mask = 15
  }

  @inline(__always)
  private func home(_ key: UInt64) -> Int {
    // (Fibonacci hashing: the high bits of key × 2^64/φ.)
    Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) &>> 32) & mask
  }

  /// The slot stored for `key`, if any.
  @inline(__always)
  subscript(key: UInt64) -> Int? {
    var index = home(key)
    while true {
      let slot = slots[index]
      if slot < 0 { return nil }
      if keys[index] == key { return slot }
      index = (index &+ 1) & mask
    }
  }

  /// Stores `slot` for `key`, which is not in the table.
  mutating func insert(_ key: UInt64, slot: Int) {
    if (count + 1) * 2 > slots.count { grow() }
    var index = home(key)
    while slots[index] >= 0 { index = (index &+ 1) & mask }
    keys[index] = key
    slots[index] = slot
    count += 1
  }

  private mutating func grow() {
    let old = (keys, slots)
    keys = Array(repeating: 0, count: old.1.count * 2)
    slots = Array(repeating: -1, count: old.1.count * 2)
    mask = slots.count - 1
    count = 0
    for (key, slot) in zip(old.0, old.1) where slot >= 0 { insert(key, slot: slot) }
  }

  mutating func removeAll() {
    for index in slots.indices { slots[index] = -1 }
    count = 0
  }
}
