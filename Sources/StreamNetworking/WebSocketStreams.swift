import Logging
import NIOCore
// WebSocketMessage (`.text(String)` or `.binary(ByteBuffer)`, whole, Python's
// `str | bytes`) is swift-websocket's WSCore type, the one Hummingbird's
// WebSocket server hands out too: re-exported, so that no other import is needed.
@_exported import WSCore

/// WebSocket connections as async sequences, on this library's own RFC 6455
/// client over SwiftNIO (TCP, TLS for `wss://` with NIOSSL). Python: the
/// `websockets` package.
public enum WebSocketStreams {
  /// The incoming messages of the WebSocket at `url`, connecting when first
  /// iterated. Python: `async for message in websocket` (websockets), with
  /// `async for websocket in connect(uri)` around it for the reconnections.
  ///
  /// ```swift
  /// import Generators
  /// import StreamNetworking
  ///
  /// var received: [String] = []
  /// for try await message in WebSocketStreams.messages(webSocketURL + "/count/5") {
  ///   if case .text(let text) = message { received.append(text) }
  /// }
  /// print(received)  // → ["0", "1", "2", "3", "4"]
  /// ```
  ///
  /// Messages the sequence `sending` makes are sent as they come, while
  /// incoming ones are read (Python: a task calling `await websocket.send(m)`
  /// in a loop beside the `async for`); a reconnection goes on with its next one:
  ///
  /// ```swift
  /// import Generators
  /// import StreamNetworking
  ///
  /// let questions = AsyncGenerator<WebSocketMessage> { co in
  ///   for n in 1...3 { try await co.yield(.text("question \(n)")) }
  /// }
  /// var answers: [String] = []
  /// for try await answer in WebSocketStreams.messages(webSocketURL + "/echo", sending: questions) {
  ///   if case .text(let text) = answer { answers.append(text) }
  ///   if answers.count == 3 { break }     // a close frame (1000), then the connection is closed
  /// }
  /// print(answers)  // → ["question 1", "question 2", "question 3"]
  /// ```
  ///
  /// - Parameters:
  ///   - sending: messages to send; they stop when the connection closes.
  ///   - reconnect: when and how soon a lost connection is made again
  ///     (``Reconnect/never`` to throw at the first loss).
  ///   - ping: a ping is sent this often, and a peer that has not answered the
  ///     last one by the next is taken for dead (websockets' `ping_interval` and
  ///     `ping_timeout`); nil: no pings.
  ///   - bufferSize: messages read ahead of the consumer (websockets' `max_queue`):
  ///     once this many wait, the socket is not read (the read that filled the
  ///     buffer may bring more). Pongs are read in turn with messages, so a
  ///     consumer that leaves the buffer full for longer than `ping` is taken
  ///     for a dead connection.
  ///   - maxMessageSize: a larger message, whole or in fragments, fails the
  ///     connection with close code 1009 (websockets' `max_size`); it is seen
  ///     from the frame's header, before its payload is read.
  ///   - headers: sent with the opening handshake (`Authorization`, …).
  ///   - logger: the stream's connections, their ends and the reconnections, at debug level.
  /// - Returns: a single-pass sequence; iterating it throws ``StreamConnectionError``.
  ///
  /// `wss://` is TLS with NIOSSL and the system's trust roots, the server's
  /// name checked against its certificate.
  public static func messages<Outgoing: AsyncSequence & Sendable>(
    _ url: String, sending: Outgoing, reconnect: Reconnect = Reconnect(), ping: Duration? = .seconds(20),
    bufferSize: Int = 256, maxMessageSize: Int = 1 << 20, headers: [(String, String)] = [], logger: Logger? = nil
  ) -> WebSocketMessages where Outgoing.Element == WebSocketMessage {
    makeMessages(
      url, outgoing: OutgoingSequence(sending), reconnect: reconnect, ping: ping, bufferSize: bufferSize,
      maxMessageSize: maxMessageSize, headers: headers, logger: logger)
  }

  /// The incoming messages, sending none. See
  /// ``messages(_:sending:reconnect:ping:bufferSize:maxMessageSize:headers:logger:)``.
  public static func messages(
    _ url: String, reconnect: Reconnect = Reconnect(), ping: Duration? = .seconds(20), bufferSize: Int = 256,
    maxMessageSize: Int = 1 << 20, headers: [(String, String)] = [], logger: Logger? = nil
  ) -> WebSocketMessages {
    makeMessages(
      url, outgoing: nil, reconnect: reconnect, ping: ping, bufferSize: bufferSize, maxMessageSize: maxMessageSize,
      headers: headers, logger: logger)
  }

  /// Sends every message of `messages` to the WebSocket at `url`, then closes
  /// it normally (1000) and waits for the server's close. Returns how many
  /// were sent. Python: `async with connect(uri) as ws:` and
  /// `await ws.send(message)` for each.
  ///
  /// ```swift
  /// import Generators
  /// import StreamNetworking
  ///
  /// let readings = AsyncGenerator<WebSocketMessage> { co in
  ///   for n in 0..<100 { try await co.yield(.text("{\"reading\":\(n)}")) }
  /// }
  /// let sent = try await WebSocketStreams.send(readings, to: webSocketURL + "/echo")
  /// print(sent)  // → 100
  /// ```
  ///
  /// - Throws: ``StreamConnectionError`` when no connection is made, the
  ///   server closes with an error code or the connection is lost while
  ///   sending; what `messages` throws, after closing (1011). Messages the
  ///   server sends meanwhile (an echo, a broadcast) are read and dropped.
  @discardableResult
  public static func send<Messages: AsyncSequence & Sendable>(
    _ messages: Messages, to url: String, maxMessageSize: Int = 1 << 20, headers: [(String, String)] = [],
    logger: Logger? = nil
  ) async throws -> Int where Messages.Element == WebSocketMessage {
    precondition(maxMessageSize > 0, "maxMessageSize must be positive, got \(maxMessageSize)")
    checkHeaders(headers)
    let outgoing = OutgoingSequence(messages)
    // Incoming messages (an echo, a broadcast) are read and dropped.
    let queue = MessageQueue(capacity: 1, discards: true)
    let connection = try await WebSocketConnection.connect(
      url, headers: headers, maxMessageSize: maxMessageSize, ping: nil, timeout: closeTimeout, queue: queue)
    do {
      try await outgoing.send(through: connection)
    } catch is WebSocketWriteFailure {
      // The connection ended while sending: its end says how.
    } catch {
      connection.close(code: error is CancellationError ? 1000 : 1011, reason: "the outgoing messages failed")
      _ = await connection.end
      throw error
    }
    connection.close(code: 1000)
    switch await connection.end {
    case .closed(let code, _) where code == nil || code == 1000:
      return outgoing.sent
    case .closed(let code, let reason):
      let reason = reason.isEmpty ? "" : ": \(reason)"
      throw StreamConnectionError(
        .closed(code: Int(code ?? 1005)), url: url,
        message: "the server closed the connection with code \(code ?? 1005)\(reason)", received: outgoing.sent)
    case .lost(let message), .handshakeFailed(let message):
      throw StreamConnectionError(.lost, url: url, message: message, received: outgoing.sent)
    case .failed(let problem):
      throw StreamConnectionError(
        .invalidResponse, url: url, message: "\(problem.message): the client closed the connection with code \(problem.code)",
        received: outgoing.sent)
    }
  }

  static func makeMessages(
    _ url: String, outgoing: (any OutgoingMessages)?, reconnect: Reconnect, ping: Duration?, bufferSize: Int,
    maxMessageSize: Int, headers: [(String, String)], logger: Logger?
  ) -> WebSocketMessages {
    precondition(bufferSize > 0, "a WebSocket needs a buffer of at least one message, got \(bufferSize)")
    precondition(maxMessageSize > 0, "maxMessageSize must be positive, got \(maxMessageSize)")
    checkHeaders(headers)
    return WebSocketMessages(
      url: url, headers: headers, ping: ping, timeout: closeTimeout, reconnect: reconnect, bufferSize: bufferSize,
      maxMessageSize: maxMessageSize, outgoing: outgoing, logger: logger ?? quietLogger)
  }

  /// How long the opening handshake, and the server's answer to a close frame, may take.
  static let closeTimeout = Duration.seconds(10)

  /// Header names are HTTP tokens and values hold no line break: anything else is a programmer's error.
  static func checkHeaders(_ headers: [(String, String)]) {
    let separators = Set("()<>@,;:\\\"/[]?={} \t")
    for (name, value) in headers {
      precondition(
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0.value < 127 }
          && !name.contains(where: separators.contains),
        "not an HTTP header name: \(name)")
      precondition(!value.contains(where: { $0 == "\r" || $0 == "\n" }), "an HTTP header value with a line break: \(name)")
    }
  }

  /// The stream's own log is not wanted by default: its failures reach the
  /// consumer as errors. Pass a logger to see it.
  static let quietLogger: Logger = {
    var logger = Logger(label: "StreamNetworking.WebSocket")
    logger.logLevel = .critical
    return logger
  }()
}
