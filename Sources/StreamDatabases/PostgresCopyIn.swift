import PostgresNIO

/// Runs one `COPY … FROM STDIN` statement on a connection's channel. Like
/// postgres-nio's `copyFrom`, but for any statement: postgres-nio 1.33 only
/// builds text-format ones, and the sink sends the binary format, which
/// spares the server parsing every number (see ``PostgresSink``).
///
/// For the statement, a handler of ours sits in front of postgres-nio's
/// (next to the socket, or to the TLS handler), sends it as a simple Query,
/// and removes itself at the server's ReadyForQuery, so that postgres-nio
/// runs the transaction's other statements as before. Each write waits
/// until the channel is writable again (NIO's write buffer below its low
/// mark), so records are read only as fast as the server takes them.
enum PostgresCopyIn {
  /// Runs `sql` and hands `body` a writer for its data; returns the rows the
  /// server copied. An error `body` throws is sent as CopyFail (the server
  /// then rolls the statement back) and rethrown; the server's own error
  /// (at any point) is thrown as ``PostgresQueryError``.
  static func run(sql: String, on channel: any Channel, _ body: (Writer) async throws -> Void) async throws -> Int {
    let handler = try await channel.eventLoop.submit {
      let handler = PostgresCopyInHandler(sql: sql)
      let operations = channel.pipeline.syncOperations
      if let tls = try? operations.handler(type: NIOSSLClientHandler.self) {
        try operations.addHandler(handler, position: .after(tls))
      } else {
        try operations.addHandler(handler, position: .first)
      }
      return NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }.get()
    try await withCheckedThrowingContinuation { continuation in
      handler.eventLoop.execute { handler.value.waitForStart(continuation) }
    }
    do {
      try await body(Writer(handler: handler))
    } catch {
      _ = try? await withCheckedThrowingContinuation { continuation in
        handler.eventLoop.execute { handler.value.end(failing: "\(error)", continuation) }
      }
      throw error
    }
    return try await withCheckedThrowingContinuation { continuation in
      handler.eventLoop.execute { handler.value.end(failing: nil, continuation) }
    }
  }

  /// Sends the COPY's data. Python: psycopg's `Copy.write`.
  struct Writer: Sendable {
    let handler: NIOLoopBound<PostgresCopyInHandler>

    /// Room for a CopyData message's header: a buffer for ``send(_:)``
    /// starts with these bytes, which it fills in.
    static let headerSize = 5

    /// Sends `message` (its first ``headerSize`` bytes reserved, then the
    /// data) as one CopyData message, and returns when the channel can take
    /// more. Throws the server's error once it has refused the data.
    func send(_ message: ByteBuffer) async throws {
      try Task.checkCancellation()
      var filled = message
      filled.setInteger(UInt8(ascii: "d"), at: filled.readerIndex)
      filled.setInteger(UInt32(filled.readableBytes - 1), at: filled.readerIndex + 1)
      let handler = handler
      try await withCheckedThrowingContinuation { [filled] continuation in
        handler.eventLoop.execute { handler.value.send(filled, continuation) }
      }
    }
  }
}

/// The channel handler behind ``PostgresCopyIn``: all its state lives on the
/// channel's event loop.
final class PostgresCopyInHandler: ChannelDuplexHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer
  typealias OutboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer

  private let sql: String
  private var context: ChannelHandlerContext?
  private var partial: ByteBuffer?
  /// The server answered with CopyInResponse: data may go.
  private var copying = false
  private var serverError: String?
  private var rows = 0
  /// Set at ReadyForQuery (or when the connection fails): the statement is over.
  private var outcome: Result<Int, any Error>?
  private var startWaiter: CheckedContinuation<Void, any Error>?
  private var writeWaiter: CheckedContinuation<Void, any Error>?
  private var endWaiter: CheckedContinuation<Int, any Error>?

  init(sql: String) { self.sql = sql }

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
    guard context.channel.isActive else {
      return finish(.failure(PostgresQueryError(message: "the connection closed before the COPY")))
    }
    var message = context.channel.allocator.buffer(capacity: sql.utf8.count + 6)
    message.writeInteger(UInt8(ascii: "Q"))
    message.writeInteger(UInt32(4 + sql.utf8.count + 1))
    message.writeString(sql)
    message.writeInteger(UInt8(0))
    context.writeAndFlush(wrapOutboundOut(message), promise: nil)
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    self.context = nil
  }

  func waitForStart(_ continuation: CheckedContinuation<Void, any Error>) {
    if copying {
      continuation.resume()
    } else if let outcome {
      continuation.resume(throwing: Self.failure(outcome, otherwise: "the server did not start the COPY"))
    } else {
      startWaiter = continuation
    }
  }

  func send(_ message: ByteBuffer, _ continuation: CheckedContinuation<Void, any Error>) {
    guard let context, outcome == nil else {
      return continuation.resume(throwing: Self.failure(outcome, otherwise: "the COPY ended"))
    }
    context.writeAndFlush(wrapOutboundOut(message), promise: nil)
    if context.channel.isWritable {
      continuation.resume()
    } else {
      writeWaiter = continuation
    }
  }

  /// Ends the data: CopyDone, or CopyFail with `failing` as the reason; the
  /// continuation gets the rows copied (or the server's error) at ReadyForQuery.
  func end(failing: String?, _ continuation: CheckedContinuation<Int, any Error>) {
    if let outcome { return continuation.resume(with: outcome) }
    guard let context else { return continuation.resume(throwing: PostgresQueryError(message: "the connection closed")) }
    var message = context.channel.allocator.buffer(capacity: 64)
    if let failing {
      var reason = String(failing.prefix(200))
      reason.removeAll { $0 == "\0" }
      message.writeInteger(UInt8(ascii: "f"))
      message.writeInteger(UInt32(4 + reason.utf8.count + 1))
      message.writeString(reason)
      message.writeInteger(UInt8(0))
    } else {
      message.writeInteger(UInt8(ascii: "c"))
      message.writeInteger(UInt32(4))
    }
    context.writeAndFlush(wrapOutboundOut(message), promise: nil)
    endWaiter = continuation
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    var input = unwrapInboundIn(data)
    guard outcome == nil else { return context.fireChannelRead(data) }
    if var partial {
      partial.writeBuffer(&input)
      input = partial
      self.partial = nil
    }
    while input.readableBytes >= 5, let type = input.getInteger(at: input.readerIndex, as: UInt8.self),
      let length = input.getInteger(at: input.readerIndex + 1, as: UInt32.self), length >= 4,
      input.readableBytes >= 1 + Int(length)
    {
      input.moveReaderIndex(forwardBy: 5)
      var body = input.readSlice(length: Int(length) - 4)!
      switch type {
      case UInt8(ascii: "G"):  // CopyInResponse
        copying = true
        startWaiter.take()?.resume()
      case UInt8(ascii: "E"):
        serverError = serverError ?? body.withUnsafeReadableBytes { PostgresCopyOutHandler.errorMessage($0) }
      case UInt8(ascii: "C"):  // CommandComplete: "COPY 123"
        let tag = body.readString(length: body.readableBytes) ?? ""
        if tag.hasPrefix("COPY "), let count = Int(tag.dropFirst(5).prefix { $0 != "\0" }) { rows = count }
      case UInt8(ascii: "Z"):  // ReadyForQuery: over; the rest belongs to postgres-nio
        finish(serverError.map { .failure(PostgresQueryError(message: $0)) } ?? .success(rows))
        if input.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(input)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        return
      default: break  // notices, parameter changes
      }
    }
    if input.readableBytes > 0 {
      input.discardReadBytes()
      partial = input
    }
  }

  func channelWritabilityChanged(context: ChannelHandlerContext) {
    if context.channel.isWritable { writeWaiter.take()?.resume() }
    context.fireChannelWritabilityChanged()
  }

  func channelInactive(context: ChannelHandlerContext) {
    finish(.failure(PostgresQueryError(message: "the server closed the connection during the COPY")))
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    finish(.failure(PostgresQueryError(message: "the connection failed during the COPY: \(error)")))
    context.fireErrorCaught(error)
  }

  private func finish(_ result: Result<Int, any Error>) {
    guard outcome == nil else { return }
    outcome = result
    startWaiter.take()?.resume(throwing: Self.failure(result, otherwise: "the server did not start the COPY"))
    writeWaiter.take()?.resume(throwing: Self.failure(result, otherwise: "the COPY ended"))
    endWaiter.take()?.resume(with: result)
  }

  /// The outcome's error, or `otherwise` when it succeeded (a step came too late).
  private static func failure(_ outcome: Result<Int, any Error>?, otherwise: String) -> any Error {
    if case .failure(let error)? = outcome { return error }
    return PostgresQueryError(message: otherwise)
  }
}
