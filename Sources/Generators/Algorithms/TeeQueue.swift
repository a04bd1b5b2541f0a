/// The elements read from a base and not yet read by every branch of a tee,
/// with each branch's position: the buffer the sync and async `tee` share.
struct TeeQueue<Element> {
  /// `buffer[head]` is element number `offset`; slots before `head` are
  /// dead, compacted now and then.
  private var buffer: [Element] = []
  private var head = 0
  private var offset = 0
  /// The number of the next element each branch reads.
  private var positions: [Int]

  init(consumers: Int) {
    positions = Array(repeating: 0, count: consumers)
  }

  /// How many elements are held (the lag between the fastest and the slowest branch).
  var count: Int { buffer.count - head }

  /// Whether `consumer`'s next element has been read from the base already.
  func hasElement(for consumer: Int) -> Bool { positions[consumer] < offset + count }

  mutating func append(_ element: Element) { buffer.append(element) }

  /// `consumer`'s next element (it must have one), forgetting what every
  /// branch has now read. Only a branch that was the slowest can move the
  /// oldest element, so the O(branches) scan runs only then.
  mutating func take(for consumer: Int) -> Element {
    let position = positions[consumer]
    let element = buffer[head + position - offset]
    positions[consumer] = position + 1
    if position == offset {
      let slowest = positions.min()!
      head += slowest - offset
      offset = slowest
      // Compact now and then so the array does not keep dead slots.
      if head > 64 && head * 2 > buffer.count {
        buffer.removeFirst(head)
        head = 0
      }
    }
    return element
  }
}
