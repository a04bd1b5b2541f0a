/// A file or stream as a sequence of byte chunks read into one reusable
/// buffer. Python: `iter(lambda: f.read(65536), b"")`.
///
/// ```swift
/// var checksum: UInt64 = 0
/// let chunks = try ByteChunks(path: "big.bin")
/// while let chunk = try chunks.next() { for byte in chunk { checksum &+= UInt64(byte) } }
/// ```
///
/// Each chunk is a view into the buffer, valid until the next `next()`. Reads
/// retry on `EINTR`; the file is closed at the end, on an error, by `close()`
/// and at deinit; gzip input is decompressed (see ``ByteSource``).
public final class ByteChunks {
  public let source: ByteSource
  @exclusivity(unchecked) @usableFromInline
  var buffer: UnsafeMutableRawBufferPointer
  /// Bytes read by an async read on the blocking-read thread.
  var pending = 0

  /// 64 KiB, like the other readers.
  public static var defaultChunkSize: Int { 64 * 1024 }

  public init(source: ByteSource, chunkSize: Int = ByteChunks.defaultChunkSize) {
    precondition(chunkSize > 0, "chunkSize must be positive, got \(chunkSize)")
    self.source = source
    buffer = .allocate(byteCount: chunkSize, alignment: 16)
  }

  public convenience init(path: String, chunkSize: Int = ByteChunks.defaultChunkSize) throws(StreamIOError) {
    self.init(source: try ByteSource(path: path), chunkSize: chunkSize)
  }

  deinit {
    source.close()
    buffer.deallocate()
  }

  /// Closes the input now; `next()` then returns nil.
  public func close() { source.close() }

  /// The next chunk (at most `chunkSize` bytes, never empty), or nil at the end.
  @inlinable
  public func next() throws(StreamIOError) -> UnsafeRawBufferPointer? {
    let count = try source.read(into: buffer)
    return count == 0 ? nil : UnsafeRawBufferPointer(rebasing: buffer[..<count])
  }
}

extension ByteChunks: StreamReader, Sequence, AsyncSequence {
  @inlinable
  public func makeIterator() -> StreamReaderIterator<ByteChunks> { StreamReaderIterator(self) }

  @inlinable
  public func makeAsyncIterator() -> StreamReaderAsyncIterator<ByteChunks> { StreamReaderAsyncIterator(self) }

  public func nextAsync(isolation: isolated (any Actor)?) async throws(StreamIOError) -> UnsafeRawBufferPointer? {
    if !source.mayBlock { return try next() }
    try await BlockingReads.run(self) { chunks throws(StreamIOError) in
      chunks.pending = try chunks.source.read(into: chunks.buffer)
    }
    let count = pending
    return count == 0 ? nil : UnsafeRawBufferPointer(rebasing: buffer[..<count])
  }
}
