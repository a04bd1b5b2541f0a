// `for line in reader` and `for try await line in reader`.

extension LineReader: StreamReader, Sequence, AsyncSequence, BlockingReadable {
  @inlinable
  public func makeIterator() -> StreamReaderIterator<LineReader> { StreamReaderIterator(self) }

  @inlinable
  public func makeAsyncIterator() -> StreamReaderAsyncIterator<LineReader> { StreamReaderAsyncIterator(self) }

  /// Runs on the caller's actor (`isolation`), so the reader never crosses
  /// an isolation boundary except for the awaited blocking read.
  public func nextAsync(isolation: isolated (any Actor)?) async throws(StreamIOError) -> Line? {
    try asyncRead.check(source.path)
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
    try nextBuffered(in: buffer.segment)
  }

  /// ``nextBuffered()`` with the segment the caller holds (the current one).
  @inlinable @inline(__always)
  func nextBuffered(in segment: ReadSegment) throws(StreamIOError) -> Line? {
    guard let (start, length) = try nextBufferedRange() else { return nil }
    return Line(segment: segment, start: start, length: length, number: lineNumber)
  }

  /// Where the next line complete in the buffer lies (it is consumed), or
  /// nil if none is.
  @inlinable @inline(__always)
  func nextBufferedRange() throws(StreamIOError) -> (start: Int, length: Int)? {
    let base = UnsafeRawPointer(buffer.base)
    while let newline = newlines.next(before: buffer.end, mask: { ByteMasks.equal(0x0A, in: base, at: $0, count: $1) }) {
      if let range = try takeLine(endingAt: newline, next: newline &+ 1) { return range }
    }
    return nil
  }

  /// Calls `body` with each line in order: the fastest way to read lines.
  /// Python: `for line in f: body(line)`.
  ///
  /// Each line is lent to `body` rather than handed over: the reader holds
  /// each block of input while `body` runs, so where `body` is inlined (a
  /// closure written at the call, in optimized code) the compiler can drop
  /// the reference counting of ``next()``, one retain and one release per
  /// line; a `body` called through a pointer still pays it. A line that
  /// `body` keeps (stores, appends, yields) is retained as any value is, so
  /// it stays valid; there is nothing to get wrong.
  ///
  /// ```swift
  /// var errors = 0
  /// try LineReader(path: "server.log").forEachLine { line in
  ///   if line.bytes.starts(with: "ERROR".utf8) { errors += 1 }
  /// }
  /// ```
  ///
  /// - Throws: what ``next()`` throws, or what `body` throws (reading stops there).
  @inlinable
  public func forEachLine(_ body: (Line) throws -> Void) throws {
    try forEachLentLine { line in try body(line.line) }
  }
}
