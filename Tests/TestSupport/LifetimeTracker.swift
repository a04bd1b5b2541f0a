import Synchronization

/// Counts live instances of ``Tracked`` so tests can prove that whatever a
/// generator captured is released after close, break and deinit.
public final class LifetimeTracker: Sendable {
  private let counts = Locked((created: 0, released: 0))

  public init() {}

  /// Objects made and not yet released.
  public var alive: Int { counts.withLock { $0.created - $0.released } }
  public var created: Int { counts.withLock { $0.created } }

  /// A new object whose release this tracker counts.
  public func make() -> Tracked { Tracked(self) }

  fileprivate func didCreate() { counts.withLock { $0.created += 1 } }
  fileprivate func didRelease() { counts.withLock { $0.released += 1 } }
}

/// An object that reports its deinit to a ``LifetimeTracker``.
public final class Tracked: Sendable {
  private let tracker: LifetimeTracker
  fileprivate init(_ tracker: LifetimeTracker) {
    self.tracker = tracker
    tracker.didCreate()
  }
  deinit { tracker.didRelease() }
}

/// A sequence that can be iterated only once, like a file or a generator,
/// and counts the elements pulled from it, to prove laziness.
public final class OnePass<Element>: Sequence, IteratorProtocol {
  private let elements: [Element]
  private var index = 0
  public private(set) var pulled = 0
  private var iterated = false

  public init<Source: Sequence<Element>>(_ elements: Source) { self.elements = Array(elements) }

  public func makeIterator() -> OnePass {
    precondition(!iterated, "a single-pass sequence was iterated twice")
    iterated = true
    return self
  }

  public func next() -> Element? {
    guard index < elements.count else { return nil }
    defer { index += 1 }
    pulled += 1
    return elements[index]
  }
}
