import Synchronization

/// A clock whose `sleep` returns at once, recording how long it was asked to
/// sleep and moving its time forward by that much, so tests never wait.
/// It honours cancellation as a real sleep does.
public final class RecordingClock: Clock, Sendable {
  public struct Instant: InstantProtocol, Hashable, Sendable {
    public var offset: Duration
    public init(offset: Duration) { self.offset = offset }
    public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
    public func duration(to other: Instant) -> Duration { other.offset - offset }
    public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
  }

  private let state = Locked((now: Instant(offset: .zero), sleeps: [Duration]()))

  public init() {}

  public var now: Instant { state.withLock { $0.now } }
  public var minimumResolution: Duration { .nanoseconds(1) }
  /// Every duration slept, in order.
  public var sleeps: [Duration] { state.withLock { $0.sleeps } }

  public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
    try Task.checkCancellation()
    state.withLock {
      $0.sleeps.append($0.now.duration(to: deadline))
      if deadline > $0.now { $0.now = deadline }
    }
  }
}
