import Generators
import Logging
import NIOCore

/// A WebSocket's incoming messages as an async sequence, connecting when first
/// iterated and reconnecting when the connection is lost. Python: websockets'
/// `async for message in websocket`, inside `async for websocket in connect(uri)`.
/// Made by ``WebSocketStreams/messages(_:sending:reconnect:ping:bufferSize:maxMessageSize:headers:logger:)``.
///
/// - The connection is read on SwiftNIO's event loop, which decodes the
///   frames and hands all the messages of one read of the socket to the
///   consumer at once; `next()` then serves them from its own array without
///   suspending. Once `bufferSize` messages wait (websockets' `max_queue`),
///   the socket is not read until the consumer has taken them, and TCP holds
///   the server back.
/// - A close with code 1000 (normal closure), or a close frame without a
///   code, ends the sequence. A lost connection — dropped, no pong within the
///   ping interval, or closed with another code — is connected again after a
///   ``Reconnect`` wait; past its attempts, the sequence throws
///   ``StreamConnectionError``.
/// - A server that breaks the protocol fails the connection (RFC 6455
///   §7.1.7): a text message that is not UTF-8 gets a close frame with 1007,
///   a message larger than `maxMessageSize` 1009, a malformed or masked frame
///   1002, and the sequence throws ``StreamConnectionError`` (`.invalidResponse`)
///   without reconnecting, as websockets raises `ConnectionClosedError`.
/// - Breaking out of the loop, releasing the iterator or cancelling its task
///   closes the connection cleanly: a close frame (1000), the server's answer
///   and the end of its TCP connection (each waited for up to 10 s), then the
///   connection is closed.
///
/// - Complexity: per message, the decoding of its frame, a UTF-8 check and one
///   `String` (a binary message is a `ByteBuffer` slice of the read); one lock
///   and at most one wake-up per read of the socket, not per message.
public struct WebSocketMessages: AsyncSequence, Sendable {
  public typealias Element = WebSocketMessage
  public typealias Failure = any Error

  let url: String
  let headers: [(String, String)]
  let ping: Duration?
  /// How long the opening handshake, and an answer to a close frame, may take.
  let timeout: Duration
  let reconnect: Reconnect
  let bufferSize: Int
  let maxMessageSize: Int
  let outgoing: (any OutgoingMessages)?
  let logger: Logger

  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(session: WebSocketSession(self)) }

  /// Single pass: the connection is the iterator's, closed when it is released.
  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline let session: WebSocketSession
    /// The messages taken from the connection at once, served from `index` on.
    @usableFromInline var batch: [WebSocketMessage] = []
    @usableFromInline var index = 0

    init(session: WebSocketSession) { self.session = session }

    @inlinable
    public mutating func next() async throws -> WebSocketMessage? {
      try await next(isolation: nil)
    }

    /// The next message: from the batch already taken, without suspending
    /// (inlined into the loop), or else all the messages that have come since, at once.
    @inlinable
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> WebSocketMessage? {
      if index < batch.count {
        defer { index += 1 }
        return batch[index]
      }
      return try await nextBatch(isolation: actor)
    }

    @usableFromInline
    mutating func nextBatch(isolation actor: isolated (any Actor)?) async throws(any Error) -> WebSocketMessage? {
      batch.removeAll(keepingCapacity: true)
      index = 0
      session.startIfNeeded()
      guard try await session.queue.take(into: &batch) else { return nil }
      index = 1
      return batch[0]
    }
  }
}

/// One iterator's connection task and the queue its connections fill;
/// releasing it (the iterator is gone) closes the connection.
@usableFromInline
final class WebSocketSession: Sendable {
  let queue: MessageQueue
  private let stream: WebSocketMessages
  private let producer = ProducerTask()

  init(_ stream: WebSocketMessages) {
    self.stream = stream
    queue = MessageQueue(capacity: stream.bufferSize)
  }

  deinit { queue.consumerLeaves() }

  func startIfNeeded() {
    let (stream, queue, producer) = (stream, queue, producer)
    producer.startIfNeeded { await Self.run(stream, into: queue, producer: producer) }
  }

  /// Connects, lets the connection fill `queue`, and connects again as
  /// `stream.reconnect` says, until the server closes normally, the attempts
  /// run out, the server breaks the protocol or the consumer leaves.
  static func run(_ stream: WebSocketMessages, into queue: MessageQueue, producer: ProducerTask) async {
    var waits = stream.reconnect.backoff.makeIterator()
    var failures = 0
    let logger = stream.logger
    while !queue.consumerHasLeft {
      var failure: StreamConnectionError
      do {
        logger.debug("connecting", metadata: ["url": "\(stream.url)"])
        let connection = try await WebSocketConnection.connect(
          stream.url, headers: stream.headers, maxMessageSize: stream.maxMessageSize, ping: stream.ping,
          timeout: stream.timeout, queue: queue)
        failures = 0
        waits = stream.reconnect.backoff.makeIterator()
        // The consumer leaving (at once if it has): a close frame now, even
        // on an idle connection; the server's answer ends the connection.
        queue.whenConsumerLeaves { connection.close(code: 1000) }
        let sender = stream.outgoing.map { outgoing in
          Task { () -> (any Error)? in
            do {
              try await outgoing.send(through: connection)
            } catch is CancellationError {
            } catch is WebSocketWriteFailure {  // (the connection's end tells why)
            } catch {
              connection.close(code: 1011, reason: "the outgoing messages failed")
              return error
            }
            return nil
          }
        }
        logger.debug("connected", metadata: ["url": "\(stream.url)"])
        let end = await connection.end
        logger.debug("connection ended", metadata: ["url": "\(stream.url)", "end": "\(end)"])
        queue.whenConsumerLeaves(nil)
        sender?.cancel()
        let sendFailure = await sender?.value
        if queue.consumerHasLeft { return }
        if let sendFailure {
          queue.finish(throwing: sendFailure)
          return
        }
        switch end {
        case .closed(let code, _) where code == nil || code == 1000:
          queue.finish()
          return
        case .closed(let code?, let reason):
          let reason = reason.isEmpty ? "" : ": \(reason)"
          failure = StreamConnectionError(
            .closed(code: Int(code)), url: stream.url,
            message: "the server closed the connection with code \(code)\(reason)", received: queue.delivered)
        case .closed:
          preconditionFailure("(a close without a code is handled above)")
        case .lost(let message), .handshakeFailed(let message):
          failure = StreamConnectionError(.lost, url: stream.url, message: message, received: queue.delivered)
        case .failed(let problem):
          // The server broke the protocol: connecting again would only meet it again.
          queue.finish(
            throwing: StreamConnectionError(
              .invalidResponse, url: stream.url,
              message: "\(problem.message): the client closed the connection with code \(problem.code)",
              received: queue.delivered))
          return
        }
      } catch let error as StreamConnectionError {
        if queue.consumerHasLeft { return }
        failure = error
      } catch {
        if queue.consumerHasLeft { return }
        failure = StreamConnectionError(.connection, url: stream.url, message: "no connection: \(error)", received: queue.delivered)
      }
      failures += 1
      failure.attempts = failures
      guard stream.reconnect.allows(after: failures) else {
        logger.debug("giving up", metadata: ["error": "\(failure)"])
        queue.finish(throwing: failure)
        return
      }
      let wait = waits.next()!
      logger.debug("reconnecting", metadata: ["error": "\(failure)", "after": "\(wait)"])
      // The wait between connections ends at once if the consumer leaves.
      queue.whenConsumerLeaves { producer.cancel() }
      try? await Task.sleep(for: wait)
      queue.whenConsumerLeaves(nil)
    }
  }
}
