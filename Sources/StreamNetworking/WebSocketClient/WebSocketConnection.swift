import NIOCore
import NIOPosix
import NIOSSL
import NIOWebSocket

/// An open WebSocket client connection: a NIO channel (TCP, and TLS for
/// `wss://`) whose ``WebSocketClientHandler`` delivers the incoming messages
/// to a ``MessageQueue``. Sending, closing and waiting for the end are done
/// from any task.
struct WebSocketConnection: Sendable {
  let channel: any Channel
  private let handler: NIOLoopBound<WebSocketClientHandler>
  private let ended: EventLoopFuture<WebSocketEnd>

  /// The largest frame this client sends; a longer message goes in fragments,
  /// as servers with a small frame limit (Hummingbird's default, 16 KiB) need.
  static let fragmentSize = 16 * 1024

  /// Connects to `url` and completes the opening handshake, on NIO's shared event loops.
  ///
  /// - Throws: ``StreamConnectionError`` (`.connection`): refused, unreachable,
  ///   a failed TLS or WebSocket handshake, an HTTP status other than 101.
  static func connect(
    _ url: String, headers: [(String, String)], maxMessageSize: Int, ping: Duration?, timeout: Duration,
    queue: MessageQueue
  ) async throws -> WebSocketConnection {
    let target = try WebSocketURL(url)
    let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
    let opened = eventLoop.makePromise(of: NIOLoopBound<WebSocketClientHandler>.self)
    let ended = eventLoop.makePromise(of: WebSocketEnd.self)
    let settings = WebSocketClientHandler.Settings(
      url: target, headers: headers, maxMessageSize: maxMessageSize, ping: ping, timeout: TimeAmount(timeout))
    let channel: any Channel
    do {
      let tls = try target.tls ? NIOSSLContext(configuration: .makeClientConfiguration()) : nil
      let bootstrap = ClientBootstrap(group: eventLoop)
        .connectTimeout(TimeAmount(timeout))
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            if let tls {
              // SNI and the certificate's name: the host, unless it is an IP address.
              let isAddress = (try? SocketAddress(ipAddress: target.host, port: 0)) != nil
              try channel.pipeline.syncOperations.addHandler(
                NIOSSLClientHandler(context: tls, serverHostname: isAddress ? nil : target.host))
            }
            try channel.pipeline.syncOperations.addHandler(
              WebSocketClientHandler(settings, queue: queue, opened: opened, ended: ended))
          }
        }
      channel = try await bootstrap.connect(host: target.host, port: target.port).get()
    } catch {
      opened.fail(error)
      ended.succeed(.handshakeFailed("\(error)"))
      throw StreamConnectionError(.connection, url: url, message: "no connection: \(error)", received: queue.delivered)
    }
    do {
      let handler = try await opened.futureResult.get()
      return WebSocketConnection(channel: channel, handler: handler, ended: ended.futureResult)
    } catch {
      try? await channel.closeFuture.get()  // (the handler closes it; its resources are released before the error is seen)
      throw StreamConnectionError(.connection, url: url, message: "no connection: \(error)", received: queue.delivered)
    }
  }

  /// How the connection ended, once its channel is closed.
  var end: WebSocketEnd {
    get async {
      let end = try! await ended.get()  // (never fails)
      try? await channel.closeFuture.get()
      return end
    }
  }

  /// Starts the closing handshake with `code` (nothing if it has begun).
  func close(code: UInt16, reason: String = "") {
    let handler = handler
    handler.eventLoop.execute { handler.value.close(code: code, reason: reason) }
  }

  /// Writes `message` as one frame, or as 16 KiB fragments; returns once it is written to the socket.
  ///
  /// - Throws: ``WebSocketWriteFailure`` when the connection is closing or gone.
  func write(_ message: WebSocketMessage) async throws {
    let (opcode, payload): (WebSocketOpcode, ByteBuffer)
    switch message {
    case .text(let text): (opcode, payload) = (.text, ByteBuffer(string: text))
    case .binary(let bytes): (opcode, payload) = (.binary, bytes)
    }
    do {
      if payload.readableBytes <= Self.fragmentSize {
        try await channel.writeAndFlush(WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: payload))
        return
      }
      var rest = payload
      var first = true
      while rest.readableBytes > 0 {
        let part = rest.readSlice(length: min(Self.fragmentSize, rest.readableBytes))!
        let frame = WebSocketFrame(
          fin: rest.readableBytes == 0, opcode: first ? opcode : .continuation, maskKey: .random(), data: part)
        first = false
        if rest.readableBytes == 0 {
          try await channel.writeAndFlush(frame)
        } else {
          channel.write(frame, promise: nil)
        }
      }
    } catch {
      throw WebSocketWriteFailure(cause: error)
    }
  }
}

/// A message could not be written: the connection is closing or gone (its end says why).
struct WebSocketWriteFailure: Error {
  var cause: any Error
}
