import Generators

/// When a request is tried again, and how long to wait: on connection errors
/// and on the statuses that say "later" (429, 500, 502, 503, 504), with the
/// library's ``Backoff`` between attempts, or the server's `Retry-After` when
/// it sends one. Python: `httpx.HTTPTransport(retries=…)` plus tenacity's
/// `wait_exponential`, honouring `Retry-After` as `urllib3.Retry` does.
///
/// ```swift
/// import Generators
///
/// let patient = HTTPRetry(maxAttempts: 8, backoff: Backoff(initial: .milliseconds(500)))
/// let once = HTTPRetry.none
/// ```
///
/// Only a request whose response has not started is retried: once a body is
/// being read, a failure is an error (the bytes so far were handed out).
public struct HTTPRetry: Sendable {
  /// Attempts in all, at least 1.
  public var maxAttempts: Int
  /// The waits between attempts when the server does not say.
  public var backoff: Backoff
  /// The statuses worth another attempt.
  public var retryStatuses: Set<Int>
  /// A `Retry-After` longer than this is not waited for: the error is thrown.
  public var maxRetryAfter: Duration

  public init(
    maxAttempts: Int = 5, backoff: Backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(30)),
    retryStatuses: Set<Int> = [429, 500, 502, 503, 504], maxRetryAfter: Duration = .seconds(120)
  ) {
    precondition(maxAttempts >= 1, "HTTPRetry needs at least 1 attempt, got \(maxAttempts)")
    self.maxAttempts = maxAttempts
    self.backoff = backoff
    self.retryStatuses = retryStatuses
    self.maxRetryAfter = maxRetryAfter
  }

  /// One attempt, no retries.
  public static var none: HTTPRetry { HTTPRetry(maxAttempts: 1) }

  /// Whether `error` is worth another attempt.
  func shouldRetry(_ error: HTTPError) -> Bool {
    switch error.kind {
    case .connection: true
    case .status(let status): retryStatuses.contains(status)
    case .invalidResponse, .invalidURL: false
    }
  }
}

/// Reads a `Retry-After` header: seconds (`120`) or an HTTP date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`), as the wait from now.
func parseRetryAfter(_ value: String, now: Double) -> Duration? {
  let trimmed = value.trimmingCharacters(in: .whitespaces)
  if let seconds = Double(trimmed), seconds >= 0, seconds.isFinite { return .milliseconds(Int64(seconds * 1000)) }
  let formatter = DateFormatter()
  formatter.locale = Locale(identifier: "en_US_POSIX")
  formatter.timeZone = TimeZone(identifier: "GMT")
  formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
  guard let date = formatter.date(from: trimmed) else { return nil }
  let wait = date.timeIntervalSince1970 - now
  return .milliseconds(Int64(max(0, wait) * 1000))
}

import Foundation
