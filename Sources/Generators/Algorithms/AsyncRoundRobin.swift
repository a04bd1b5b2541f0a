/// One element from each async sequence in turn, skipping those that have
/// ended. Python: `more_itertools.roundrobin` over async iterators. See
/// ``roundRobin(_:)``.
@inlinable
public func roundRobin<Base: AsyncSequence>(_ sequences: [Base]) -> AsyncRoundRobinSequence<Base> {
  AsyncRoundRobinSequence(sequences: sequences)
}

/// See ``roundRobin(_:)-([Base])``.
public struct AsyncRoundRobinSequence<Base: AsyncSequence>: AsyncSequence {
  public typealias Element = Base.Element
  public typealias Failure = Base.Failure
  @usableFromInline let sequences: [Base]

  @inlinable
  init(sequences: [Base]) { self.sequences = sequences }

  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline var iterators: [Base.AsyncIterator]
    @usableFromInline var index = 0

    @inlinable
    init(_ iterators: [Base.AsyncIterator]) { self.iterators = iterators }

    @inlinable
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(Base.Failure) -> Base.Element? {
      while !iterators.isEmpty {
        if index >= iterators.count { index = 0 }
        if let element = try await iterators[index].next(isolation: actor) {
          index += 1
          return element
        }
        iterators.remove(at: index)  // this one has ended; the next moves into its place
      }
      return nil
    }
  }

  @inlinable
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(sequences.map { $0.makeAsyncIterator() }) }
}
