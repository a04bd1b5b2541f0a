/// A file or stream as a sequence of byte chunks. Python:
/// `iter(lambda: f.read(65536), b"")`.
///
/// ```swift
/// var checksum: UInt64 = 0
/// let chunks = try ByteChunks(path: "big.bin")
/// while let chunk = try chunks.next() { for byte in chunk { checksum &+= UInt64(byte) } }
/// ```
///
/// Each ``ByteChunk`` is a value that stays valid as long as it is held
/// (`Array(chunks)` keeps every chunk); the buffer is reused for the next
/// read only when no chunk holds it, so a loop that keeps nothing allocates
/// nothing. Reads retry on `EINTR`; the file is closed at the end, on an
/// error, by `close()` and at deinit; gzip input is decompressed (see ``ByteSource``).
public final class ByteChunks {
  public let source: ByteSource
  @exclusivity(unchecked) @usableFromInline
  var segment: ReadSegment
  /// Bytes read by an async read on the blocking-read thread.
  var pending = 0
  @exclusivity(unchecked) @usableFromInline
  var asyncRead = AsyncReadState()

  /// 64 KiB, like the other readers.
  public static var defaultChunkSize: Int { 64 * 1024 }

  public init(source: ByteSource, chunkSize: Int = ByteChunks.defaultChunkSize) {
    precondition(chunkSize > 0, "chunkSize must be positive, got \(chunkSize)")
    self.source = source
    segment = ReadSegment(capacity: chunkSize, fields: 0, discarded: 0, origin: ReadOrigin(path: source.path))
  }

  public convenience init(path: String, chunkSize: Int = ByteChunks.defaultChunkSize) throws(StreamIOError) {
    self.init(source: try ByteSource(path: path), chunkSize: chunkSize)
  }

  deinit { source.close() }

  /// Closes the input now; `next()` then returns nil. (During an async read
  /// that is waiting, the input is closed when the read returns.)
  public func close() {
    if asyncRead.inFlight {
      asyncRead.closeRequested = true
      return
    }
    source.close()
  }

  /// The next chunk (at most `chunkSize` bytes, never empty), or nil at the end.
  @inlinable
  public func next() throws(StreamIOError) -> ByteChunk? {
    try asyncRead.check(source.path)
    let count = try source.read(into: bufferToFill())
    return count == 0 ? nil : ByteChunk(segment: segment, count: count)
  }

  /// The buffer to read into: the last one, unless a chunk still holds it.
  @usableFromInline
  func bufferToFill() -> UnsafeMutableRawBufferPointer {
    if !isKnownUniquelyReferenced(&segment) {
      segment = ReadSegment(capacity: segment.capacity, fields: 0, discarded: 0, origin: segment.origin)
    }
    return UnsafeMutableRawBufferPointer(start: segment.base, count: segment.capacity)
  }
}

/// Bytes read by ``ByteChunks``: a collection of `UInt8` that stays valid
/// and unchanged for as long as it is held. Python: the `bytes` `f.read(n)` returns.
public struct ByteChunk: RandomAccessCollection {
  @usableFromInline
  let segment: ReadSegment
  public let count: Int

  @inlinable
  init(segment: ReadSegment, count: Int) {
    self.segment = segment
    self.count = count
  }

  @inlinable public var startIndex: Int { 0 }
  @inlinable public var endIndex: Int { count }

  @inlinable
  public subscript(position: Int) -> UInt8 {
    precondition(position >= 0 && position < count, "index \(position) out of range for a chunk of \(count) bytes")
    return segment.base.load(fromByteOffset: position, as: UInt8.self)
  }

  /// Calls `body` with the chunk's bytes, keeping the chunk alive meanwhile.
  @inlinable
  public func withBytes<Result, Failure: Error>(
    _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    try withExtendedLifetime(self) { () throws(Failure) -> Result in
      try body(UnsafeRawBufferPointer(start: segment.base, count: count))
    }
  }

  @inlinable
  public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
    try withExtendedLifetime(self) {
      try body(UnsafeBufferPointer(start: segment.base.assumingMemoryBound(to: UInt8.self), count: count))
    }
  }
}

extension ByteChunks: StreamReader, Sequence, AsyncSequence, BlockingReadable {
  @inlinable
  public func makeIterator() -> StreamReaderIterator<ByteChunks> { StreamReaderIterator(self) }

  @inlinable
  public func makeAsyncIterator() -> StreamReaderAsyncIterator<ByteChunks> { StreamReaderAsyncIterator(self) }

  public func nextAsync(isolation: isolated (any Actor)?) async throws(StreamIOError) -> ByteChunk? {
    try asyncRead.check(source.path)
    if !source.mayBlock { return try next() }
    let buffer = bufferToFill()
    try await BlockingReads.run(self) { chunks throws(StreamIOError) in
      chunks.pending = try chunks.source.read(into: buffer)
    }
    let count = pending
    return count == 0 ? nil : ByteChunk(segment: segment, count: count)
  }
}
