/// Where a reader reads: bytes `[start, end)` of the current ``ReadSegment``
/// are read but not yet consumed. The segment starts at the reader's buffer
/// size and grows (doubling) only when a single line or record does not fit,
/// never past `limit`.
@usableFromInline
struct ReadBuffer {
  /// Readable bytes after the capacity, never read into.
  @usableFromInline
  static var padding: Int { 64 }

  @usableFromInline
  var segment: ReadSegment
  /// `segment.base`, kept here for the hot loops.
  @usableFromInline
  var base: UnsafeMutableRawPointer
  @usableFromInline
  var start = 0
  @usableFromInline
  var end = 0
  @usableFromInline
  let limit: Int
  /// Room for CSV field bounds a new segment starts with (0 for lines).
  let fields: Int

  init(capacity: Int, limit: Int, fields: Int = 0, origin: ReadOrigin) {
    precondition(capacity > 0, "buffer size must be positive, got \(capacity)")
    precondition(limit >= capacity, "limit \(limit) is below the buffer size \(capacity)")
    segment = ReadSegment(capacity: capacity, fields: Self.startingFields(fields, for: capacity), discarded: 0, origin: origin)
    base = segment.base
    self.limit = limit
    self.fields = fields
  }

  @inlinable
  var capacity: Int { segment.capacity }

  /// Offset in the whole input of `base[0]`.
  @inlinable
  var discarded: Int { segment.discarded }

  @inlinable
  var unconsumed: Int { end - start }

  /// Whether no line or record holds the segment, so the reader may reuse it.
  @inlinable @inline(__always)
  mutating func isUnshared() -> Bool { isKnownUniquelyReferenced(&segment) }

  /// Makes room and reads more. Returns the number of bytes read: 0 at end of
  /// input, or -1 when the unconsumed bytes already fill `limit` (the caller's
  /// item is too long).
  ///
  /// A segment nobody else holds is compacted in place (and grown if the
  /// unconsumed bytes fill it). A held one is left as it is: reading goes on
  /// after its end while there is room, then in a new segment that starts
  /// with the unconsumed bytes.
  @usableFromInline
  mutating func refill(from source: ByteSource) throws(StreamIOError) -> Int {
    let count = end - start
    if isUnshared() {
      if start > 0 {
        if count > 0 { base.copyMemory(from: base + start, byteCount: count) }
        segment.discarded += start
        start = 0
        end = count
      }
      if end == capacity {
        guard capacity < limit else { return -1 }
        moveToNewSegment(capacity: Swift.min(capacity * 2, limit))
      }
    } else if end == capacity {
      if count == capacity {
        guard capacity < limit else { return -1 }
        moveToNewSegment(capacity: Swift.min(capacity * 2, limit))
      } else {
        moveToNewSegment(capacity: capacity)
      }
    }
    let read = try source.read(into: UnsafeMutableRawBufferPointer(start: base + end, count: capacity - end))
    end += read
    return read
  }

  /// Room for fields to start a segment of `capacity` bytes with: no more
  /// than its bytes can hold (each field but a last empty one takes a byte),
  /// so that small segments kept by records stay small. It grows if needed.
  static func startingFields(_ wanted: Int, for capacity: Int) -> Int {
    wanted == 0 ? 0 : Swift.min(wanted, capacity + 1)
  }

  /// Continues in a new segment of `capacity` bytes holding the unconsumed bytes.
  mutating func moveToNewSegment(capacity: Int) {
    let count = end - start
    let old = segment
    let new = ReadSegment(
      capacity: capacity, fields: Self.startingFields(fields, for: capacity), discarded: old.discarded + start,
      origin: old.origin)
    new.base.copyMemory(from: base + start, byteCount: count)
    segment = new
    base = new.base
    start = 0
    end = count
  }
}
