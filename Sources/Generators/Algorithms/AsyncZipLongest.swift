/// Pairs the elements of two async sequences until both end, filling the
/// shorter one's side with `fill`. Python: `itertools.zip_longest` over
/// async iterators. Each pair waits for one element from each side, in turn.
/// See ``zipLongest(_:_:fill:)``.
@inlinable
public func zipLongest<First: AsyncSequence, Second: AsyncSequence>(
  _ first: First, _ second: Second, fill: First.Element
) -> AsyncZipLongestSequence<First, Second> where First.Element == Second.Element {
  AsyncZipLongestSequence(first: first, second: second, fill: fill)
}

/// See ``zipLongest(_:_:fill:)-(First,Second,_)``.
public struct AsyncZipLongestSequence<First: AsyncSequence, Second: AsyncSequence>: AsyncSequence
where First.Element == Second.Element {
  public typealias Element = (First.Element, First.Element)
  @usableFromInline let first: First
  @usableFromInline let second: Second
  @usableFromInline let fill: First.Element

  @inlinable
  init(first: First, second: Second, fill: First.Element) {
    self.first = first
    self.second = second
    self.fill = fill
  }

  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline var first: First.AsyncIterator
    @usableFromInline var second: Second.AsyncIterator
    @usableFromInline let fill: First.Element
    @usableFromInline var firstDone = false
    @usableFromInline var secondDone = false

    @inlinable
    init(first: First.AsyncIterator, second: Second.AsyncIterator, fill: First.Element) {
      self.first = first
      self.second = second
      self.fill = fill
    }

    @inlinable
    public mutating func next() async throws -> (First.Element, First.Element)? {
      var a: First.Element?
      var b: First.Element?
      if !firstDone {
        a = try await first.next()
        if a == nil { firstDone = true }
      }
      if !secondDone {
        b = try await second.next()
        if b == nil { secondDone = true }
      }
      if firstDone, secondDone, a == nil, b == nil { return nil }
      return (a ?? fill, b ?? fill)
    }
  }

  @inlinable
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(first: first.makeAsyncIterator(), second: second.makeAsyncIterator(), fill: fill)
  }
}
