extension AsyncSequence {
  /// The elements at positions `start`, `start + step`, … before `stop`
  /// (nil: to the end), as they arrive. Python: `itertools.islice` over an
  /// async iterator. Upstream is not read past `stop`. Negative values are
  /// refused, as Python refuses them. See ``Swift/Sequence/sliced(_:_:_:)``.
  @inlinable
  public func sliced(_ start: Int, _ stop: Int?, _ step: Int = 1) -> AsyncSlicedSequence<Self> {
    precondition(start >= 0, "sliced: start must be 0 or more (islice takes no negative indices), got \(start)")
    precondition((stop ?? 0) >= 0, "sliced: stop must be 0 or more or nil, got \(stop!)")
    precondition(step >= 1, "sliced: step must be 1 or more, got \(step)")
    return AsyncSlicedSequence(base: self, start: start, stop: stop, step: step)
  }
}

/// A slice of an async sequence by position.
public struct AsyncSlicedSequence<Base: AsyncSequence>: AsyncSequence {
  public typealias Element = Base.Element
  public typealias Failure = Base.Failure
  @usableFromInline let base: Base
  @usableFromInline let start: Int
  @usableFromInline let stop: Int?
  @usableFromInline let step: Int

  @inlinable
  init(base: Base, start: Int, stop: Int?, step: Int) {
    self.base = base
    self.start = start
    self.stop = stop
    self.step = step
  }

  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline var base: Base.AsyncIterator
    @usableFromInline let stop: Int?
    @usableFromInline let step: Int
    /// The position of the next element upstream will give.
    @usableFromInline var position = 0
    /// The position of the next element to return.
    @usableFromInline var wanted: Int

    @inlinable
    init(base: Base.AsyncIterator, start: Int, stop: Int?, step: Int) {
      self.base = base
      self.stop = stop
      self.step = step
      self.wanted = start
    }

    @inlinable
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(Base.Failure) -> Base.Element? {
      if let stop, wanted >= stop { return nil }
      while true {
        guard let element = try await base.next(isolation: actor) else { return nil }
        position += 1
        if position - 1 == wanted {
          wanted += step
          return element
        }
      }
    }
  }

  @inlinable
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: base.makeAsyncIterator(), start: start, stop: stop, step: step)
  }
}

extension AsyncSlicedSequence: Sendable where Base: Sendable {}
