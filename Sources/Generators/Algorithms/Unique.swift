extension Sequence where Element: Hashable {
  /// Each distinct element once, in first-seen order. Python:
  /// `more_itertools.unique_everseen(iterable)`.
  ///
  /// ```swift
  /// String("AAAABBBCCDAABBB".uniqueEverSeen())   // → ABCD
  /// ```
  ///
  /// Each iteration starts afresh (the elements seen belong to the iterator).
  ///
  /// - Complexity: O(1) per element; memory grows with the distinct elements.
  @inlinable
  public func uniqueEverSeen() -> UniqueEverSeenSequence<Self> { UniqueEverSeenSequence(self) }
}

/// Distinct elements in first-seen order; see ``Swift/Sequence/uniqueEverSeen()``.
public struct UniqueEverSeenSequence<Base: Sequence>: Sequence where Base.Element: Hashable {
  @usableFromInline
  let base: Base

  @inlinable
  init(_ base: Base) { self.base = base }

  public struct Iterator: IteratorProtocol {
    @usableFromInline
    var base: Base.Iterator
    @usableFromInline
    var seen: Set<Base.Element> = []

    @inlinable
    init(_ base: Base.Iterator) { self.base = base }

    @inlinable
    public mutating func next() -> Base.Element? {
      while let element = base.next() {
        if seen.insert(element).inserted { return element }
      }
      return nil
    }
  }

  @inlinable
  public func makeIterator() -> Iterator { Iterator(base.makeIterator()) }
}

extension UniqueEverSeenSequence: LazySequenceProtocol where Base: LazySequenceProtocol {}

extension Sequence where Element: Equatable {
  /// Each run of equal elements once. Python: `more_itertools.unique_justseen(iterable)`.
  ///
  /// ```swift
  /// String("AAAABBBCCDAABBB".uniqueJustSeen())   // → ABCDAB
  /// ```
  ///
  /// Each iteration starts afresh (the last element belongs to the iterator).
  ///
  /// - Complexity: O(1) per element and O(1) memory.
  @inlinable
  public func uniqueJustSeen() -> UniqueJustSeenSequence<Self> { UniqueJustSeenSequence(self) }
}

/// Runs of equal elements, one each; see ``Swift/Sequence/uniqueJustSeen()``.
public struct UniqueJustSeenSequence<Base: Sequence>: Sequence where Base.Element: Equatable {
  @usableFromInline
  let base: Base

  @inlinable
  init(_ base: Base) { self.base = base }

  public struct Iterator: IteratorProtocol {
    @usableFromInline
    var base: Base.Iterator
    @usableFromInline
    var last: Base.Element?

    @inlinable
    init(_ base: Base.Iterator) { self.base = base }

    @inlinable
    public mutating func next() -> Base.Element? {
      while let element = base.next() {
        defer { last = element }
        if last != element { return element }
      }
      return nil
    }
  }

  @inlinable
  public func makeIterator() -> Iterator { Iterator(base.makeIterator()) }
}

extension UniqueJustSeenSequence: LazySequenceProtocol where Base: LazySequenceProtocol {}

extension IteratorProtocol {
  /// Advances by `count` elements, or to the end if `count` is nil.
  /// Python: `more_itertools.consume(iterator, n)`.
  ///
  /// - Complexity: O(`count`).
  @inlinable
  public mutating func consume(_ count: Int? = nil) {
    if let count {
      precondition(count >= 0, "consume(_:) needs a count of 0 or more, got \(count)")
      for _ in 0..<count where next() == nil { return }
    } else {
      while next() != nil {}
    }
  }
}
