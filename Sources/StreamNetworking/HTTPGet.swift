import AsyncHTTPClient
import Foundation
import Generators
import NIOCore
import NIOHTTP1
import StreamIO

/// Requests over AsyncHTTPClient with the library's retry, backoff and rate
/// limiting. Python: `httpx.AsyncClient.stream("GET", url)`, with retries.
public enum HTTPStreams {
  /// GETs `url` and returns the response once its head has arrived with a
  /// 2xx status; its body is still to be read (stream it, or drop it to close
  /// the connection). Connection errors and the statuses in `retry` are tried
  /// again, waiting as `Retry-After` says or as `retry.backoff` does.
  ///
  /// - Parameters:
  ///   - headers: sent with the request (`Accept`, `Authorization`, …).
  ///   - rateLimit: a permit is taken before each attempt, to stay under an API's limit.
  ///   - timeout: for the response's head; a body may stream for as long as it takes.
  /// - Throws: ``HTTPError`` naming the URL, the last status or connection error,
  ///   and the attempts made; `CancellationError` if the task is cancelled.
  public static func get(
    _ url: String, headers: [(String, String)] = [], client: HTTPClient = .shared, retry: HTTPRetry = HTTPRetry(),
    rateLimit: TokenBucket<ContinuousClock>? = nil, timeout: Duration = .seconds(30)
  ) async throws -> HTTPClientResponse {
    var waits = retry.backoff.makeIterator()
    var attempt = 1
    while true {
      try Task.checkCancellation()
      if let rateLimit { _ = try await rateLimit.acquire() }
      let failure: HTTPError
      do {
        return try await attemptGet(url, headers: headers, client: client, timeout: timeout)
      } catch let error as HTTPError {
        failure = error
      }
      var error = failure
      error.attempts = attempt
      guard attempt < retry.maxAttempts, retry.shouldRetry(error) else { throw error }
      let wait = error.retryAfter ?? waits.next()!
      guard wait <= retry.maxRetryAfter else { throw error }
      try await Task.sleep(for: wait)
      attempt += 1
    }
  }

  /// One attempt: the response if its status is 2xx, else an ``HTTPError``.
  static func attemptGet(
    _ url: String, headers: [(String, String)], client: HTTPClient, timeout: Duration
  ) async throws -> HTTPClientResponse {
    guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
      parsed.host != nil
    else {
      throw HTTPError(.invalidURL, url: url, message: "not an http:// or https:// URL")
    }
    var request = HTTPClientRequest(url: url)
    request.method = .GET
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    let response: HTTPClientResponse
    do {
      response = try await client.execute(request, timeout: TimeAmount(timeout))
    } catch is CancellationError {
      throw CancellationError()
    } catch {
      if Task.isCancelled { throw CancellationError() }
      throw HTTPError(.connection, url: url, message: "no response: \(error)")
    }
    let status = Int(response.status.code)
    guard (200..<300).contains(status) else {
      // Read a little of the body for the message (APIs explain errors there).
      let detail = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
      let retryAfter = response.headers.first(name: "Retry-After").flatMap {
        parseRetryAfter($0, now: Date().timeIntervalSince1970)
      }
      let snippet = detail.prefix(200).replacingOccurrences(of: "\n", with: " ")
      throw HTTPError(
        .status(status), url: url,
        message: "HTTP \(status) \(response.status.reasonPhrase)" + (snippet.isEmpty ? "" : ": \(snippet)"),
        retryAfter: retryAfter)
    }
    return response
  }
}

extension ByteSource {
  /// The body of `url` as a source for any reader: `LineReader`,
  /// `JSONLinesReader`, `CSVReader` (see ``CSVReader/http(_:dialect:headers:client:retry:)``),
  /// ``ByteChunks``. gzip is decompressed (`Content-Encoding: gzip`, or gzip's
  /// magic bytes). Python: `async with httpx.stream("GET", url) as r: r.aiter_lines()`.
  ///
  /// ```swift
  /// import StreamIO
  ///
  /// struct Event: Decodable { var user: String; var ms: Int }
  /// let events = JSONLinesReader<Event>(lines: LineReader(source: try await .http(url)))
  /// var total = 0
  /// for try await event in events { total += event.ms }
  /// print(total)  // → 1225
  /// ```
  ///
  /// The body is read only as the reader asks (back-pressure reaches the
  /// socket); closing the reader, breaking out of its loop or releasing it
  /// closes the connection. A connection cut mid-body is a ``StreamIOError``
  /// naming the URL and the bytes received.
  ///
  /// - Throws: ``HTTPError`` if no 2xx response came (after `retry`'s attempts).
  public static func http(
    _ url: String, headers: [(String, String)] = [], client: HTTPClient = .shared, retry: HTTPRetry = HTTPRetry(),
    rateLimit: TokenBucket<ContinuousClock>? = nil
  ) async throws -> ByteSource {
    let response = try await HTTPStreams.get(url, headers: headers, client: client, retry: retry, rateLimit: rateLimit)
    return try ByteSource(response, url: url)
  }

  /// A source over a response you have: its body, decompressed if it is gzip.
  /// gzip is told by its magic bytes rather than by `Content-Encoding`, which
  /// stays on the response when the client has already decompressed it
  /// (`HTTPClient.shared` does).
  public convenience init(_ response: HTTPClientResponse, url: String) throws {
    try self.init(chunks: response.body, name: url, compression: .automatic)
  }
}

extension CSVReader {
  /// CSV over HTTP: the header is read as the reader is made (off Swift's
  /// cooperative threads, as all reads of a network source are).
  /// Python: `csv.DictReader(r.iter_lines())` over an httpx stream.
  ///
  /// ```swift
  /// import StreamIO
  ///
  /// var total = 0
  /// for try await row in try await CSVReader.http(csvURL) { total += try row["qty", as: Int.self] }
  /// print(total)  // → 1774
  /// ```
  public static func http(
    _ url: String, dialect: CSVDialect = .standard, headers: [(String, String)] = [], client: HTTPClient = .shared,
    retry: HTTPRetry = HTTPRetry()
  ) async throws -> CSVReader {
    let source = try await ByteSource.http(url, headers: headers, client: client, retry: retry)
    return try await CSVReader.opening(source: source, dialect: dialect)
  }
}

extension TimeAmount {
  init(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
  }
}
