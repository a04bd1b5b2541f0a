/// Pairs the elements of two sequences, going on until both end and filling
/// the shorter one's side with `fill`. Python: `itertools.zip_longest(a, b, fillvalue=fill)`.
///
/// ```swift
/// Array(zipLongest("ABCD", "xy", fill: "-"))   // → [("A", "x"), ("B", "y"), ("C", "-"), ("D", "-")]
/// ```
///
/// Pass `nil`-able elements (`Optional`) and `fill: nil` for Python's default.
///
/// - Complexity: O(1) per pair; single pass over each input.
@inlinable
public func zipLongest<First: Sequence, Second: Sequence>(
  _ first: First, _ second: Second, fill: First.Element
) -> ZipLongestSequence<First, Second> where First.Element == Second.Element {
  ZipLongestSequence(first: first, second: second, fill: fill)
}

/// See ``zipLongest(_:_:fill:)``.
public struct ZipLongestSequence<First: Sequence, Second: Sequence>: Sequence
where First.Element == Second.Element {
  @usableFromInline
  let first: First
  @usableFromInline
  let second: Second
  @usableFromInline
  let fill: First.Element

  @inlinable
  init(first: First, second: Second, fill: First.Element) {
    self.first = first
    self.second = second
    self.fill = fill
  }

  public struct Iterator: IteratorProtocol {
    @usableFromInline
    var first: First.Iterator
    @usableFromInline
    var second: Second.Iterator
    @usableFromInline
    let fill: First.Element
    @usableFromInline
    var firstDone = false
    @usableFromInline
    var secondDone = false

    @inlinable
    init(first: First.Iterator, second: Second.Iterator, fill: First.Element) {
      self.first = first
      self.second = second
      self.fill = fill
    }

    @inlinable
    public mutating func next() -> (First.Element, First.Element)? {
      let a = firstDone ? nil : first.next()
      if a == nil { firstDone = true }
      let b = secondDone ? nil : second.next()
      if b == nil { secondDone = true }
      if firstDone && secondDone { return nil }
      return (a ?? fill, b ?? fill)
    }
  }

  @inlinable
  public func makeIterator() -> Iterator {
    Iterator(first: first.makeIterator(), second: second.makeIterator(), fill: fill)
  }
}
