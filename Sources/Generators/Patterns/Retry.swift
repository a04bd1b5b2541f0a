/// Runs `operation` until it succeeds, waiting between attempts as `backoff`
/// says, on `clock` (inject a test clock so tests never really wait).
/// Python: a `for wait in backoff(): try ... except: time.sleep(wait)` loop,
/// or tenacity's `@retry`.
///
/// ```swift
/// struct Unavailable: Error {}                    // what your client throws on a 503
/// let page = try await retry(maxAttempts: 5, retryIf: { $0 is Unavailable }) {
///   try await fetchPage(3)
/// }
/// ```
///
/// - Parameters:
///   - maxAttempts: attempts in all, at least 1.
///   - retryIf: whether an error is worth another attempt; others are thrown at once.
/// - Returns: the first successful result.
/// - Throws: the last error when the attempts run out, an error `retryIf`
///   refuses, or `CancellationError` if the task is cancelled while waiting.
public func retry<Result, C: Clock>(
  maxAttempts: Int, backoff: Backoff = Backoff(), clock: C = ContinuousClock(),
  retryIf: (any Error) -> Bool = { _ in true },
  isolation: isolated (any Actor)? = #isolation,
  _ operation: () async throws -> Result
) async throws -> Result where C.Duration == Duration {
  precondition(maxAttempts >= 1, "retry needs at least 1 attempt, got \(maxAttempts)")
  var waits = backoff.makeIterator()
  var attempt = 1
  while true {
    do {
      return try await operation()
    } catch {
      guard attempt < maxAttempts, retryIf(error) else { throw error }
      try await clock.sleep(for: waits.next()!)
      attempt += 1
    }
  }
}

/// The synchronous form: waits with `sleep` (by default the thread sleeps).
///
/// In an async function `try await retry { … }` takes the async form even
/// when the body does not await (this one is disfavoured), so a wait never
/// blocks a thread of the concurrency pool; in synchronous code this is the
/// only form. One exception: at the top level of a `main.swift`, Swift 6.3
/// still picks this form for a body that does not await (it warns "no 'async'
/// operations occur within 'await' expression"); name a clock there,
/// `retry(maxAttempts: 5, clock: ContinuousClock()) { … }`, to take the async one.
@_disfavoredOverload
public func retry<Result>(
  maxAttempts: Int, backoff: Backoff = Backoff(), retryIf: (any Error) -> Bool = { _ in true },
  sleep: (Duration) -> Void = sleepThread, _ operation: () throws -> Result
) throws -> Result {
  precondition(maxAttempts >= 1, "retry needs at least 1 attempt, got \(maxAttempts)")
  var waits = backoff.makeIterator()
  var attempt = 1
  while true {
    do {
      return try operation()
    } catch {
      guard attempt < maxAttempts, retryIf(error) else { throw error }
      sleep(waits.next()!)
      attempt += 1
    }
  }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocks the current thread for `duration`: the synchronous `retry`'s default wait.
@usableFromInline
func sleepThread(_ duration: Duration) {
  let (seconds, attoseconds) = duration.components
  var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
  var remaining = timespec()
  while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
