import Synchronization

/// Counts live instances of ``Tracked`` so tests can prove that whatever a
/// generator captured is released after close, break and deinit.
public final class LifetimeTracker: Sendable {
  private let counts = Mutex((created: 0, released: 0))

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

/// A sequence that counts how many elements were pulled from it, to prove laziness.
public final class CountingSequence<Base: Sequence>: Sequence {
  public private(set) var pulled = 0
  private let base: Base
  public init(_ base: Base) { self.base = base }

  public func makeIterator() -> AnyIterator<Base.Element> {
    var inner = base.makeIterator()
    return AnyIterator { [self] in
      guard let next = inner.next() else { return nil }
      pulled += 1
      return next
    }
  }
}
