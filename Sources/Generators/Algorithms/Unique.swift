extension Sequence where Element: Hashable {
  /// Each distinct element once, in first-seen order. Python:
  /// `more_itertools.unique_everseen(iterable)`.
  ///
  ///     String("AAAABBBCCDAABBB".uniqueEverSeen())   // "ABCD"
  ///
  /// - Complexity: O(1) per element; memory grows with the distinct elements.
  @inlinable
  public func uniqueEverSeen() -> some Sequence<Element> {
    var seen = Set<Element>()
    return lazy.filter { seen.insert($0).inserted }
  }
}

extension Sequence where Element: Equatable {
  /// Each run of equal elements once. Python: `more_itertools.unique_justseen(iterable)`.
  ///
  ///     String("AAAABBBCCDAABBB".uniqueJustSeen())   // "ABCDAB"
  ///
  /// - Complexity: O(1) per element and O(1) memory.
  @inlinable
  public func uniqueJustSeen() -> some Sequence<Element> {
    var last: Element?
    return lazy.filter { element in
      defer { last = element }
      return last != element
    }
  }
}

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
