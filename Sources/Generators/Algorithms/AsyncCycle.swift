extension AsyncSequence {
  /// The elements as they arrive, then the same elements again, forever.
  /// Python: `itertools.cycle` over an async iterator. Upstream is read once;
  /// what it gave is remembered. See ``Swift/Sequence/cycled()``.
  @inlinable
  public func cycled() -> AsyncCycledSequence<Self> { AsyncCycledSequence(base: self) }
}

/// See ``_Concurrency/AsyncSequence/cycled()``.
public struct AsyncCycledSequence<Base: AsyncSequence>: AsyncSequence {
  public typealias Element = Base.Element
  public typealias Failure = Base.Failure
  @usableFromInline let base: Base

  @inlinable
  init(base: Base) { self.base = base }

  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline var base: Base.AsyncIterator?
    @usableFromInline var seen: [Base.Element] = []
    @usableFromInline var index = 0

    @inlinable
    init(base: Base.AsyncIterator) { self.base = base }

    @inlinable
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(Base.Failure) -> Base.Element? {
      if base != nil {
        if let element = try await base!.next(isolation: actor) {
          seen.append(element)
          return element
        }
        base = nil
      }
      guard !seen.isEmpty else { return nil }
      defer { index = index + 1 == seen.count ? 0 : index + 1 }
      return seen[index]
    }
  }

  @inlinable
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
}

extension AsyncCycledSequence: Sendable where Base: Sendable {}
