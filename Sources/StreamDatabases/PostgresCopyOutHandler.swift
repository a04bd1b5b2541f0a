import PostgresNIO
import Synchronization

/// Runs one `COPY … TO STDOUT` statement on a connection's channel, the
/// step of PostgreSQL's protocol that postgres-nio 1.33 does not speak: it
/// sends the statement as a simple Query message and turns the CopyData
/// messages that come back into one buffer of bytes per socket read, handed
/// to an `NIOThrowingAsyncSequenceProducer`.
///
/// It sits in front of postgres-nio's handler (next to the socket, or to
/// the TLS handler) once the connection is idle, and from then on owns the
/// channel: nothing reaches postgres-nio again, and the connection is only
/// closed afterwards. Back-pressure: when the consumer has `highWatermark`
/// buffers waiting, the handler stops asking the socket for reads, so the
/// server blocks on a full socket; it asks again when the consumer is down
/// to `lowWatermark`. The consumer going away (an early `break`, a
/// cancelled task) closes the channel, which ends the server's COPY.
final class PostgresCopyOutHandler: ChannelDuplexHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = ByteBuffer
  typealias OutboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer
  typealias Strategy = NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark
  typealias Producer = NIOThrowingAsyncSequenceProducer<ByteBuffer, any Error, Strategy, Delegate>

  /// The producer's calls, taken to the channel's event loop.
  struct Delegate: NIOAsyncSequenceProducerDelegate {
    let handler: NIOLoopBound<PostgresCopyOutHandler>

    func produceMore() {
      let handler = handler
      handler.eventLoop.execute { handler.value.produceMore() }
    }

    func didTerminate() {
      let handler = handler
      handler.eventLoop.execute { handler.value.consumerTerminated() }
    }
  }

  /// What the statement reported at its end: the rows COPY wrote.
  final class Outcome: Sendable {
    let rows = Mutex<Int?>(nil)
  }

  private let sql: String
  private let outcome: Outcome
  private var source: Producer.Source?
  private var context: ChannelHandlerContext?
  /// The start of a message that the last read cut off.
  private var partial: ByteBuffer?
  /// Whether the consumer wants more; a read asked for meanwhile waits in `readHeld`.
  private var demand = true
  private var readHeld = false
  /// The server answered with CopyOutResponse.
  private var copying = false
  /// The server sent rows or an empty-query reply: the statement was no COPY TO.
  private var notACopy = false
  private var serverError: String?
  /// The sequence was finished (or the consumer left): nothing more is read or sent on.
  private var done = false

  private init(sql: String, outcome: Outcome) {
    self.sql = sql
    self.outcome = outcome
  }

  /// Adds a handler for `sql` to `channel`, which must be idle (postgres-nio
  /// between queries), and returns the sequence of its output's bytes.
  static func start(sql: String, on channel: any Channel, outcome: Outcome) async throws -> Producer {
    try await channel.eventLoop.submit {
      let handler = PostgresCopyOutHandler(sql: sql, outcome: outcome)
      let made = Producer.makeSequence(
        backPressureStrategy: Strategy(lowWatermark: 2, highWatermark: 8), finishOnDeinit: true,
        delegate: Delegate(handler: NIOLoopBound(handler, eventLoop: channel.eventLoop)))
      handler.source = made.source
      let operations = channel.pipeline.syncOperations
      // After the TLS handler if there is one (it decrypts), else next to the socket.
      if let tls = try? operations.handler(type: NIOSSLClientHandler.self) {
        try operations.addHandler(handler, position: .after(tls))
      } else {
        try operations.addHandler(handler, position: .first)
      }
      return made.sequence
    }.get()
  }

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
    guard context.channel.isActive else {
      return finish(PostgresQueryError(message: "the connection closed before the COPY"))
    }
    var message = context.channel.allocator.buffer(capacity: sql.utf8.count + 6)
    message.writeInteger(UInt8(ascii: "Q"))
    message.writeInteger(UInt32(4 + sql.utf8.count + 1))
    message.writeString(sql)
    message.writeInteger(UInt8(0))
    context.writeAndFlush(wrapOutboundOut(message), promise: nil)
    context.read()
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    self.context = nil
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard !done else { return }
    var input = unwrapInboundIn(data)
    if var partial {
      partial.writeBuffer(&input)
      input = partial
      self.partial = nil
    }
    var out = context.channel.allocator.buffer(capacity: input.readableBytes)
    var ended = false
    var broken = false
    let consumed = input.withUnsafeReadableBytes { raw -> Int in
      var at = 0
      while raw.count - at >= 5 {
        let type = raw[at]
        let length = Int(raw[at + 1]) << 24 | Int(raw[at + 2]) << 16 | Int(raw[at + 3]) << 8 | Int(raw[at + 4])
        guard length >= 4 else {
          broken = true
          break
        }
        let end = at + 1 + length
        guard end <= raw.count else { break }
        let body = UnsafeRawBufferPointer(rebasing: raw[(at + 5)..<end])
        at = end
        switch type {
        case UInt8(ascii: "d"): out.writeBytes(body)  // CopyData: one row (or the header)
        case UInt8(ascii: "H"): copying = true  // CopyOutResponse
        case UInt8(ascii: "C"): commandComplete(body)
        case UInt8(ascii: "E"): serverError = serverError ?? Self.errorMessage(body)
        case UInt8(ascii: "T"), UInt8(ascii: "D"), UInt8(ascii: "I"): notACopy = true  // rows, or an empty query
        case UInt8(ascii: "G"), UInt8(ascii: "W"):
          // COPY FROM STDIN (or replication): it would wait for data that never comes.
          serverError = "gen query runs COPY … TO STDOUT, not COPY … FROM STDIN"
          broken = true
        case UInt8(ascii: "Z"): ended = true  // ReadyForQuery: the statement is over
        default: break  // CopyDone, notices, parameter changes, notifications
        }
        if ended || broken { break }
      }
      return at
    }
    input.moveReaderIndex(forwardBy: consumed)
    if !ended && !broken && input.readableBytes > 0 {
      input.discardReadBytes()
      partial = input
    }
    if out.readableBytes > 0, let source {
      switch source.yield(out) {
      case .produceMore: break
      case .stopProducing: demand = false
      case .dropped:
        finish(nil)
        context.close(promise: nil)
        return
      }
    }
    if broken {
      finish(PostgresQueryError(message: serverError ?? "the server sent a message gen cannot read"))
      context.close(promise: nil)
    } else if ended {
      if let serverError {
        finish(PostgresQueryError(message: serverError))
      } else if notACopy || !copying {
        finish(PostgresQueryError(message: "not a COPY … TO STDOUT statement"))
      } else {
        finish(nil)
      }
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    finish(PostgresQueryError(message: "the server closed the connection before the end of the result"))
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    finish(PostgresQueryError(message: "the connection failed: \(error)"))
    context.close(promise: nil)
  }

  func read(context: ChannelHandlerContext) {
    if demand || done {
      context.read()
    } else {
      readHeld = true
    }
  }

  private func produceMore() {
    demand = true
    if readHeld, let context {
      readHeld = false
      context.read()
    }
  }

  /// The consumer is gone: after the end (nothing to do) or before it (the
  /// channel is closed, so the server stops).
  private func consumerTerminated() {
    guard !done else { return }
    finish(nil)
    context?.close(promise: nil)
  }

  private func finish(_ error: PostgresQueryError?) {
    guard !done else { return }
    done = true
    partial = nil
    if let error { source?.finish(error) } else { source?.finish() }
    source = nil
  }

  /// CommandComplete's tag: `COPY 123` says how many rows.
  private func commandComplete(_ body: UnsafeRawBufferPointer) {
    let tag = String(decoding: body.prefix { $0 != 0 }, as: UTF8.self)
    if tag.hasPrefix("COPY "), let rows = Int(tag.dropFirst(5)) {
      outcome.rows.withLock { $0 = rows }
    }
  }

  /// An ErrorResponse's message, with its detail and context as
  /// ``PostgresConnections/message(_:)`` writes them.
  static func errorMessage(_ body: UnsafeRawBufferPointer) -> String {
    var fields: [UInt8: String] = [:]
    var at = 0
    while at < body.count, body[at] != 0 {
      let code = body[at]
      var end = at + 1
      while end < body.count, body[end] != 0 { end += 1 }
      fields[code] = String(decoding: UnsafeRawBufferPointer(rebasing: body[(at + 1)..<end]), as: UTF8.self)
      at = end + 1
    }
    var message = fields[UInt8(ascii: "M")] ?? "the server refused the statement"
    if let detail = fields[UInt8(ascii: "D")] { message += " (\(detail))" }
    if let context = fields[UInt8(ascii: "W")] { message += " [\(context)]" }
    return message
  }
}
