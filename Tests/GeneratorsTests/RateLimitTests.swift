// Token bucket, leaky bucket and throttled(perSecond:burst:), on a clock that never waits.
import Generators
import Testing
import TestSupport

func offsets(_ instants: [RecordingClock.Instant]) -> [Duration] { instants.map(\.offset) }

@Suite struct RateLimitTests {
  @Test func tokenBucketGrantsABurstThenSpacesPermits() async throws {
    let clock = RecordingClock()
    let bucket = TokenBucket(rate: 10, burst: 3, clock: clock)
    var granted: [RecordingClock.Instant] = []
    for _ in 0..<6 { granted.append(try await bucket.acquire()) }
    #expect(offsets(granted) == [.zero, .zero, .zero, .milliseconds(100), .milliseconds(200), .milliseconds(300)])
    #expect(clock.sleeps == [.milliseconds(100), .milliseconds(100), .milliseconds(100)])
  }

  @Test func tokenBucketRefillsWhileIdleUpToTheBurst() async throws {
    let clock = RecordingClock()
    let bucket = TokenBucket(rate: 2, burst: 2, clock: clock)
    #expect(bucket.tryAcquire())
    #expect(bucket.tryAcquire())
    #expect(!bucket.tryAcquire())
    try await clock.sleep(for: .seconds(10))  // idle: refills to the burst, no further
    #expect(bucket.tryAcquire())
    #expect(bucket.tryAcquire())
    #expect(!bucket.tryAcquire())
  }

  @Test func tokenBucketPermitsAsAGenerator() async throws {
    let clock = RecordingClock()
    let bucket = TokenBucket(rate: 4, burst: 1, clock: clock)
    var instants: [RecordingClock.Instant] = []
    for try await permit in bucket.permits() {
      instants.append(permit)
      if instants.count == 4 { break }
    }
    #expect(offsets(instants) == [.zero, .milliseconds(250), .milliseconds(500), .milliseconds(750)])
  }

  @Test func leakyBucketSpacesEvenlyAndRefusesPastCapacity() async throws {
    let clock = RecordingClock()
    let bucket = LeakyBucket(rate: 10, capacity: 2, clock: clock)
    #expect(bucket.tryAcquire())
    #expect(!bucket.tryAcquire())  // no bursts
    let slot = try await bucket.acquire()
    #expect(slot.offset == .milliseconds(100))
    #expect(clock.sleeps == [.milliseconds(100)])
  }

  @Test func leakyBucketQueueIsBounded() async throws {
    // Callers queue without waiting for each other: a clock that never moves.
    let bucket = LeakyBucket(rate: 1, capacity: 2, clock: FrozenClock())
    let tasks = (0..<4).map { _ in Task { try await bucket.acquire() } }
    var refused = 0
    var granted: [Duration] = []
    for task in tasks {
      do { granted.append(try await task.value.offset) } catch let error as RateLimitError {
        #expect(error == .queueFull(capacity: 2))
        refused += 1
      }
    }
    #expect(refused == 1)
    #expect(granted.sorted() == [.zero, .seconds(1), .seconds(2)])
  }

  /// Integer time: at rates whose interval is not exact in binary (0.1 s),
  /// the queue still holds exactly `capacity` callers.
  @Test(arguments: [5.0, 10, 20, 100, 3, 7])
  func leakyBucketQueuesExactlyItsCapacity(rate: Double) async throws {
    let bucket = LeakyBucket(rate: rate, capacity: 3, clock: FrozenClock())
    var granted = 0
    var refused = 0
    for _ in 0..<6 {
      do {
        _ = try await bucket.acquire()
        granted += 1
      } catch is RateLimitError {
        refused += 1
      }
    }
    #expect(granted == 4, "one now and three waiting, at rate \(rate)")
    #expect(refused == 2)
  }

  @Test func throttledDeliversNoFasterThanTheRate() async throws {
    let clock = RecordingClock()
    let (stream, continuation) = AsyncStream<Int>.makeStream()
    for i in 0..<5 { continuation.yield(i) }
    continuation.finish()
    var seen: [(Int, Duration)] = []
    for try await x in stream.throttled(perSecond: 5, burst: 2, clock: clock) {
      seen.append((x, clock.now.offset))
    }
    #expect(seen.map(\.0) == [0, 1, 2, 3, 4])
    #expect(seen.map(\.1) == [.zero, .zero, .milliseconds(200), .milliseconds(400), .milliseconds(600)])
  }

  @Test func cancellationStopsTheWait() async throws {
    let bucket = TokenBucket(rate: 0.001, burst: 1)  // one permit per 1,000 s, real clock
    #expect(bucket.tryAcquire())
    let waiter = Task { try await bucket.acquire() }
    waiter.cancel()
    await #expect(throws: CancellationError.self) { try await waiter.value }
  }
}

/// A clock that never moves and never sleeps: every caller sees the same now.
struct FrozenClock: Clock {
  typealias Instant = RecordingClock.Instant
  var now: Instant { Instant(offset: .zero) }
  var minimumResolution: Duration { .nanoseconds(1) }
  func sleep(until deadline: Instant, tolerance: Duration?) async throws {}
}
