import NIOCore
import NIOHTTP1
import NIOWebSocket

/// How a WebSocket connection ended.
enum WebSocketEnd: Sendable {
  /// The server sent a close frame (code nil: one without a code, 1005).
  case closed(code: UInt16?, reason: String)
  /// The connection ended without a close frame: dropped, or no pong in time.
  case lost(String)
  /// The client failed the connection: the server broke the protocol.
  case failed(WebSocketProtocolFailure)
  /// The opening handshake did not succeed.
  case handshakeFailed(String)
}

/// One WebSocket client connection, on its channel's event loop (RFC 6455):
/// it writes the opening handshake and checks the answer, then decodes the
/// server's frames (``WebSocketFrameParser``) into whole messages and hands
/// all those of one read (NIO's reads up to `channelReadComplete`) to a
/// ``MessageQueue`` at once. It
/// answers pings, sends its own and takes a peer that misses a pong for
/// dead, and carries out the closing handshake either side starts.
///
/// Back-pressure: when the queue says it is full, the handler keeps the
/// channel's `read()` to itself, so the socket is not read (and TCP holds
/// the server back) until the consumer has taken the waiting messages.
///
/// Outbound, it passes on the data frames written to the channel (the
/// sending side) while the connection is open, and refuses them after a
/// close frame; NIO's `WebSocketFrameEncoder`, added before it once the
/// handshake succeeds, masks and encodes them.
final class WebSocketClientHandler: ChannelDuplexHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundIn = WebSocketFrame
  typealias OutboundOut = WebSocketFrame

  private enum State {
    case handshaking
    case open
    /// This side sent a close frame and waits for the server's.
    case closing
    /// The server's close frame was answered (or the connection failed): waits for the TCP connection to end.
    case closed
  }

  struct Settings {
    var url: WebSocketURL
    var headers: [(String, String)]
    var maxMessageSize: Int
    var ping: Duration?
    /// How long the opening handshake, and the closing handshake's answers, may take.
    var timeout: TimeAmount
  }

  private let settings: Settings
  private let queue: MessageQueue
  private let opened: EventLoopPromise<NIOLoopBound<WebSocketClientHandler>>
  private let ended: EventLoopPromise<WebSocketEnd>
  private let upgrader: NIOWebSocketClientUpgrader
  private var state = State.handshaking
  private var handshakeDone = false
  private var end: WebSocketEnd?
  private var context: ChannelHandlerContext?
  private var parser: WebSocketFrameParser
  /// Bytes received and not yet decoded (the start of a frame cut by the end of a read).
  private var pending = ByteBuffer()
  /// What `pending` becomes once decoded, so that the channel's read buffer is not kept (NIO reuses it).
  private let empty = ByteBuffer()
  /// Messages decoded in this read, delivered to the queue at its end.
  private var batch: [WebSocketMessage] = []
  private var holdingReads = false
  private var finished = false
  private var readWanted = false
  private var pinger: RepeatedTask?
  private var pingsSent: UInt32 = 0
  private var awaitingPong: UInt32?
  private var deadline: Scheduled<Void>?

  init(
    _ settings: Settings, queue: MessageQueue, opened: EventLoopPromise<NIOLoopBound<WebSocketClientHandler>>,
    ended: EventLoopPromise<WebSocketEnd>
  ) {
    self.settings = settings
    self.queue = queue
    self.opened = opened
    self.ended = ended
    parser = WebSocketFrameParser(maxMessageSize: settings.maxMessageSize)
    // NIOWebSocket's own key and Sec-WebSocket-Accept check; its pipeline handler is not used.
    upgrader = NIOWebSocketClientUpgrader(upgradePipelineHandler: { channel, _ in channel.eventLoop.makeSucceededVoidFuture() })
  }

  // MARK: Lifecycle

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
    if context.channel.isActive { sendHandshake(context) }
  }

  func channelActive(context: ChannelHandlerContext) {
    sendHandshake(context)
    context.fireChannelActive()
  }

  func channelInactive(context: ChannelHandlerContext) {
    finish(context)
    context.fireChannelInactive()
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    finish(context)
    self.context = nil
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if end == nil {
      end = state == .handshaking ? .handshakeFailed("\(error)") : .lost("the connection failed: \(error)")
    }
    context.close(promise: nil)
  }

  /// Everything released and reported once (at channelInactive, or when the
  /// handler is removed from a channel that never became active): timers,
  /// the messages of the last read, the end.
  private func finish(_ context: ChannelHandlerContext) {
    guard !finished else { return }
    finished = true
    pinger?.cancel()
    pinger = nil
    deadline?.cancel()
    deadline = nil
    if !batch.isEmpty { _ = queue.deliver(&batch) }
    queue.setResumeReading(nil)
    let end =
      self.end
      ?? (handshakeDone
        ? .lost("the connection ended without a close frame")
        : .handshakeFailed("the connection closed during the opening handshake"))
    self.end = end
    if case .handshakeFailed(let message) = end {
      opened.fail(WebSocketHandshakeFailure(description: message))
    } else {
      opened.fail(ChannelError.alreadyClosed)  // (a no-op once it has succeeded)
    }
    ended.succeed(end)  // (a no-op the second time)
    state = .closed
  }

  // MARK: The opening handshake

  private func sendHandshake(_ context: ChannelHandlerContext) {
    guard state == .handshaking, deadline == nil else { return }
    var headers = HTTPHeaders()
    upgrader.addCustom(upgradeRequestHeaders: &headers)
    var request = "GET \(settings.url.target) HTTP/1.1\r\nHost: \(settings.url.hostHeader)\r\n"
    request += "Upgrade: websocket\r\nConnection: Upgrade\r\n"
    for (name, value) in headers { request += "\(name): \(value)\r\n" }
    for (name, value) in settings.headers { request += "\(name): \(value)\r\n" }
    request += "\r\n"
    context.writeAndFlush(NIOAny(ByteBuffer(string: request)), promise: nil)
    deadline = context.eventLoop.assumeIsolated().scheduleTask(in: settings.timeout) { [self] in
      if state == .handshaking {
        end = .handshakeFailed("no answer to the opening handshake within \(settings.timeout)")
        context.close(promise: nil)
      }
    }
  }

  /// Reads the server's answer once `pending` holds all of it: true when the connection is open.
  private func readHandshakeAnswer(_ context: ChannelHandlerContext) -> Bool {
    let view = pending.readableBytesView
    guard let endOfHead = view.firstRange(of: [13, 10, 13, 10]) else {
      if pending.readableBytes > 16 * 1024 {
        failHandshake(context, "an answer to the opening handshake longer than 16 KiB")
      }
      return false
    }
    let headLength = endOfHead.upperBound - view.startIndex
    let head = pending.readString(length: headLength)!
    var lines = head.split(separator: "\r\n", omittingEmptySubsequences: true).makeIterator()
    let statusLine = lines.next().map(String.init) ?? ""
    let parts = statusLine.split(separator: " ", maxSplits: 2)
    guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
      failHandshake(context, "the server's answer is not HTTP: \(statusLine.prefix(80))")
      return false
    }
    guard status == 101 else {
      failHandshake(context, "the server answered HTTP \(parts.dropFirst().joined(separator: " ")) instead of switching to WebSocket")
      return false
    }
    var headers = HTTPHeaders()
    for line in lines {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers.add(
        name: String(line[..<colon]).trimmingSpaces,
        value: String(line[line.index(after: colon)...]).trimmingSpaces)
    }
    let upgrade = headers["Upgrade"].joined(separator: ",").lowercased()
    let connection = headers["Connection"].joined(separator: ",").lowercased()
    guard upgrade.contains("websocket"), connection.contains("upgrade") else {
      failHandshake(context, "the server's 101 answer does not upgrade to websocket")
      return false
    }
    guard upgrader.shouldAllowUpgrade(upgradeResponse: HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: headers))
    else {
      failHandshake(context, "the server's Sec-WebSocket-Accept does not match the key sent")
      return false
    }
    guard headers["Sec-WebSocket-Extensions"].allSatisfy({ $0.isEmpty }) else {
      failHandshake(context, "the server chose an extension the client did not offer: \(headers["Sec-WebSocket-Extensions"])")
      return false
    }
    do {
      try context.pipeline.syncOperations.addHandler(WebSocketFrameEncoder(), position: .before(self))
    } catch {
      failHandshake(context, "\(error)")
      return false
    }
    deadline?.cancel()
    deadline = nil
    state = .open
    handshakeDone = true
    let loop = context.eventLoop
    queue.setResumeReading { [bound = NIOLoopBound(self, eventLoop: loop)] in
      loop.execute { bound.value.resumeReading() }
    }
    if let ping = settings.ping {
      let interval = TimeAmount(ping)
      pinger = loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [bound = NIOLoopBound(self, eventLoop: loop)] _ in
        bound.value.sendPing()
      }
    }
    opened.succeed(NIOLoopBound(self, eventLoop: loop))
    return true
  }

  private func failHandshake(_ context: ChannelHandlerContext, _ message: String) {
    end = .handshakeFailed(message)
    state = .closed
    context.close(promise: nil)
  }

  // MARK: Reading

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    // After the server's close frame, or a failure, nothing more is read:
    // bytes that still come until the connection ends are dropped.
    guard state != .closed else { return }
    var bytes = unwrapInboundIn(data)
    if pending.readableBytes == 0 {
      pending = bytes
    } else {
      pending.writeBuffer(&bytes)
    }
    if state == .handshaking {
      guard readHandshakeAnswer(context) else { return }
    }
    let closing = state == .closing
    decode(context)
    // After this side's close frame, messages are not handed out (the
    // consumer has left, or the sequence is ending with an error), only
    // decoded to find the server's answer.
    if closing { batch.removeAll(keepingCapacity: true) }
  }

  private func decode(_ context: ChannelHandlerContext) {
    do {
      while state == .open || state == .closing, pending.readableBytes > 0 {
        guard let control = try parser.parse(&pending, into: &batch) else { break }
        handle(control, context)
      }
    } catch {
      fail(context, error)
    }
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    if !batch.isEmpty, queue.deliver(&batch), state == .open {
      holdingReads = true
    }
    if pending.readableBytes == 0 {
      pending = empty
    } else if pending.readerIndex > 64 * 1024 {
      pending.discardReadBytes()
    }
    context.fireChannelReadComplete()
  }

  func read(context: ChannelHandlerContext) {
    if holdingReads {
      readWanted = true
    } else {
      context.read()
    }
  }

  /// The consumer has taken the waiting messages (or left): read again.
  func resumeReading() {
    holdingReads = false
    if readWanted, let context {
      readWanted = false
      context.read()
    }
  }

  // MARK: Control frames

  private func handle(_ frame: WebSocketFrameParser.ControlFrame, _ context: ChannelHandlerContext) {
    switch frame.opcode {
    case 9:  // ping: the same payload back
      if state == .open { send(.pong, frame.payload, context) }
    case 10:  // pong
      if let awaited = awaitingPong, frame.payload.readableBytes == 4, frame.payload.getInteger(at: frame.payload.readerIndex, as: UInt32.self) == awaited {
        awaitingPong = nil
      }
    default:  // close
      var payload = frame.payload
      var code: UInt16?
      if payload.readableBytes == 1 {
        fail(context, WebSocketProtocolFailure(code: 1002, message: "a close frame with a one-byte payload"))
        return
      }
      if payload.readableBytes >= 2 { code = payload.readInteger(as: UInt16.self) }
      guard let reason = try? payload.readUTF8ValidatedString(length: payload.readableBytes) else {
        fail(context, WebSocketProtocolFailure(code: 1007, message: "a close frame whose reason is not valid UTF-8"))
        return
      }
      if end == nil { end = .closed(code: code, reason: reason) }
      if state == .open {
        // The answer echoes the code (RFC 6455 §5.5.1); then the server ends the TCP connection.
        var answer = context.channel.allocator.buffer(capacity: 2)
        if let code { answer.writeInteger(code) }
        send(.connectionClose, answer, context)
      }
      state = .closed
      holdingReads = false
      waitForTheServerToEndTheConnection(context)
    }
  }

  private func send(_ opcode: WebSocketOpcode, _ payload: ByteBuffer, _ context: ChannelHandlerContext) {
    let frame = WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: payload)
    context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
  }

  private func sendPing() {
    guard state == .open, let context else { return }
    if awaitingPong != nil {
      end = .lost("no pong within the ping interval (\(settings.ping!))")
      context.close(promise: nil)
      return
    }
    pingsSent &+= 1
    awaitingPong = pingsSent
    var payload = context.channel.allocator.buffer(capacity: 4)
    payload.writeInteger(pingsSent)
    send(.ping, payload, context)
  }

  // MARK: Closing

  /// Starts the closing handshake: a close frame with `code`; the server's
  /// answer is read (whatever the queue holds) and the connection ends when
  /// the server ends it, or after the timeout.
  func close(code: UInt16, reason: String = "") {
    guard let context else { return }
    switch state {
    case .handshaking:
      state = .closed
      context.close(promise: nil)
    case .open:
      var payload = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
      payload.writeInteger(code)
      payload.writeString(reason)
      send(.connectionClose, payload, context)
      state = .closing
      pinger?.cancel()
      pinger = nil
      resumeReading()
      deadline = context.eventLoop.assumeIsolated().scheduleTask(in: settings.timeout) { [self] in
        if end == nil { end = .lost("no answer to the close frame within \(settings.timeout)") }
        context.close(promise: nil)
      }
    case .closing, .closed:
      break
    }
  }

  private func waitForTheServerToEndTheConnection(_ context: ChannelHandlerContext) {
    pinger?.cancel()
    pinger = nil
    deadline?.cancel()
    deadline = context.eventLoop.assumeIsolated().scheduleTask(in: settings.timeout) { context.close(promise: nil) }
  }

  /// Fails the connection (RFC 6455 §7.1.7): a close frame with the
  /// failure's code; then what the server still sends is read and dropped
  /// until it ends the connection (or the timeout), so that it reads the
  /// close frame: closing at once, with its bytes unread, would reset the
  /// connection, and a reset can discard the close frame before the server
  /// has read it.
  private func fail(_ context: ChannelHandlerContext, _ failure: WebSocketProtocolFailure) {
    if end == nil { end = .failed(failure) }
    guard state == .open else {
      state = .closed
      context.close(promise: nil)
      return
    }
    var payload = context.channel.allocator.buffer(capacity: 2)
    payload.writeInteger(failure.code)
    send(.connectionClose, payload, context)
    state = .closed
    resumeReading()
    waitForTheServerToEndTheConnection(context)
  }

  // MARK: Writing

  func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
    guard state == .open else {
      promise?.fail(ChannelError.outputClosed)
      return
    }
    context.write(data, promise: promise)
  }
}

extension String {
  fileprivate var trimmingSpaces: String {
    String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
  }
}

/// The opening handshake failed: what happened, in words.
struct WebSocketHandshakeFailure: Error, Sendable, CustomStringConvertible {
  var description: String
}
