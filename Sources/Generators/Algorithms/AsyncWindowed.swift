extension AsyncSequence {
  /// Sliding windows of `size` elements as they arrive, `step` apart. Python:
  /// `more_itertools.windowed` over an async iterator; `windowed(2)` is
  /// `pairwise`. Holds one window. See ``Swift/Sequence/windowed(_:step:partial:)``.
  ///
  /// - Complexity: O(`size`) per window.
  @inlinable
  public func windowed(_ size: Int, step: Int = 1, partial: Bool = false) -> AsyncWindowedSequence<Self> {
    precondition(size >= 1, "windowed(_:) needs a size of at least 1, got \(size)")
    precondition(step >= 1, "windowed(_:step:) needs a step of at least 1, got \(step)")
    return AsyncWindowedSequence(base: self, size: size, step: step, partial: partial)
  }
}

/// The windows of an async sequence; see ``_Concurrency/AsyncSequence/windowed(_:step:partial:)``.
public struct AsyncWindowedSequence<Base: AsyncSequence>: AsyncSequence {
  public typealias Element = [Base.Element]
  public typealias Failure = Base.Failure
  @usableFromInline let base: Base
  @usableFromInline let size: Int
  @usableFromInline let step: Int
  @usableFromInline let partial: Bool

  @inlinable
  init(base: Base, size: Int, step: Int, partial: Bool) {
    self.base = base
    self.size = size
    self.step = step
    self.partial = partial
  }

  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline var base: Base.AsyncIterator
    @usableFromInline let size: Int
    @usableFromInline let step: Int
    @usableFromInline let partial: Bool
    @usableFromInline var window: [Base.Element] = []
    @usableFromInline var started = false
    @usableFromInline var exhausted = false

    @inlinable
    init(base: Base.AsyncIterator, size: Int, step: Int, partial: Bool) {
      self.base = base
      self.size = size
      self.step = step
      self.partial = partial
    }

    @inlinable
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(Base.Failure) -> [Base.Element]? {
      if started {
        if step <= window.count {
          window.removeFirst(step)
        } else {
          // Read and drop the elements between two windows.
          var skip = step - window.count
          window.removeAll(keepingCapacity: true)
          while skip > 0, !exhausted {
            if try await base.next(isolation: actor) == nil { exhausted = true }
            skip -= 1
          }
        }
      }
      started = true
      while window.count < size, !exhausted {
        if let element = try await base.next(isolation: actor) { window.append(element) } else { exhausted = true }
      }
      if window.count == size { return window }
      return partial && !window.isEmpty ? window : nil
    }
  }

  @inlinable
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: base.makeAsyncIterator(), size: size, step: step, partial: partial)
  }
}

extension AsyncWindowedSequence: Sendable where Base: Sendable {}
