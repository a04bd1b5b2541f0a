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
  @usableFromInline
  func nextBuffered() throws(StreamIOError) -> Line? {
    if let newline = ByteSearch.first(0x0A, in: buffer.base, from: scanFrom, to: buffer.end) {
      return try makeLine(endingAt: newline, next: newline + 1)
    }
    scanFrom = buffer.end
    return nil
  }
}
