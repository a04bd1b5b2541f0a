extension Sequence {
  /// An iterator that can look at the next element without taking it, and
  /// put elements back in front. Python: `more_itertools.peekable`.
  ///
  /// ```swift
  /// var tokens = ["let", "x", "=", "1"].peekable()
  /// tokens.peek()          // → let   (and still there)
  /// tokens.next()          // → let
  /// tokens.prepend("var")
  /// tokens.next()          // → var
  /// ```
  ///
  /// - Complexity: O(1) per element; `prepend` holds what you put back.
  @inlinable
  public func peekable() -> Peekable<Iterator> {
    Peekable(makeIterator())
  }
}

/// See ``Swift/Sequence/peekable()``.
public struct Peekable<Base: IteratorProtocol>: IteratorProtocol, Sequence {
  @usableFromInline
  var base: Base
  /// Elements to hand out before the base's, in order (a stack: last is next).
  @usableFromInline
  var front: [Base.Element] = []

  @inlinable
  public init(_ base: Base) { self.base = base }

  /// The next element without consuming it, or nil at the end.
  @inlinable
  public mutating func peek() -> Base.Element? {
    if let next = front.last { return next }
    guard let next = base.next() else { return nil }
    front.append(next)
    return next
  }

  /// Puts `elements` back so they come next, in the order given.
  /// Python: `peekable.prepend(*items)`.
  @inlinable
  public mutating func prepend(_ elements: Base.Element...) {
    front.append(contentsOf: elements.reversed())
  }

  @inlinable
  public mutating func next() -> Base.Element? {
    if let next = front.popLast() { return next }
    return base.next()
  }
}
