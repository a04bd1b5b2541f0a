/// A WebSocket or Server-Sent Events stream that failed: the URL, what went
/// wrong, and how far it got. Python: websockets' `ConnectionClosedError` /
/// `InvalidHandshake`, httpx-sse's `SSEError`.
///
/// Its description names all of it:
/// `ws://host/feed: the server closed the connection with code 1011: overloaded after 3 attempts (120 received)`.
public struct StreamConnectionError: Error, Sendable, CustomStringConvertible {
  /// What went wrong.
  public enum Kind: Sendable, Hashable {
    /// No connection: refused, reset, a failed handshake or HTTP status.
    case connection
    /// The connection ended without a close (a drop, or no pong within the ping
    /// timeout, or no byte within an SSE heartbeat timeout).
    case lost
    /// The WebSocket server closed with a code other than 1000 (normal closure).
    case closed(code: Int)
    /// The server's answer is not a stream of this kind (an SSE response that
    /// is not `text/event-stream`, an event larger than the maximum).
    case invalidResponse
  }

  public var kind: Kind
  /// The stream's URL.
  public var url: String
  /// What went wrong, in words.
  public var message: String
  /// Attempts to connect in a row that failed, this one included.
  public var attempts: Int
  /// Messages or events handed out before the failure, over all connections.
  public var received: Int

  public init(_ kind: Kind, url: String, message: String, attempts: Int = 1, received: Int = 0) {
    self.kind = kind
    self.url = url
    self.message = message
    self.attempts = attempts
    self.received = received
  }

  public var description: String {
    let tries = attempts > 1 ? " after \(attempts) attempts" : ""
    return "\(url): \(message)\(tries) (\(received) received)"
  }
}
