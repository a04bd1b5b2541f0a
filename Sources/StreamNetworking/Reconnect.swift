import Generators

/// Whether a stream that lost its connection connects again, and how long it
/// waits first: the library's ``Backoff`` between attempts, reset by every
/// connection that works. Python: the `async for websocket in connect(uri)`
/// loop of `websockets`, which reconnects with exponential backoff; for
/// Server-Sent Events, the browser's `EventSource`, which always does.
///
/// ```swift
/// import Generators
///
/// let patient = Reconnect(maxAttempts: nil, backoff: Backoff(initial: .milliseconds(250)))
/// let once = Reconnect.never
/// ```
public struct Reconnect: Sendable {
  /// Failed attempts in a row before the stream gives up and throws the last
  /// error; nil: never give up.
  public var maxAttempts: Int?
  /// The waits between attempts (a server's SSE `retry:` replaces its initial wait).
  public var backoff: Backoff

  public init(maxAttempts: Int? = 10, backoff: Backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(30))) {
    precondition((maxAttempts ?? 1) >= 1, "Reconnect needs at least 1 attempt, got \(maxAttempts ?? 0)")
    self.maxAttempts = maxAttempts
    self.backoff = backoff
  }

  /// One connection: a lost one ends the stream with an error.
  public static var never: Reconnect { Reconnect(maxAttempts: 1) }

  /// Whether another attempt is allowed after `failures` failed ones in a row.
  func allows(after failures: Int) -> Bool { maxAttempts.map { failures < $0 } ?? true }
}
