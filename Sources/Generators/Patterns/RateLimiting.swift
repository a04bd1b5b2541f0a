/// A token bucket: permits at `rate` per second on average, with bursts of up
/// to `burst` after a quiet spell. Tokens refill continuously; each permit
/// takes one. Python: the token-bucket generator in the tutorial, or
/// `aiolimiter.AsyncLimiter(rate, period)`.
///
/// ```swift
/// let limit = TokenBucket(rate: 10, burst: 5)          // 10 requests/s, bursts of 5
/// for url in urls {
///   try await limit.acquire()                           // waits when the bucket is empty
///   try await fetch(url)
/// }
/// for try await _ in limit.permits().prefix(3) { … }    // the same, as a generator of permits
/// ```
///
/// Shared safely between tasks. Waiting is on `clock`; a test clock makes
/// tests instant.
public final class TokenBucket<C: Clock>: Sendable where C.Duration == Duration {
  public let rate: Double
  public let burst: Int
  public let clock: C
  private let state: LockedState<(tokens: Double, refilled: C.Instant)>

  /// - Parameters:
  ///   - rate: permits per second on average, more than 0.
  ///   - burst: the most permits granted at once after a pause, at least 1.
  ///     The bucket starts full.
  public init(rate: Double, burst: Int = 1, clock: C = ContinuousClock()) {
    precondition(rate > 0 && rate.isFinite, "a token bucket needs a positive rate, got \(rate)")
    precondition(burst >= 1, "a token bucket needs a burst of at least 1, got \(burst)")
    self.rate = rate
    self.burst = burst
    self.clock = clock
    state = LockedState((Double(burst), clock.now))
  }

  /// Takes `n` permits if the bucket holds them now; never waits.
  public func tryAcquire(_ n: Int = 1) -> Bool {
    let now = clock.now
    return state.withLock { state in
      refill(&state, now: now)
      guard state.tokens >= Double(n) else { return false }
      state.tokens -= Double(n)
      return true
    }
  }

  /// Takes `n` permits, waiting on the clock until the bucket holds them.
  /// Returns the instant they were granted.
  ///
  /// - Throws: `CancellationError` if the task is cancelled while waiting.
  @discardableResult
  public func acquire(_ n: Int = 1) async throws -> C.Instant {
    precondition(n >= 1 && n <= burst, "acquire(\(n)) needs 1...\(burst) permits: the bucket holds at most \(burst)")
    while true {
      let now = clock.now
      let wait = state.withLock { state -> Duration? in
        refill(&state, now: now)
        if state.tokens >= Double(n) {
          state.tokens -= Double(n)
          return nil
        }
        return .seconds((Double(n) - state.tokens) / rate)
      }
      guard let wait else { return now }
      try await clock.sleep(until: now.advanced(by: wait), tolerance: nil)
    }
  }

  private func refill(_ state: inout (tokens: Double, refilled: C.Instant), now: C.Instant) {
    guard now > state.refilled else { return }
    state.tokens = min(Double(burst), state.tokens + seconds(state.refilled.duration(to: now)) * rate)
    state.refilled = now
  }

  /// An endless generator of permits: each element is the instant one was granted.
  public func permits() -> Permits { Permits(bucket: self) }

  /// The permits of a ``TokenBucket``, as an async sequence.
  public struct Permits: AsyncSequence, Sendable {
    let bucket: TokenBucket
    public struct AsyncIterator: AsyncIteratorProtocol {
      let bucket: TokenBucket
      public mutating func next() async throws -> C.Instant? { try await bucket.acquire() }
    }
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bucket: bucket) }
  }
}

/// A leaky bucket: permits leave at exactly `rate` per second, evenly spaced,
/// never in bursts; at most `capacity` callers wait in line, and one more is
/// refused rather than queued without bound. Python: the tutorial's
/// leaky-bucket generator, a queue drained at a fixed rate.
///
/// ```swift
/// let meter = LeakyBucket(rate: 2, capacity: 10)        // one permit every 500 ms
/// try await meter.acquire()                             // throws .queueFull past 10 waiting
/// ```
public final class LeakyBucket<C: Clock>: Sendable where C.Duration == Duration {
  public let rate: Double
  public let capacity: Int
  public let clock: C
  /// The instant the next permit may leave.
  private let nextSlot: LockedState<C.Instant?>

  /// - Parameters:
  ///   - rate: permits per second, more than 0.
  ///   - capacity: how many callers may wait for a slot, at least 0.
  public init(rate: Double, capacity: Int, clock: C = ContinuousClock()) {
    precondition(rate > 0 && rate.isFinite, "a leaky bucket needs a positive rate, got \(rate)")
    precondition(capacity >= 0, "a leaky bucket needs a capacity of at least 0, got \(capacity)")
    self.rate = rate
    self.capacity = capacity
    self.clock = clock
    nextSlot = LockedState(nil)
  }

  /// The time between permits, in attoseconds (integer time: no rounding
  /// error may make the queue hold one caller fewer than its capacity).
  private var intervalAttoseconds: Int128 { Int128((1e18 / rate).rounded()) }

  private var interval: Duration { Duration(attoseconds: intervalAttoseconds) }

  /// Takes a permit if one may leave now; never waits or queues.
  public func tryAcquire() -> Bool {
    let now = clock.now
    return nextSlot.withLock { next in
      if let slot = next, slot > now { return false }
      next = now.advanced(by: interval)
      return true
    }
  }

  /// Waits for the next free slot and returns its instant.
  ///
  /// - Throws: ``RateLimitError/queueFull`` when `capacity` callers are
  ///   already waiting; `CancellationError` if cancelled while waiting (the
  ///   slot is then lost, as a dropped request's would be).
  @discardableResult
  public func acquire() async throws -> C.Instant {
    let now = clock.now
    let interval = self.interval, intervalAttoseconds = self.intervalAttoseconds
    let capacity = Int128(self.capacity)
    let slot = try nextSlot.withLock { next -> C.Instant in
      let slot = next.map { max($0, now) } ?? now
      // Callers already waiting: the slots between now and this one (rounded up).
      let ahead = now.duration(to: slot).attoseconds
      let waiting = (ahead + intervalAttoseconds - 1) / intervalAttoseconds
      if waiting > capacity { throw RateLimitError.queueFull(capacity: self.capacity) }
      next = slot.advanced(by: interval)
      return slot
    }
    if slot > now { try await clock.sleep(until: slot, tolerance: nil) }
    return slot
  }

  /// An endless generator of evenly spaced permits.
  public func permits() -> Permits { Permits(bucket: self) }

  /// The permits of a ``LeakyBucket``, as an async sequence.
  public struct Permits: AsyncSequence, Sendable {
    let bucket: LeakyBucket
    public struct AsyncIterator: AsyncIteratorProtocol {
      let bucket: LeakyBucket
      public mutating func next() async throws -> C.Instant? { try await bucket.acquire() }
    }
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bucket: bucket) }
  }
}

/// A rate limiter refused a request.
public enum RateLimitError: Error, Hashable, Sendable, CustomStringConvertible {
  /// A ``LeakyBucket`` already had `capacity` callers waiting.
  case queueFull(capacity: Int)

  public var description: String {
    switch self {
    case .queueFull(let capacity):
      "rate limit queue is full: \(capacity) callers are already waiting for a slot"
    }
  }
}
