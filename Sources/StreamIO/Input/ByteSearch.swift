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
/// (SWAR, ``ByteWords``); longer stretches go to `memchr`, which is vectorized.
@usableFromInline
enum ByteSearch {
  /// The offset of the first `byte` in `base[from..<end]`, or nil.
  @inlinable @inline(__always)
  static func first(_ byte: UInt8, in base: UnsafeRawPointer, from: Int, to end: Int) -> Int? {
    #if _endian(little)
    var i = from
    let swarEnd = Swift.min(end, from &+ 64)
    while i &+ 8 <= swarEnd {
      let flags = ByteWords.equal(base.loadUnaligned(fromByteOffset: i, as: UInt64.self), byte)
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
