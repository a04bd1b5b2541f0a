extension Sequence {
  /// `count` independent iterators over one single-pass sequence. Python:
  /// `itertools.tee(iterable, n)`.
  ///
  ///     let branches = numbers.tee(3)          // or, for two: let (a, b) = numbers.tee()
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
  public var bufferedCount: Int { shared.buffer.count - shared.head }
}

final class TeeBuffer<Element> {
  var base: AnyIterator<Element>
  /// Elements read from the base and not yet read by every consumer;
  /// `buffer[0]` is element number `offset`.
  var buffer: [Element] = []
  var head = 0
  var offset = 0
  /// The number of the next element each consumer will read.
  var positions: [Int]
  var exhausted = false

  init(_ base: AnyIterator<Element>, consumers: Int) {
    self.base = base
    positions = Array(repeating: 0, count: consumers)
  }

  func next(for consumer: Int) -> Element? {
    let position = positions[consumer]
    if position - offset == buffer.count - head {
      guard !exhausted, let element = base.next() else {
        exhausted = true
        return nil
      }
      buffer.append(element)
    }
    let element = buffer[head + position - offset]
    positions[consumer] = position + 1
    // Only a consumer that was the slowest can move the oldest kept element.
    if position == offset { dropReadByAll() }
    return element
  }

  /// Forgets the elements every consumer has read.
  private func dropReadByAll() {
    let slowest = positions.min()!
    head += slowest - offset
    offset = slowest
    // Compact now and then so the array does not keep dead slots.
    if head > 64 && head * 2 > buffer.count {
      buffer.removeFirst(head)
      head = 0
    }
  }
}
