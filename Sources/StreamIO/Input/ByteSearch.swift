#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finding a byte in a buffer, tuned for the short distances between line
/// ends and delimiters: calling `memchr` for every 30-byte line cost more than
/// the search. The first 64 bytes are checked eight at a time in registers
/// (SWAR); longer stretches go to `memchr`, which is vectorized. The CSV
/// parser uses the same SWAR test (``zeroBytes(_:)``) inline, for four bytes at once.
@usableFromInline
enum ByteSearch {
  /// The offset of the first `byte` in `base[from..<end]`, or nil.
  @inlinable @inline(__always)
  static func first(_ byte: UInt8, in base: UnsafeRawPointer, from: Int, to end: Int) -> Int? {
    #if _endian(little)
    let pattern = UInt64(byte) &* 0x0101_0101_0101_0101
    var i = from
    let swarEnd = Swift.min(end, from &+ 64)
    while i &+ 8 <= swarEnd {
      let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ pattern
      // A zero byte in `word` is a match; the lowest flagged byte is exact
      // (borrows only ever flag bytes above a true zero).
      let flags = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
      if flags != 0 { return i &+ flags.trailingZeroBitCount &>> 3 }
      i &+= 8
    }
    if i < end, let found = memchr(base + i, Int32(byte), end - i) {
      return UnsafeRawPointer(found) - base
    }
    return nil
    #else
    guard from < end, let found = memchr(base + from, Int32(byte), end - from) else { return nil }
    return UnsafeRawPointer(found) - base
    #endif
  }

  /// High bit set in each byte of `word` that may be zero; the lowest set one is exact.
  @inlinable @inline(__always)
  static func zeroBytes(_ word: UInt64) -> UInt64 {
    (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
  }

  /// How many times `byte` occurs in `base[from..<end]`.
  @inlinable
  static func count(_ byte: UInt8, in base: UnsafeRawPointer, from: Int, to end: Int) -> Int {
    var count = 0
    var i = from
    while let found = first(byte, in: base, from: i, to: end) {
      count &+= 1
      i = found &+ 1
    }
    return count
  }
}
