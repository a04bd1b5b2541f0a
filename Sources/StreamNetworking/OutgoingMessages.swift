import NIOCore
import Synchronization
import WSClient

/// The messages a connection sends, from any async sequence; one iterator
/// for all the connections of a stream, so that a reconnection goes on where
/// the last connection stopped (a message being written when a connection
/// drops may be lost: at most once).
protocol OutgoingMessages: Sendable {
  /// Writes the messages until they end, or until the connection's task is cancelled.
  func send(through outbound: WebSocketOutboundWriter) async throws
}

final class OutgoingSequence<Messages: AsyncSequence & Sendable>: OutgoingMessages, @unchecked Sendable
where Messages.Element == WebSocketMessage {
  // Used by one connection at a time (each connection's sender ends before
  // the next connection starts): the lock only makes that visible.
  private let lock = Mutex(())
  private var iterator: Messages.AsyncIterator?
  private let messages: Messages
  private let sentCount = Mutex(0)

  /// Messages written so far.
  var sent: Int { sentCount.withLock { $0 } }

  init(_ messages: Messages) { self.messages = messages }

  func send(through outbound: WebSocketOutboundWriter) async throws {
    var iterator = lock.withLock { _ in self.iterator } ?? messages.makeAsyncIterator()
    defer { lock.withLock { _ in self.iterator = iterator } }
    while let message = try await iterator.next() {
      try await outbound.writeMessage(message)
      sentCount.withLock { $0 += 1 }
    }
  }
}

extension WebSocketOutboundWriter {
  /// Writes `message`; one larger than 16 KiB goes in 16 KiB fragments, as
  /// servers with a small frame limit (Hummingbird's default) need.
  func writeMessage(_ message: WebSocketMessage) async throws {
    let fragment = 16 * 1024
    switch message {
    case .text(let text) where text.utf8.count <= fragment: try await write(.text(text))
    case .binary(let bytes) where bytes.readableBytes <= fragment: try await write(.binary(bytes))
    case .text(let text):
      try await withTextMessageWriter { writer in try await Self.write(ByteBuffer(string: text), in: fragment, to: &writer) }
    case .binary(let bytes):
      try await withBinaryMessageWriter { writer in try await Self.write(bytes, in: fragment, to: &writer) }
    }
  }

  private static func write(_ bytes: ByteBuffer, in fragment: Int, to writer: inout MessageWriter) async throws {
    var bytes = bytes
    while bytes.readableBytes > 0 {
      try await writer(bytes.readSlice(length: min(fragment, bytes.readableBytes))!)
    }
  }
}
