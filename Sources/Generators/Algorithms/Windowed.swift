extension Sequence {
  /// Overlapping (or, with a `step` larger than `size`, spaced) windows of
  /// `size` consecutive elements. Python: `more_itertools.windowed(seq, n, step=step)`.
  ///
  /// ```swift
  /// Array([1, 2, 3, 4, 5].windowed(3))                           // → [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
  /// Array([1, 2, 3, 4, 5, 6].windowed(3, step: 2, partial: true))  // → [[1, 2, 3], [3, 4, 5], [5, 6]]
  /// Array([1, 2, 3, 4].windowed(3, partial: true))               // → [[1, 2, 3], [2, 3, 4], [3, 4], [4]]
  /// ```
  ///
  /// Works on single-pass sequences and keeps only the current window (unlike
  /// swift-algorithms' `windows(ofCount:)`, which needs a Collection).
  ///
  /// - Parameters:
  ///   - size: elements per window, at least 1.
  ///   - step: how far each window starts after the previous one, at least 1.
  ///   - partial: whether to end with every shorter window that starts before
  ///     the end (more-itertools instead pads a last incomplete window with a
  ///     fill value, and gives no shorter ones). A sequence shorter than `size`
  ///     gives no window unless `partial` is true.
  /// - Complexity: O(`size`) per window.
  @inlinable
  public func windowed(_ size: Int, step: Int = 1, partial: Bool = false) -> WindowedSequence<Self> {
    precondition(size >= 1, "windowed(_:) needs a size of at least 1, got \(size)")
    precondition(step >= 1, "windowed(_:step:) needs a step of at least 1, got \(step)")
    return WindowedSequence(base: self, size: size, step: step, partial: partial)
  }
}

/// The windows of a sequence; see ``Swift/Sequence/windowed(_:step:partial:)``.
public struct WindowedSequence<Base: Sequence> {
  @usableFromInline
  let base: Base
  @usableFromInline
  let size: Int
  @usableFromInline
  let step: Int
  @usableFromInline
  let partial: Bool

  @inlinable
  init(base: Base, size: Int, step: Int, partial: Bool) {
    self.base = base
    self.size = size
    self.step = step
    self.partial = partial
  }
}

extension WindowedSequence: Sequence {
  public struct Iterator: IteratorProtocol {
    @usableFromInline
    var base: Base.Iterator
    @usableFromInline
    let size: Int
    @usableFromInline
    let step: Int
    @usableFromInline
    let partial: Bool
    /// The elements of the next window read so far (at most `size`).
    @usableFromInline
    var window: [Base.Element] = []
    @usableFromInline
    var exhausted = false
    @usableFromInline
    var started = false

    @inlinable
    init(base: Base.Iterator, size: Int, step: Int, partial: Bool) {
      self.base = base
      self.size = size
      self.step = step
      self.partial = partial
      window.reserveCapacity(size)
    }

    @inlinable
    public mutating func next() -> [Base.Element]? {
      // The common case, a full window sliding by one: what a hand-written loop does.
      if step == 1, started, window.count == size, !exhausted {
        if let element = base.next() {
          window.removeFirst()
          window.append(element)
          return window
        }
        exhausted = true  // the general path below makes the partial windows
      }
      if started {
        // Move to the next window: drop `step` elements, reading and
        // discarding any that lie between windows.
        if step <= window.count {
          window.removeFirst(step)
        } else {
          var skip = step - window.count
          window.removeAll(keepingCapacity: true)
          while skip > 0, !exhausted {
            if base.next() == nil { exhausted = true }
            skip -= 1
          }
        }
      }
      started = true
      while window.count < size, !exhausted {
        if let element = base.next() { window.append(element) } else { exhausted = true }
      }
      if window.count == size { return window }
      return partial && !window.isEmpty ? window : nil
    }
  }

  @inlinable
  public func makeIterator() -> Iterator {
    Iterator(base: base.makeIterator(), size: size, step: step, partial: partial)
  }
}

extension WindowedSequence: LazySequenceProtocol where Base: LazySequenceProtocol {}
