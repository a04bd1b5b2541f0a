import HTTPTypes
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import WSClient
// WebSocketMessage (`.text(String)` or `.binary(ByteBuffer)`, whole, Python's
// `str | bytes`) and the other types a user of these sequences names are
// swift-websocket's WSCore: re-exported, so that no other import is needed.
@_exported import WSCore

/// WebSocket connections as async sequences, on swift-websocket's
/// `WebSocketClient` (Hummingbird's client). Python: the `websockets` package.
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
  ///   - bufferSize: messages read ahead of the consumer (websockets' `max_queue`).
  ///     Pongs are read in turn with messages, so a consumer that leaves the
  ///     buffer full for longer than `ping` is taken for a dead connection.
  ///   - maxMessageSize: a larger message fails the connection (websockets' `max_size`).
  ///   - headers: sent with the opening handshake (`Authorization`, …).
  /// - Returns: a single-pass sequence; iterating it throws ``StreamConnectionError``.
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
  /// - Throws: ``StreamConnectionError`` when no connection is made or the
  ///   server closes with an error code; what `messages` throws, after
  ///   closing (1011); the connection's error if it fails while sending.
  @discardableResult
  public static func send<Messages: AsyncSequence & Sendable>(
    _ messages: Messages, to url: String, maxMessageSize: Int = 1 << 20, headers: [(String, String)] = [],
    logger: Logger? = nil
  ) async throws -> Int where Messages.Element == WebSocketMessage {
    let outgoing = OutgoingSequence(messages)
    let opened = Shared(false)
    let configuration = clientConfiguration(ping: nil, maxMessageSize: maxMessageSize, headers: headers)
    let client = WebSocketClient(url: url, configuration: configuration, logger: logger ?? quietLogger) {
      _, outbound, _ in
      opened.withLock { $0 = true }
      try await outgoing.send(through: outbound)
    }
    let closeFrame: WebSocketCloseFrame?
    do {
      closeFrame = try await client.run()
    } catch where !opened.value && !(error is CancellationError) {
      throw StreamConnectionError(.connection, url: url, message: "no connection: \(error)")
    }
    if let code = closeFrame?.closeCode, code != .normalClosure {
      throw StreamConnectionError(
        .closed(code: Int(UInt16(webSocketErrorCode: code))), url: url,
        message: "the server closed the connection with code \(UInt16(webSocketErrorCode: code))",
        received: outgoing.sent)
    }
    return outgoing.sent
  }

  static func makeMessages(
    _ url: String, outgoing: (any OutgoingMessages)?, reconnect: Reconnect, ping: Duration?, bufferSize: Int,
    maxMessageSize: Int, headers: [(String, String)], logger: Logger?
  ) -> WebSocketMessages {
    precondition(bufferSize > 0, "a WebSocket needs a buffer of at least one message, got \(bufferSize)")
    return WebSocketMessages(
      url: url, configuration: clientConfiguration(ping: ping, maxMessageSize: maxMessageSize, headers: headers),
      reconnect: reconnect, bufferSize: bufferSize, maxMessageSize: maxMessageSize, outgoing: outgoing,
      logger: logger ?? quietLogger)
  }

  static func clientConfiguration(ping: Duration?, maxMessageSize: Int, headers: [(String, String)])
    -> WebSocketClientConfiguration
  {
    var fields = HTTPFields()
    for (name, value) in headers {
      guard let name = HTTPField.Name(name) else { preconditionFailure("not an HTTP header name: \(name)") }
      fields.append(HTTPField(name: name, value: value))
    }
    return WebSocketClientConfiguration(
      maxFrameSize: maxMessageSize, additionalHeaders: fields, closeTimeout: .seconds(10),
      autoPing: ping.map { .enabled(timePeriod: $0) } ?? .disabled)
  }

  /// The client's own log is not the stream's business: its failures reach
  /// the consumer as errors. Pass a logger to see it.
  static let quietLogger: Logger = {
    var logger = Logger(label: "StreamNetworking.WebSocket")
    logger.logLevel = .critical
    return logger
  }()
}
