import Generators
import Testing
import TestSupport

struct Flaky: Error, Equatable { var attempt: Int }
struct Fatal: Error {}

@Suite struct BackoffTests {
  @Test func exponentialWithoutJitterIsCapped() {
    let waits = Array(Backoff(initial: .milliseconds(100), maximum: .seconds(1), jitter: .none).prefix(6))
    #expect(waits == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1)])
  }

  @Test func fullJitterStaysUnderTheExponentialAndIsRepeatableWithASeed() {
    let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5), jitter: .full, seed: 42)
    let first = Array(backoff.prefix(20)), again = Array(backoff.prefix(20))
    #expect(first == again, "a seed makes the waits repeatable")
    #expect(first != Array(Backoff(jitter: .full, seed: 43).prefix(20)))
    var ceiling = Duration.milliseconds(100)
    for wait in first {
      #expect(wait >= .zero && wait <= ceiling)
      ceiling = min(ceiling * 2, .seconds(5))
    }
  }

  @Test func decorrelatedJitterStaysInItsRange() {
    var previous = Duration.milliseconds(100)
    for wait in Backoff(initial: .milliseconds(100), maximum: .seconds(10), jitter: .decorrelated, seed: 7).prefix(50) {
      #expect(wait >= .milliseconds(100) - .nanoseconds(1))
      #expect(wait <= min(previous * 3, .seconds(10)) + .nanoseconds(1))
      previous = wait
    }
  }
}

@Suite struct RetryTests {
  @Test func retriesUntilSuccessSleepingAsTheBackoffSays() async throws {
    let clock = RecordingClock()
    var attempts = 0
    let result = try await retry(maxAttempts: 5, backoff: Backoff(jitter: .none), clock: clock) {
      attempts += 1
      if attempts < 3 { throw Flaky(attempt: attempts) }
      return "page"
    }
    #expect(result == "page")
    #expect(attempts == 3)
    #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200)])
  }

  @Test func throwsTheLastErrorWhenAttemptsRunOut() async {
    let clock = RecordingClock()
    var attempts = 0
    await #expect(throws: Flaky(attempt: 4)) {
      try await retry(maxAttempts: 4, backoff: Backoff(jitter: .none), clock: clock) {
        attempts += 1
        throw Flaky(attempt: attempts)
      }
    }
    #expect(clock.sleeps.count == 3, "no wait after the last attempt")
  }

  @Test func errorsNotWorthRetryingAreThrownAtOnce() async {
    let clock = RecordingClock()
    var attempts = 0
    await #expect(throws: Fatal.self) {
      try await retry(maxAttempts: 5, clock: clock, retryIf: { $0 is Flaky }) {
        attempts += 1
        throw Fatal()
      }
    }
    #expect(attempts == 1)
    #expect(clock.sleeps.isEmpty)
  }

  @Test func cancellationStopsTheWaiting() async {
    let clock = RecordingClock()
    let task = Task {
      try await retry(maxAttempts: 10, clock: clock) { () async throws -> Int in
        withUnsafeCurrentTask { $0?.cancel() }
        throw Flaky(attempt: 0)
      }
    }
    await #expect(throws: CancellationError.self) { try await task.value }
  }

  /// A body that does not await still takes the async form in async code:
  /// its wait is the clock's (cancellable), not a blocked thread. The sync
  /// form would ignore the cancellation and throw the body's error.
  @Test func aBodyThatDoesNotAwaitTakesTheAsyncFormInAsyncCode() async {
    let task = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      var attempts = 0
      return try await retry(maxAttempts: 3, backoff: Backoff(initial: .seconds(30), jitter: .none)) {
        attempts += 1
        if attempts < 10 { throw Flaky(attempt: attempts) }
        return attempts
      }
    }
    await #expect(throws: CancellationError.self) { try await task.value }
  }

  @Test func synchronousRetryUsesTheInjectedSleep() throws {
    var slept: [Duration] = []
    var attempts = 0
    let value = try retry(maxAttempts: 3, backoff: Backoff(jitter: .none), sleep: { slept.append($0) }) {
      attempts += 1
      if attempts < 3 { throw Flaky(attempt: attempts) }
      return 42
    }
    #expect(value == 42)
    #expect(slept == [.milliseconds(100), .milliseconds(200)])
  }
}
