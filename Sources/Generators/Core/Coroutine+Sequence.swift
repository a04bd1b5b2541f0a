// `for x in generator`: Sequence and AsyncSequence conformances.

extension Coroutine: Sequence {
  /// Iterates a coroutine with `for x in g`. Python's `for x in gen`.
  ///
  /// A sync iterator cannot throw: if the body throws during `for x in g`, the
  /// program stops with a message naming the error. Iterate with
  /// `while let x = try g.next()` or `for try await x in g` to handle body
  /// errors instead. Errors are never swallowed and iteration never stops early.
  public struct Iterator: IteratorProtocol {
    @usableFromInline
    let base: Coroutine

    @inlinable
    init(_ base: Coroutine) { self.base = base }

    @inlinable
    public mutating func next() -> Element? {
      do {
        return try base.next()
      } catch {
        Coroutine.bodyFailedDuringIteration(error)
      }
    }
  }

  /// The coroutine itself, as an iterator: single pass, like Python's.
  @inlinable
  public func makeIterator() -> Iterator { Iterator(self) }

  @usableFromInline
  static func bodyFailedDuringIteration(_ error: any Error) -> Never {
    fatalError(
      "a generator body threw \(error) (\(type(of: error))) during `for x in generator`, which cannot "
        + "throw. Iterate with `while let x = try generator.next()` or "
        + "`for try await x in generator` to handle the error.")
  }
}

extension Coroutine: AsyncSequence {
  /// Iterates with `for try await x in g`, which carries body errors to the
  /// caller. The body runs synchronously on the caller's thread.
  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline
    let base: Coroutine

    @inlinable
    init(_ base: Coroutine) { self.base = base }

    @inlinable
    public mutating func next() async throws -> Element? {
      try base.next()
    }

    @inlinable
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> Element? {
      try base.next()
    }
  }

  @inlinable
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(self) }
}
