extension Sequence {
  /// Runs of consecutive elements with the same key, each with its key.
  /// Python: `itertools.groupby(iterable, key)` (which groups consecutive
  /// runs only; sort first to group all equal keys).
  ///
  /// ```swift
  /// "AAAABBBCCDAABBB".grouped(consecutiveBy: { $0 }).map(\.key)   // → ["A", "B", "C", "D", "A", "B"]
  /// ```
  ///
  /// Works on single-pass sequences and holds one run at a time.
  ///
  /// - Complexity: O(1) per element.
  @inlinable
  public func grouped<Key: Equatable>(
    consecutiveBy key: @escaping (Element) -> Key
  ) -> GroupedConsecutiveSequence<Self, Key> {
    GroupedConsecutiveSequence(base: self, key: key)
  }
}

/// Runs of equal keys; see ``Swift/Sequence/grouped(consecutiveBy:)``.
public struct GroupedConsecutiveSequence<Base: Sequence, Key: Equatable> {
  @usableFromInline
  let base: Base
  @usableFromInline
  let key: (Base.Element) -> Key

  @inlinable
  init(base: Base, key: @escaping (Base.Element) -> Key) {
    self.base = base
    self.key = key
  }
}

extension GroupedConsecutiveSequence: Sequence {
  public struct Iterator: IteratorProtocol {
    @usableFromInline
    var base: Base.Iterator
    @usableFromInline
    let key: (Base.Element) -> Key
    /// The first element of the next run, already read (nothing is read
    /// before the first `next()`, as Python's groupby reads nothing early).
    @usableFromInline
    var pending: (key: Key, element: Base.Element)?
    @usableFromInline
    var started = false

    @inlinable
    init(base: Base.Iterator, key: @escaping (Base.Element) -> Key) {
      self.base = base
      self.key = key
    }

    @inlinable
    public mutating func next() -> (key: Key, elements: [Base.Element])? {
      if !started {
        started = true
        if let first = base.next() { pending = (key(first), first) }
      }
      guard let start = pending else { return nil }
      pending = nil
      var run = [start.element]
      while let element = base.next() {
        let elementKey = key(element)
        guard elementKey == start.key else {
          pending = (elementKey, element)
          break
        }
        run.append(element)
      }
      return (start.key, run)
    }
  }

  @inlinable
  public func makeIterator() -> Iterator { Iterator(base: base.makeIterator(), key: key) }
}

extension GroupedConsecutiveSequence: LazySequenceProtocol where Base: LazySequenceProtocol {}
