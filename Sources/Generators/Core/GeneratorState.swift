/// Where a generator is in its life, as Python's `inspect.getgeneratorstate`
/// reports it (`GEN_CREATED`, `GEN_RUNNING`, `GEN_SUSPENDED`, `GEN_CLOSED`).
public enum GeneratorState: Sendable, Hashable, CustomStringConvertible {
  /// Made but never resumed: the body has not started (`GEN_CREATED`).
  case created
  /// The body is executing right now (`GEN_RUNNING`).
  case running
  /// Paused at a `yield`, waiting for `next()`, `send(_:)`, `throw(_:)` or `close()`
  /// (`GEN_SUSPENDED`).
  case suspended
  /// Finished, failed or closed; it yields nothing more (`GEN_CLOSED`).
  case closed

  public var description: String {
    switch self {
    case .created: "created"
    case .running: "running"
    case .suspended: "suspended"
    case .closed: "closed"
    }
  }
}

/// The internal phase, kept in one atomic byte so that a coroutine handed
/// between threads is seen consistently and a resume that finds the body
/// running is refused (see `CoroutineCore.lock(from:)` for what is and is not
/// caught).
@usableFromInline
enum Phase: UInt8 {
  case created = 0
  case suspended = 1
  case running = 2
  case closed = 3
  /// Driven by a parent's `yield(from:)`; only the outermost coroutine is resumed.
  case delegated = 4

  @inlinable
  var publicState: GeneratorState {
    switch self {
    case .created: .created
    case .suspended, .delegated: .suspended
    case .running: .running
    case .closed: .closed
    }
  }
}

/// What the body did when it last switched back to its resumer.
@usableFromInline
enum Signal: UInt8 {
  /// The resumer switched in and the body has not switched out yet.
  case running
  /// The body yielded a value, now in the `yielded` slot.
  case yielded
  /// The body called `yield(from:)` on a coroutine, now in `pendingDelegate`.
  case delegating
  /// The body returned or threw; it is never resumed again.
  case finished
}
