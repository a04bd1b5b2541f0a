import CStreamIOSupport

/// Where bytes of interest are in the next 64 bytes, as one bit per byte:
/// the readers scan 64 bytes with a few vector instructions (SSE2 or NEON,
/// in `CStreamIOSupport`), then visit each set bit with `trailingZeroBitCount`.
/// Testing eight bytes at a time in registers cost about twice as much for
/// 30-byte lines and 4-field CSV rows.
@usableFromInline
enum ByteMasks {
  /// Bit i set when `base[offset + i] == byte`, for the `count` bytes
  /// there (at most 64; the buffer's padding makes the full 64 readable).
  @inlinable @inline(__always)
  static func equal(_ byte: UInt8, in base: UnsafeRawPointer, at offset: Int, count: Int) -> UInt64 {
    cbs_mask_equal(base + offset, byte) & lowBits(count)
  }

  /// Bit i set when `base[offset + i]` is one of the four bytes, for the
  /// `count` bytes there (at most 64).
  @inlinable @inline(__always)
  static func any(
    _ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, in base: UnsafeRawPointer, at offset: Int, count: Int
  ) -> UInt64 {
    cbs_mask_any4(base + offset, a, b, c, d) & lowBits(count)
  }

  /// For CSV: where the delimiters, the LFs, and the quotes and CRs (which
  /// need the careful path) are among the `count` bytes at `offset` (at most 64).
  @inlinable @inline(__always)
  static func csv(
    delimiter: UInt8, quote: UInt8, in base: UnsafeRawPointer, at offset: Int, count: Int
  ) -> (delimiters: UInt64, newlines: UInt64, special: UInt64) {
    var delimiters: UInt64 = 0, newlines: UInt64 = 0, special: UInt64 = 0
    cbs_masks_csv(base + offset, delimiter, quote, &delimiters, &newlines, &special)
    let valid = lowBits(count)
    return (delimiters & valid, newlines & valid, special & valid)
  }

  /// Whether any of `bytes` is a control byte, a byte from 0x80 or a
  /// backslash: JSON that has none is plain ASCII, its strings without
  /// escapes. Needs no padding: 64 bytes at a time, then eight at a time,
  /// the last eight overlapping (copying the rest to a block of 64 stalled
  /// each load on the copy's stores).
  @inlinable @inline(__always)
  static func hasJSONAttention(_ bytes: UnsafeRawBufferPointer) -> Bool {
    let base = bytes.baseAddress!, count = bytes.count
    var offset = 0
    var found: UInt64 = 0
    while count &- offset >= 64 {
      found |= cbs_mask_json_attention(base + offset)
      offset &+= 64
    }
    guard found == 0, offset < count else { return found != 0 }
    // The rest, at least eight bytes when there are (checking some twice is harmless).
    let rest = UnsafeRawBufferPointer(rebasing: bytes[Swift.max(0, Swift.min(offset, count &- 8))...])
    return ByteWords.any(
      in: rest, marks: { ByteWords.control($0) | ByteWords.high($0) | ByteWords.equal($0, 0x5C) },
      isMarked: { $0 < 0x20 || $0 >= 0x80 || $0 == 0x5C })
  }

  /// The bits for the first `count` bytes (all 64 for 64 or more).
  @inlinable @inline(__always)
  static func lowBits(_ count: Int) -> UInt64 {
    count >= 64 ? ~0 : (1 &<< UInt64(truncatingIfNeeded: count)) &- 1
  }
}

/// A reader's position in a scan for some bytes (line breaks; or delimiters,
/// quotes and line breaks): the bytes before `scanned` are scanned, and the
/// found ones not yet visited are the bits of `bits`, bit i standing for
/// offset `bitsBase + i`. A value type, so a parser can keep it in registers.
@usableFromInline
struct ByteScan {
  @usableFromInline
  var bits: UInt64 = 0
  @usableFromInline
  var bitsBase = 0
  @usableFromInline
  var scanned = 0

  @inlinable
  init() {}

  /// The offset of the next found byte before `end`, or nil once all of
  /// `[scanned, end)` is scanned and visited. `mask(offset, count)` gives
  /// the bits for `count` bytes (at most 64 of them count) at `offset`.
  @inlinable @inline(__always)
  mutating func next(before end: Int, mask: (_ offset: Int, _ count: Int) -> UInt64) -> Int? {
    while bits == 0 {
      let available = end &- scanned
      guard available > 0 else { return nil }
      bitsBase = scanned
      bits = mask(scanned, available)
      scanned &+= Swift.min(available, 64)
    }
    let offset = bitsBase &+ bits.trailingZeroBitCount
    bits &= bits &- 1
    return offset
  }

  /// Drops what was found before `offset` (which is at or past `bitsBase`).
  @inlinable @inline(__always)
  mutating func skip(to offset: Int) {
    if offset >= scanned {
      bits = 0
      scanned = offset
    } else {
      bits &= ~0 &<< UInt64(truncatingIfNeeded: offset &- bitsBase)
    }
  }

  /// Starts afresh at `offset`: nothing before it is looked at again.
  @inlinable @inline(__always)
  mutating func restart(at offset: Int) {
    bits = 0
    scanned = offset
  }

  /// The buffer's bytes moved `count` bytes down (compaction before a read).
  @inlinable @inline(__always)
  mutating func moveDown(by count: Int) {
    bitsBase &-= count
    scanned &-= count
  }
}
