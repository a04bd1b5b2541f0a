extension AsyncSequence where Element: Hashable {
  /// Each distinct element once, in the order first seen. Python:
  /// `more_itertools.unique_everseen` over an async iterator. Remembers every
  /// distinct element (memory grows with the number of distinct ones).
  @inlinable
  public func uniqueEverSeen() -> AsyncUniqueSequence<Self> { AsyncUniqueSequence(base: self) }
}

extension AsyncSequence where Element: Equatable {
  /// Drops elements equal to the one before. Python:
  /// `more_itertools.unique_justseen`; swift-async-algorithms calls it
  /// `removeDuplicates()`. Holds one element.
  @inlinable
  public func uniqueJustSeen() -> AsyncUniqueJustSeenSequence<Self> { AsyncUniqueJustSeenSequence(base: self) }
}

/// The distinct elements of an async sequence, first occurrences only.
public struct AsyncUniqueSequence<Base: AsyncSequence>: AsyncSequence where Base.Element: Hashable {
  public typealias Element = Base.Element
  public typealias Failure = Base.Failure
  @usableFromInline let base: Base

  @inlinable
  init(base: Base) { self.base = base }

  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline var base: Base.AsyncIterator
    @usableFromInline var seen: Set<Base.Element> = []

    @inlinable
    init(base: Base.AsyncIterator) { self.base = base }

    @inlinable
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(Base.Failure) -> Base.Element? {
      while let element = try await base.next(isolation: actor) {
        if seen.insert(element).inserted { return element }
      }
      return nil
    }
  }

  @inlinable
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
}

/// An async sequence without runs of equal elements.
public struct AsyncUniqueJustSeenSequence<Base: AsyncSequence>: AsyncSequence where Base.Element: Equatable {
  public typealias Element = Base.Element
  public typealias Failure = Base.Failure
  @usableFromInline let base: Base

  @inlinable
  init(base: Base) { self.base = base }

  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline var base: Base.AsyncIterator
    @usableFromInline var last: Base.Element?

    @inlinable
    init(base: Base.AsyncIterator) { self.base = base }

    @inlinable
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(Base.Failure) -> Base.Element? {
      while let element = try await base.next(isolation: actor) {
        if element != last {
          last = element
          return element
        }
      }
      return nil
    }
  }

  @inlinable
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
}

extension AsyncUniqueSequence: Sendable where Base: Sendable {}
extension AsyncUniqueJustSeenSequence: Sendable where Base: Sendable {}
