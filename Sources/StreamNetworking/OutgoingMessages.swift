import Synchronization

/// The messages a connection sends, from any async sequence; one iterator
/// for all the connections of a stream, so that a reconnection goes on where
/// the last connection stopped (a message being written when a connection
/// drops may be lost: at most once).
protocol OutgoingMessages: Sendable {
  /// Writes the messages until they end, or until the connection's task is cancelled.
  ///
  /// - Throws: what the sequence throws; ``WebSocketWriteFailure`` when the connection closes first.
  func send(through connection: WebSocketConnection) async throws
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

  func send(through connection: WebSocketConnection) async throws {
    var iterator = lock.withLock { _ in self.iterator } ?? messages.makeAsyncIterator()
    defer { lock.withLock { _ in self.iterator = iterator } }
    while let message = try await iterator.next() {
      try await connection.write(message)
      sentCount.withLock { $0 += 1 }
    }
  }
}
