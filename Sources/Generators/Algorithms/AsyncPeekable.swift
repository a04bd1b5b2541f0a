extension AsyncSequence {
  /// An async iterator that can look at the next element without taking it,
  /// and put elements back in front. Python: `more_itertools.peekable` over
  /// an async iterator. See ``Swift/Sequence/peekable()``.
  @inlinable
  public func peekable() -> AsyncPeekable<AsyncIterator> { AsyncPeekable(makeAsyncIterator()) }
}

/// See ``_Concurrency/AsyncSequence/peekable()``.
public struct AsyncPeekable<Base: AsyncIteratorProtocol>: AsyncIteratorProtocol {
  @usableFromInline var base: Base
  /// Elements to hand out before the base's (a stack: last is next).
  @usableFromInline var front: [Base.Element] = []

  @inlinable
  public init(_ base: Base) { self.base = base }

  /// The next element without consuming it, or nil at the end.
  @inlinable
  public mutating func peek(isolation actor: isolated (any Actor)? = #isolation) async throws(Base.Failure) -> Base.Element? {
    if let next = front.last { return next }
    guard let next = try await base.next(isolation: actor) else { return nil }
    front.append(next)
    return next
  }

  /// Puts `elements` back so they come next, in the order given.
  @inlinable
  public mutating func prepend(_ elements: Base.Element...) {
    front.append(contentsOf: elements.reversed())
  }

  @inlinable
  public mutating func next(isolation actor: isolated (any Actor)?) async throws(Base.Failure) -> Base.Element? {
    if let next = front.popLast() { return next }
    return try await base.next(isolation: actor)
  }
}

extension AsyncIteratorProtocol {
  /// Advances by `count` elements, or to the end if `count` is nil.
  /// Python: `more_itertools.consume` on an async iterator.
  @inlinable
  public mutating func consume(_ count: Int? = nil, isolation actor: isolated (any Actor)? = #isolation) async throws(Failure) {
    if let count {
      precondition(count >= 0, "consume(_:) needs a count of 0 or more, got \(count)")
      for _ in 0..<count where try await next(isolation: actor) == nil { return }
    } else {
      while try await next(isolation: actor) != nil {}
    }
  }
}
