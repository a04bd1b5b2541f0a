/// A request that failed: the URL, what went wrong, and what was received
/// before it. Python: httpx's `HTTPStatusError` / `TransportError`.
///
/// Its description names all three:
/// `GET http://host/feed: HTTP 503 Service Unavailable after 5 attempts (0 bytes received)`.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
  /// What went wrong.
  public enum Kind: Sendable, Hashable {
    /// No response: the connection was refused, reset or timed out.
    case connection
    /// The server answered with a status that is not 2xx.
    case status(Int)
    /// The response's JSON is not what was expected (a page without its items).
    case invalidResponse
    /// The URL cannot be requested.
    case invalidURL
  }

  public var kind: Kind
  /// The URL requested.
  public var url: String
  /// What went wrong, in words.
  public var message: String
  /// Bytes of response bodies received before the failure (for a paginated
  /// API, over all pages so far).
  public var bytesReceived: Int
  /// Attempts made, retries included.
  public var attempts: Int
  /// The wait the server asked for (`Retry-After`), if it did.
  public var retryAfter: Duration?

  public init(
    _ kind: Kind, url: String, message: String, bytesReceived: Int = 0, attempts: Int = 1, retryAfter: Duration? = nil
  ) {
    self.kind = kind
    self.url = url
    self.message = message
    self.bytesReceived = bytesReceived
    self.attempts = attempts
    self.retryAfter = retryAfter
  }

  /// The HTTP status, for ``Kind/status(_:)``.
  public var status: Int? {
    if case .status(let status) = kind { return status }
    return nil
  }

  public var description: String {
    let tries = attempts > 1 ? " after \(attempts) attempts" : ""
    return "GET \(url): \(message)\(tries) (\(bytesReceived) bytes received)"
  }
}
