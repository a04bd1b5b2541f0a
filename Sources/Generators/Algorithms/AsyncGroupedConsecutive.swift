extension AsyncSequence {
  /// Runs of consecutive elements with the same key, as they arrive. Python:
  /// `itertools.groupby` over an async iterator. See
  /// ``Swift/Sequence/grouped(consecutiveBy:)``. Holds one run.
  ///
  /// - Complexity: O(1) per element.
  @inlinable
  public func grouped<Key: Equatable>(
    consecutiveBy key: @escaping (Element) -> Key
  ) -> AsyncGroupedConsecutiveSequence<Self, Key> {
    AsyncGroupedConsecutiveSequence(base: self, key: key)
  }
}

/// Runs of equal keys in an async sequence.
public struct AsyncGroupedConsecutiveSequence<Base: AsyncSequence, Key: Equatable>: AsyncSequence {
  public typealias Element = (key: Key, elements: [Base.Element])
  public typealias Failure = Base.Failure
  @usableFromInline let base: Base
  @usableFromInline let key: (Base.Element) -> Key

  @inlinable
  init(base: Base, key: @escaping (Base.Element) -> Key) {
    self.base = base
    self.key = key
  }

  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline var base: Base.AsyncIterator
    @usableFromInline let key: (Base.Element) -> Key
    /// The first element of the next run, read while ending the previous one.
    @usableFromInline var pending: (Key, Base.Element)?
    @usableFromInline var done = false

    @inlinable
    init(base: Base.AsyncIterator, key: @escaping (Base.Element) -> Key) {
      self.base = base
      self.key = key
    }

    @inlinable
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(Base.Failure) -> Element? {
      if pending == nil, !done {
        if let first = try await base.next(isolation: actor) { pending = (key(first), first) } else { done = true }
      }
      guard let (runKey, first) = pending else { return nil }
      pending = nil
      var run = [first]
      while !done {
        guard let element = try await base.next(isolation: actor) else {
          done = true
          break
        }
        let elementKey = key(element)
        if elementKey == runKey {
          run.append(element)
        } else {
          pending = (elementKey, element)
          break
        }
      }
      return (runKey, run)
    }
  }

  @inlinable
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), key: key) }
}
