/// The one buffer a reader reads into: bytes `[start, end)` are read but not
/// yet consumed. It starts at the reader's buffer size and grows (doubling)
/// only when a single line or record does not fit, never past `limit`.
/// Past its capacity it keeps ``padding`` zeroed bytes, so a 64-byte mask
/// (``ByteMasks``) may be taken at any offset below `end`.
@usableFromInline
struct ReadBuffer {
  /// Readable bytes after the capacity, never read into.
  @usableFromInline
  static var padding: Int { 64 }

  @usableFromInline
  var storage: UnsafeMutableRawBufferPointer
  @usableFromInline
  var start = 0
  @usableFromInline
  var end = 0
  /// Bytes dropped from the front by compaction: `discarded + i` is the
  /// offset in the whole input of `storage[i]`.
  @usableFromInline
  var discarded = 0
  @usableFromInline
  let limit: Int

  init(capacity: Int, limit: Int) {
    precondition(capacity > 0, "buffer size must be positive, got \(capacity)")
    precondition(limit >= capacity, "limit \(limit) is below the buffer size \(capacity)")
    storage = Self.allocate(capacity)
    self.limit = limit
  }

  /// `capacity` bytes plus the padding, all zeroed (so masks never read uninitialized memory).
  static func allocate(_ capacity: Int) -> UnsafeMutableRawBufferPointer {
    let memory = UnsafeMutableRawPointer.allocate(byteCount: capacity + padding, alignment: 64)
    memory.initializeMemory(as: UInt8.self, repeating: 0, count: capacity + padding)
    return UnsafeMutableRawBufferPointer(start: memory, count: capacity)
  }

  func deallocate() { storage.deallocate() }

  @inlinable
  var base: UnsafeMutableRawPointer { storage.baseAddress.unsafelyUnwrapped }

  @inlinable
  var unconsumed: Int { end - start }

  /// Moves the unconsumed bytes to the front, grows if they fill the buffer,
  /// and reads more. Returns the number of bytes read: 0 at end of input, or
  /// -1 when the unconsumed bytes already fill `limit` (the caller's item is too long).
  @usableFromInline
  mutating func refill(from source: ByteSource) throws(StreamIOError) -> Int {
    if start > 0 {
      let count = end - start
      if count > 0 { base.copyMemory(from: base + start, byteCount: count) }
      discarded += start
      start = 0
      end = count
    }
    if end == storage.count {
      guard storage.count < limit else { return -1 }
      let grown = Self.allocate(min(storage.count * 2, limit))
      grown.baseAddress!.copyMemory(from: base, byteCount: end)
      storage.deallocate()
      storage = grown
    }
    let count = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[end...]))
    end += count
    return count
  }
}
