import Generators
import Logging
import NIOCore
import NIOWebSocket
import Synchronization
import WSClient

/// A WebSocket's incoming messages as an async sequence, connecting when first
/// iterated and reconnecting when the connection is lost. Python: websockets'
/// `async for message in websocket`, inside `async for websocket in connect(uri)`.
/// Made by ``WebSocketStreams/messages(_:sending:reconnect:ping:bufferSize:maxMessageSize:headers:logger:)``.
///
/// - The connection is read by a task of its own, up to `bufferSize` messages
///   ahead of the consumer (websockets' `max_queue`); when they wait, it stops
///   reading and the server is held back by TCP.
/// - A close with code 1000 (normal closure) ends the sequence. A lost
///   connection — dropped, no pong within the ping interval, or closed with
///   another code — is connected again after a ``Reconnect`` wait; past its
///   attempts, the sequence throws ``StreamConnectionError``.
/// - Breaking out of the loop, releasing the iterator or cancelling its task
///   closes the connection cleanly: a close frame (1000), the server's answer
///   (waited for up to 10 s), then the TCP connection is closed.
///
/// - Complexity: messages are handed over in batches; a message costs the
///   client's frame parsing and one `String` or `ByteBuffer`.
public struct WebSocketMessages: AsyncSequence, Sendable {
  public typealias Element = WebSocketMessage
  public typealias Failure = any Error

  let url: String
  let configuration: WebSocketClientConfiguration
  let reconnect: Reconnect
  let bufferSize: Int
  let maxMessageSize: Int
  let outgoing: (any OutgoingMessages)?
  let logger: Logger

  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(session: WebSocketSession(self)) }

  /// Single pass: the connection is the iterator's, closed when it is released.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let session: WebSocketSession
    var batch: [WebSocketMessage] = []
    var index = 0

    nonisolated(nonsending) public mutating func next() async throws -> WebSocketMessage? {
      if index < batch.count {
        defer { index += 1 }
        return batch[index]
      }
      batch.removeAll(keepingCapacity: true)
      index = 0
      session.startIfNeeded()
      guard try await session.buffer.take(into: &batch) else { return nil }
      index = 1
      return batch[0]
    }
  }
}

/// One iterator's connection task and the buffer it fills; releasing it
/// (the iterator is gone) closes the connection.
final class WebSocketSession: Sendable {
  let buffer: EventBuffer<WebSocketMessage>
  private let stream: WebSocketMessages
  private let producer = ProducerTask()

  init(_ stream: WebSocketMessages) {
    self.stream = stream
    buffer = EventBuffer(capacity: stream.bufferSize)
  }

  deinit { buffer.consumerLeaves() }

  func startIfNeeded() {
    let (stream, buffer, producer) = (stream, buffer, producer)
    producer.startIfNeeded { await Self.run(stream, into: buffer, producer: producer) }
  }

  /// Connects, reads into `buffer`, and connects again as `stream.reconnect`
  /// says, until the server closes normally, the attempts run out or the
  /// consumer leaves.
  static func run(_ stream: WebSocketMessages, into buffer: EventBuffer<WebSocketMessage>, producer: ProducerTask) async {
    var waits = stream.reconnect.backoff.makeIterator()
    var failures = 0
    let received = Shared(0)
    while !buffer.consumerHasLeft {
      let opened = Shared(false)
      let sendFailure = Shared<(any Error)?>(nil)
      let closeTimeout = stream.configuration.closeTimeout
      let client = WebSocketClient(url: stream.url, configuration: stream.configuration, logger: stream.logger) {
        inbound, outbound, _ in
        opened.withLock { $0 = true }
        // An idle connection learns at once that the consumer has left: the
        // close frame goes out now, and the server's answer ends `inbound`. A
        // server that never answers is cut off after the close timeout.
        buffer.whenConsumerLeaves {
          Task {
            try? await outbound.close(.normalClosure, reason: nil)
            await producer.cancel(unlessDoneWithin: closeTimeout)
          }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
          if let outgoing = stream.outgoing {
            group.addTask {
              do {
                try await outgoing.send(through: outbound)
              } catch is CancellationError {
              } catch {
                sendFailure.withLock { $0 = error }
                try? await outbound.close(.unexpectedServerError, reason: "the outgoing messages failed")
              }
            }
          }
          for try await message in inbound.messages(maxSize: stream.maxMessageSize) {
            guard await buffer.push(message) else { break }
            received.withLock { $0 += 1 }
          }
          group.cancelAll()
        }
      }
      var failure: StreamConnectionError
      let count = { received.value }
      do {
        let closeFrame = try await client.run()
        buffer.whenConsumerLeaves(nil)
        if buffer.consumerHasLeft { return }
        if let error = sendFailure.value {
          buffer.finish(throwing: error)
          return
        }
        switch closeFrame?.closeCode {
        case .normalClosure?:
          buffer.finish()
          return
        case let code?:
          let reason = closeFrame?.reason.map { ": \($0)" } ?? ""
          failure = StreamConnectionError(
            .closed(code: Int(UInt16(webSocketErrorCode: code))), url: stream.url,
            message: "the server closed the connection with code \(UInt16(webSocketErrorCode: code))\(reason)",
            received: count())
        case nil:
          failure = StreamConnectionError(
            .lost, url: stream.url,
            message: "the connection ended without a close frame (dropped, or no pong within the ping interval)",
            received: count())
        }
      } catch {
        buffer.whenConsumerLeaves(nil)
        if buffer.consumerHasLeft { return }
        let wasOpen = opened.value
        failure = StreamConnectionError(
          wasOpen ? .lost : .connection, url: stream.url,
          message: wasOpen ? "the connection failed: \(error)" : "no connection: \(error)", received: count())
      }
      if opened.value {
        failures = 0
        waits = stream.reconnect.backoff.makeIterator()
      }
      failures += 1
      failure.attempts = failures
      guard stream.reconnect.allows(after: failures) else {
        buffer.finish(throwing: failure)
        return
      }
      // The wait between connections ends at once if the consumer leaves.
      buffer.whenConsumerLeaves { producer.cancel() }
      try? await Task.sleep(for: waits.next()!)
      buffer.whenConsumerLeaves(nil)
    }
  }
}
