extension Sequence {
  /// The elements, then the same elements again, forever. Python: `itertools.cycle(iterable)`.
  ///
  /// ```swift
  /// String("ABCD".cycled().prefix(10))   // → ABCDABCDAB
  /// ```
  ///
  /// Single pass: the base is read once and what it gave is remembered (so
  /// memory grows with the base, as in Python); an empty base gives nothing.
  ///
  /// - Complexity: O(1) per element; O(n) memory for a base of n elements.
  @inlinable
  public func cycled() -> CycledSequence<Self> { CycledSequence(base: self) }
}

/// See ``Swift/Sequence/cycled()``.
public struct CycledSequence<Base: Sequence>: Sequence {
  @usableFromInline
  let base: Base

  @inlinable
  init(base: Base) { self.base = base }

  public struct Iterator: IteratorProtocol {
    @usableFromInline
    var base: Base.Iterator?
    @usableFromInline
    var seen: [Base.Element] = []
    @usableFromInline
    var index = 0

    @inlinable
    init(base: Base.Iterator) { self.base = base }

    @inlinable
    public mutating func next() -> Base.Element? {
      if base != nil {
        if let element = base!.next() {
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
  public func makeIterator() -> Iterator { Iterator(base: base.makeIterator()) }
}

extension CycledSequence: LazySequenceProtocol where Base: LazySequenceProtocol {}
