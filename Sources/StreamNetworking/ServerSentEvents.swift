import AsyncHTTPClient
import Foundation
import Generators
import NIOCore
import NIOHTTP1
import Synchronization

extension HTTPStreams {
  /// The Server-Sent Events of `url` (`text/event-stream`) as an async
  /// sequence, connecting when first iterated. Python: httpx-sse's
  /// `async with aconnect_sse(client, "GET", url) as source:` and
  /// `async for sse in source.aiter_sse()`; sseclient's `for event in client.events()`.
  ///
  /// ```swift
  /// import Generators
  /// import StreamNetworking
  ///
  /// var prices: [String] = []
  /// for try await event in HTTPStreams.events(eventsURL) where event.event == "price" {
  ///   prices.append(event.data)
  ///   if prices.count == 3 { break }      // the connection is closed
  /// }
  /// print(prices)  // → ["101", "102", "103"]
  /// ```
  ///
  /// As a browser's `EventSource` does, the stream connects again whenever the
  /// response ends or the connection is lost, after the server's `retry:`
  /// time (else a ``Reconnect`` wait), sending the last event ID as
  /// `Last-Event-ID` so that the server goes on after the last event received.
  /// An event cut off by a lost connection is not handed out. The sequence
  /// ends when the server answers 204 No Content.
  ///
  /// - Parameters:
  ///   - headers: sent with every request (`Authorization`, …); `Accept:
  ///     text/event-stream` and `Cache-Control: no-cache` are added.
  ///   - lastEventID: the ID to resume after, sent with the first request too.
  ///   - reconnect: a lost connection, a 429 or a 5xx is tried again this many
  ///     times in a row, waiting as its ``Backoff`` says; other statuses, and a
  ///     response that is not `text/event-stream`, throw at once.
  ///   - heartbeatTimeout: a connection over which no byte (event or `:` comment)
  ///     arrives for this long is taken for dead and made again; nil: never.
  ///   - bufferSize: events read ahead of the consumer.
  ///   - maxEventSize: a longer line or event is an error, not memory without a bound.
  /// - Returns: a single-pass sequence; iterating it throws ``StreamConnectionError``.
  ///
  /// Breaking out of the loop, releasing the iterator or cancelling its task
  /// closes the connection.
  public static func events(
    _ url: String, headers: [(String, String)] = [], lastEventID: String? = nil, client: HTTPClient = .shared,
    reconnect: Reconnect = Reconnect(), heartbeatTimeout: Duration? = .seconds(60), bufferSize: Int = 256,
    maxEventSize: Int = 1 << 20
  ) -> ServerSentEvents {
    precondition(bufferSize > 0, "an event stream needs a buffer of at least one event, got \(bufferSize)")
    return ServerSentEvents(
      url: url, headers: headers, lastEventID: lastEventID, client: client, reconnect: reconnect,
      heartbeatTimeout: heartbeatTimeout, bufferSize: bufferSize, maxEventSize: maxEventSize)
  }
}

/// A `text/event-stream`'s events as an async sequence, reconnecting with
/// `Last-Event-ID`. Made by
/// ``HTTPStreams/events(_:headers:lastEventID:client:reconnect:heartbeatTimeout:bufferSize:maxEventSize:)``.
public struct ServerSentEvents: AsyncSequence, Sendable {
  public typealias Element = ServerSentEvent
  public typealias Failure = any Error

  let url: String
  let headers: [(String, String)]
  let lastEventID: String?
  let client: HTTPClient
  let reconnect: Reconnect
  let heartbeatTimeout: Duration?
  let bufferSize: Int
  let maxEventSize: Int

  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(session: EventStreamSession(self)) }

  /// Single pass: the connection is the iterator's, closed when it is released.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let session: EventStreamSession
    var batch: [ServerSentEvent] = []
    var index = 0

    nonisolated(nonsending) public mutating func next() async throws -> ServerSentEvent? {
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

/// One iterator's reading task and the buffer it fills; releasing it (the
/// iterator is gone) cancels the task, which closes the connection.
final class EventStreamSession: Sendable {
  let buffer: EventBuffer<ServerSentEvent>
  private let stream: ServerSentEvents
  private let producer = ProducerTask()

  init(_ stream: ServerSentEvents) {
    self.stream = stream
    buffer = EventBuffer(capacity: stream.bufferSize)
  }

  deinit { buffer.consumerLeaves() }

  func startIfNeeded() {
    let (stream, buffer, producer) = (stream, buffer, producer)
    producer.startIfNeeded {
      buffer.whenConsumerLeaves { producer.cancel() }
      await Self.run(stream, into: buffer)
    }
  }

  /// The parser, used by one connection's reading task at a time.
  final class Parsing: @unchecked Sendable {
    var parser: ServerSentEventParser
    /// Events handed to the buffer, over all connections.
    var delivered = 0
    init(_ parser: ServerSentEventParser) { self.parser = parser }
  }

  /// Ends a connection: its response ended, or nothing came for too long.
  enum ConnectionEnd: Error {
    case heartbeatMissed(Duration)
  }

  static func run(_ stream: ServerSentEvents, into buffer: EventBuffer<ServerSentEvent>) async {
    var first = ServerSentEventParser(maxEventSize: stream.maxEventSize)
    first.carryOver(lastEventID: stream.lastEventID ?? "", retry: nil)
    let parsing = Parsing(first)
    var waits = stream.reconnect.backoff.makeIterator()
    var failures = 0
    var received: Int { parsing.delivered }
    while !buffer.consumerHasLeft {
      var request = HTTPClientRequest(url: stream.url)
      request.method = .GET
      for (name, value) in stream.headers { request.headers.add(name: name, value: value) }
      request.headers.replaceOrAdd(name: "Accept", value: "text/event-stream")
      request.headers.replaceOrAdd(name: "Cache-Control", value: "no-cache")
      let lastEventID = parsing.parser.lastEventID
      if !lastEventID.isEmpty { request.headers.replaceOrAdd(name: "Last-Event-ID", value: lastEventID) }
      var opened = false
      var failure: StreamConnectionError
      do {
        let response = try await stream.client.execute(request, timeout: .seconds(30))
        let status = Int(response.status.code)
        if status == 204 {
          buffer.finish()
          return
        }
        guard (200..<300).contains(status) else {
          let error = StreamConnectionError(
            .connection, url: stream.url, message: "HTTP \(status) \(response.status.reasonPhrase)", received: received)
          guard status == 429 || status >= 500 else {
            buffer.finish(throwing: error)
            return
          }
          throw error
        }
        let type = response.headers.first(name: "Content-Type") ?? ""
        guard type.lowercased().hasPrefix("text/event-stream") else {
          buffer.finish(
            throwing: StreamConnectionError(
              .invalidResponse, url: stream.url,
              message: "the response is \(type.isEmpty ? "without a Content-Type" : type), not text/event-stream",
              received: received))
          return
        }
        opened = true
        failures = 0
        waits = stream.reconnect.backoff.makeIterator()
        try await read(response.body, with: parsing, into: buffer, heartbeatTimeout: stream.heartbeatTimeout)
        failure = StreamConnectionError(.lost, url: stream.url, message: "the server ended the response", received: received)
      } catch let error as StreamConnectionError {
        failure = error
      } catch ConnectionEnd.heartbeatMissed(let timeout) {
        failure = StreamConnectionError(
          .lost, url: stream.url, message: "nothing arrived for \(timeout) (heartbeat timeout)", received: received)
      } catch let error as ServerSentEventParser.TooLarge {
        buffer.finish(throwing: StreamConnectionError(.invalidResponse, url: stream.url, message: "\(error)", received: received))
        return
      } catch {
        if buffer.consumerHasLeft { return }
        failure = StreamConnectionError(
          opened ? .lost : .connection, url: stream.url,
          message: opened ? "the connection failed: \(error)" : "no connection: \(error)", received: received)
      }
      if buffer.consumerHasLeft { return }
      // A fresh parser keeps what the stream has learned: the last ID and the retry time.
      let retry = parsing.parser.retry
      parsing.parser = ServerSentEventParser(continuing: parsing.parser)
      failures += 1
      failure.attempts = failures
      failure.received = received
      guard stream.reconnect.allows(after: failures) else {
        buffer.finish(throwing: failure)
        return
      }
      let backoff = stream.reconnect.backoff
      let wait =
        retry.map { min($0 * Int(pow(backoff.multiplier, Double(failures - 1)).rounded()), backoff.maximum) }
        ?? waits.next()!
      try? await Task.sleep(for: wait)
    }
  }

  /// Reads one response's body into `buffer` until it ends. A heartbeat timeout ends it with ``ConnectionEnd/heartbeatMissed(_:)``.
  static func read(
    _ body: HTTPClientResponse.Body, with parsing: Parsing, into buffer: EventBuffer<ServerSentEvent>,
    heartbeatTimeout: Duration?
  ) async throws {
    let lastByte = Shared(ContinuousClock.now)
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        var events: [ServerSentEvent] = []
        for try await chunk in body {
          lastByte.withLock { $0 = .now }
          try chunk.withUnsafeReadableBytes { try parsing.parser.parse($0, into: &events) }
          for event in events {
            guard await buffer.push(event) else { throw CancellationError() }
            parsing.delivered += 1
          }
          events.removeAll(keepingCapacity: true)
        }
      }
      if let heartbeatTimeout {
        group.addTask {
          while true {
            let idle = ContinuousClock.now - lastByte.value
            if idle >= heartbeatTimeout { throw ConnectionEnd.heartbeatMissed(heartbeatTimeout) }
            try await Task.sleep(for: heartbeatTimeout - idle)
          }
        }
      }
      defer { group.cancelAll() }
      try await group.next()
    }
  }
}

extension ServerSentEventParser {
  /// A parser for a new connection of the same stream: the last event ID and
  /// reconnection time carry over, a half-read line or event does not.
  init(continuing previous: ServerSentEventParser) {
    self.init(maxEventSize: previous.maxEventSize)
    carryOver(lastEventID: previous.lastEventID, retry: previous.retry)
  }
}
