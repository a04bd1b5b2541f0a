/// Tests on eight bytes at once, in a `UInt64` (SWAR), for the scans that ask
/// whether a span holds a byte from a small set: a quote or CR in a CSV row
/// copied as read, a byte a JSON string must escape, a byte from 0x80.
///
/// Each mark function sets the high bit of every byte of the word that may
/// match. A borrow can mark bytes above a true match, never one below it: so
/// whether a word has a match is exact, and so is the lowest mark (the first
/// byte in memory, little-endian), also for marks of several tests or'ed.
@usableFromInline
package enum ByteWords {
  @inlinable @inline(__always)
  package static var ones: UInt64 { 0x0101_0101_0101_0101 }

  @inlinable @inline(__always)
  package static var highs: UInt64 { 0x8080_8080_8080_8080 }

  /// The bytes that equal `byte`.
  @inlinable @inline(__always)
  package static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
    let zeroIfEqual = word ^ (ones &* UInt64(byte))
    return (zeroIfEqual &- ones) & ~zeroIfEqual & highs
  }

  /// The bytes below 0x20 (control characters).
  @inlinable @inline(__always)
  package static func control(_ word: UInt64) -> UInt64 {
    (word &- ones &* 0x20) & ~word & highs
  }

  /// The bytes from 0x80 (not ASCII).
  @inlinable @inline(__always)
  package static func high(_ word: UInt64) -> UInt64 {
    word & highs
  }

  /// Whether some byte of `bytes` is marked: `marks` on eight bytes at a
  /// time, the last eight overlapping the word before (no loop over the
  /// bytes left over); `isMarked` on each byte of a span under eight bytes.
  @inlinable @inline(__always)
  package static func any(
    in bytes: UnsafeRawBufferPointer, marks: (UInt64) -> UInt64, isMarked: (UInt8) -> Bool
  ) -> Bool {
    let n = bytes.count
    guard n >= 8 else {
      for byte in bytes where isMarked(byte) { return true }
      return false
    }
    var found = marks(bytes.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self))
    var index = 0
    while index &+ 8 < n {
      found |= marks(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
      index &+= 8
    }
    return found != 0
  }

  /// Copies `count` bytes eight at a time, reading up to 7 bytes past the
  /// source's end (a reader's padded buffer, a padded block) and writing up
  /// to 7 past the destination's (room the caller reserved): a `memcpy`
  /// call per short field cost more than its copy.
  @inlinable @inline(__always)
  package static func copy(_ source: UnsafeRawPointer, count: Int, to destination: UnsafeMutableRawPointer) {
    var offset = 0
    while offset < count {
      destination.storeBytes(
        of: source.loadUnaligned(fromByteOffset: offset, as: UInt64.self), toByteOffset: offset, as: UInt64.self)
      offset &+= 8
    }
  }
}
