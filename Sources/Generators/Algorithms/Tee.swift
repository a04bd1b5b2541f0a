extension Sequence {
  /// `count` independent iterators over one single-pass sequence. Python:
  /// `itertools.tee(iterable, n)`.
  ///
  /// ```swift
  /// let (a, b) = [1, 2, 3].tee()         // two; [1, 2, 3].tee(3) gives an array of three
  /// Array(a)                             // → [1, 2, 3]
  /// Array(b)                             // → [1, 2, 3]
  /// ```
  ///
  /// The iterators share one buffer that holds only the elements the slowest
  /// of them has not read yet: its size is the lag between the fastest and
  /// the slowest (read one far ahead of the others and it grows; keep them
  /// close and memory stays flat). The base is read once, on demand.
  ///
  /// - Complexity: amortized O(1) per element read, plus an O(`count`) scan
  ///   when the slowest iterator reads; memory O(lag).
  public func tee(_ count: Int) -> [TeeIterator<Element>] {
    precondition(count >= 1, "tee(_:) needs at least 1 iterator, got \(count)")
    let shared = TeeBuffer(AnyIterator(makeIterator()), consumers: count)
    return (0..<count).map { TeeIterator(shared: shared, consumer: $0) }
  }

  /// Two independent iterators: Python's `a, b = itertools.tee(iterable)`.
  public func tee() -> (TeeIterator<Element>, TeeIterator<Element>) {
    let branches = tee(2)
    return (branches[0], branches[1])
  }
}

/// One of the iterators ``Swift/Sequence/tee(_:)`` returns.
public struct TeeIterator<Element>: IteratorProtocol, Sequence {
  let shared: TeeBuffer<Element>
  let consumer: Int

  public mutating func next() -> Element? { shared.next(for: consumer) }

  /// How many elements the shared buffer holds right now (the lag between
  /// the fastest and the slowest iterator).
  public var bufferedCount: Int { shared.queue.count }
}

final class TeeBuffer<Element> {
  var base: AnyIterator<Element>
  var queue: TeeQueue<Element>
  var exhausted = false

  init(_ base: AnyIterator<Element>, consumers: Int) {
    self.base = base
    queue = TeeQueue(consumers: consumers)
  }

  func next(for consumer: Int) -> Element? {
    if !queue.hasElement(for: consumer) {
      guard !exhausted, let element = base.next() else {
        exhausted = true
        return nil
      }
      queue.append(element)
    }
    return queue.take(for: consumer)
  }
}
