// `for line in reader` and `for try await line in reader`.

extension LineReader: Sequence {
  /// Iterates lines with `for line in reader`.
  ///
  /// A sync iterator cannot throw: a read error or an over-long line stops the
  /// program with a message naming it. Use `while let line = try reader.next()`
  /// or `for try await line in reader` to handle errors instead.
  public struct Iterator: IteratorProtocol {
    @usableFromInline
    let reader: LineReader

    @inlinable
    init(_ reader: LineReader) { self.reader = reader }

    @inlinable
    public mutating func next() -> Line? {
      do {
        return try reader.next()
      } catch {
        fatalError(
          "\(error). `for line in reader` cannot throw; iterate with "
            + "`while let line = try reader.next()` or `for try await line in reader` to handle errors.")
      }
    }
  }

  @inlinable
  public func makeIterator() -> Iterator { Iterator(self) }
}

extension LineReader: AsyncSequence {
  /// Iterates lines with `for try await line in reader`, carrying errors.
  ///
  /// Reads from a regular file are done in place (they take microseconds);
  /// reads from a pipe, terminal or socket, which can block indefinitely, are
  /// done on a separate thread so the cooperative thread pool is never held.
  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline
    let reader: LineReader

    @inlinable
    init(_ reader: LineReader) { self.reader = reader }

    @inlinable
    public mutating func next() async throws -> Line? {
      try await reader.nextAsync(isolation: nil)
    }

    @inlinable
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> Line? {
      try await reader.nextAsync(isolation: actor)
    }
  }

  @inlinable
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(self) }

  /// Runs on the caller's actor (`isolation`), so the reader never crosses
  /// an isolation boundary except for the awaited blocking read.
  @usableFromInline
  func nextAsync(isolation: isolated (any Actor)?) async throws(StreamIOError) -> Line? {
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
