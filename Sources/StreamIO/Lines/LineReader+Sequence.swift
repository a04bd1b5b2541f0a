// `for line in reader` and `for try await line in reader`.

extension LineReader: StreamReader, Sequence, AsyncSequence {
  @inlinable
  public func makeIterator() -> StreamReaderIterator<LineReader> { StreamReaderIterator(self) }

  @inlinable
  public func makeAsyncIterator() -> StreamReaderAsyncIterator<LineReader> { StreamReaderAsyncIterator(self) }

  /// Runs on the caller's actor (`isolation`), so the reader never crosses
  /// an isolation boundary except for the awaited blocking read.
  public func nextAsync(isolation: isolated (any Actor)?) async throws(StreamIOError) -> Line? {
    if !source.mayBlock { return try next() }
    // Take the line from bytes already buffered, if one is complete.
    while true {
      if let line = try nextBuffered() { return line }
      if atEnd { return try next() }
      try await BlockingReads.run(self) { reader throws(StreamIOError) in try reader.refill() }
    }
  }

  /// A line that is complete in the buffer, without reading; nil if none is.
  /// Newlines are found 64 bytes at a time (``ByteMasks``) and handed out
  /// one at a time.
  @inlinable @inline(__always)
  func nextBuffered() throws(StreamIOError) -> Line? {
    let base = UnsafeRawPointer(buffer.base)
    guard let newline = newlines.next(before: buffer.end, mask: { ByteMasks.equal(0x0A, in: base, at: $0, count: $1) })
    else { return nil }
    return try makeLine(endingAt: newline, next: newline &+ 1)
  }
}
