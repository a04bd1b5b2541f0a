extension Sequence {
  /// The elements from position `start` up to (not including) `stop`, taking
  /// every `step`th. Python: `itertools.islice(iterable, start, stop, step)`.
  ///
  /// ```swift
  /// Array("ABCDEFG".sliced(2, 4))             // → ["C", "D"]
  /// Array("ABCDEFG".sliced(2, nil))           // → ["C", "D", "E", "F", "G"]
  /// Array("ABCDEFG".sliced(0, nil, 2))        // → ["A", "C", "E", "G"]
  /// ```
  ///
  /// Single pass: elements before `start` are read and dropped, and nothing
  /// after `stop` is read. Negative values are refused, as in Python (a
  /// single-pass sequence cannot be indexed from its end).
  ///
  /// - Complexity: O(`stop`) elements read.
  @inlinable
  public func sliced(_ start: Int, _ stop: Int?, _ step: Int = 1) -> SlicedSequence<Self> {
    precondition(start >= 0, "sliced: start must be 0 or more, got \(start) (single-pass input cannot be indexed from the end)")
    precondition(stop.map { $0 >= 0 } ?? true, "sliced: stop must be 0 or more or nil, got \(stop!)")
    precondition(step >= 1, "sliced: step must be 1 or more, got \(step)")
    return SlicedSequence(base: self, start: start, stop: stop, step: step)
  }
}

/// See ``Swift/Sequence/sliced(_:_:_:)``.
public struct SlicedSequence<Base: Sequence>: Sequence {
  @usableFromInline
  let base: Base
  @usableFromInline
  let start: Int
  @usableFromInline
  let stop: Int?
  @usableFromInline
  let step: Int

  @inlinable
  init(base: Base, start: Int, stop: Int?, step: Int) {
    self.base = base
    self.start = start
    self.stop = stop
    self.step = step
  }

  public struct Iterator: IteratorProtocol {
    @usableFromInline
    var base: Base.Iterator
    /// The position of the next element the base will give.
    @usableFromInline
    var position = 0
    /// The position of the next element to hand out.
    @usableFromInline
    var wanted: Int
    @usableFromInline
    let stop: Int?
    @usableFromInline
    let step: Int

    @inlinable
    init(base: Base.Iterator, start: Int, stop: Int?, step: Int) {
      self.base = base
      self.wanted = start
      self.stop = stop
      self.step = step
    }

    @inlinable
    public mutating func next() -> Base.Element? {
      if let stop, wanted >= stop { return nil }
      while position < wanted {
        guard base.next() != nil else {
          wanted = position  // exhausted: stay at the end
          return nil
        }
        position += 1
      }
      guard let element = base.next() else { return nil }
      position += 1
      wanted += step
      return element
    }
  }

  @inlinable
  public func makeIterator() -> Iterator {
    Iterator(base: base.makeIterator(), start: start, stop: stop, step: step)
  }
}

extension SlicedSequence: LazySequenceProtocol where Base: LazySequenceProtocol {}
