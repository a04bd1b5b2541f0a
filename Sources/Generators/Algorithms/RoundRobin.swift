/// One element from each sequence in turn, skipping those that have ended.
/// Python: `more_itertools.roundrobin(*iterables)` (also `interleave_longest`).
///
/// ```swift
/// String(roundRobin(["ABC", "D", "EF"]))   // → ADEBFC
/// ```
///
/// - Complexity: O(1) per element; each input is read once.
@inlinable
public func roundRobin<Base: Sequence>(_ sequences: [Base]) -> RoundRobinSequence<Base> {
  RoundRobinSequence(sequences)
}

/// See ``roundRobin(_:)``.
public struct RoundRobinSequence<Base: Sequence>: Sequence {
  @usableFromInline
  let sequences: [Base]

  @inlinable
  init(_ sequences: [Base]) { self.sequences = sequences }

  public struct Iterator: IteratorProtocol {
    @usableFromInline
    var iterators: [Base.Iterator]
    @usableFromInline
    var turn = 0

    @inlinable
    init(_ iterators: [Base.Iterator]) { self.iterators = iterators }

    @inlinable
    public mutating func next() -> Base.Element? {
      while !iterators.isEmpty {
        if turn >= iterators.count { turn = 0 }
        if let element = iterators[turn].next() {
          turn += 1
          return element
        }
        iterators.remove(at: turn)  // this one has ended; the next takes its turn
      }
      return nil
    }
  }

  @inlinable
  public func makeIterator() -> Iterator { Iterator(sequences.map { $0.makeIterator() }) }
}
