import Foundation
import Generators
import StreamNetworking
import Testing

@Suite struct ServerSentEventParserTests {
  /// Every event of `text`, fed in chunks of `size` bytes.
  func parse(_ text: String, chunk size: Int) throws -> (events: [ServerSentEvent], parser: ServerSentEventParser) {
    var parser = ServerSentEventParser()
    var events: [ServerSentEvent] = []
    let bytes = Array(text.utf8)
    var start = 0
    while start < bytes.count {
      let end = min(start + size, bytes.count)
      try bytes[start..<end].withUnsafeBytes { try parser.parse($0, into: &events) }
      start = end
    }
    return (events, parser)
  }

  // The WHATWG standard's own examples (section 9.2.6), then the corners:
  // every line end, a BOM, a CRLF split between chunks, fields without a
  // colon or space, ids with a NUL, retry with non-digits.
  static let stream =
    "\u{FEFF}data: YHOO\ndata: +2\ndata: 10\n\n"
    + ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n"
    + "data\n\ndata\ndata\n\ndata:\n\n"
    + "event: add\r\ndata: 73857293\r\n\r\nevent: remove\rdata: 2153\r\revent: add\ndata: 113411\n\n"
    + "id: 7\u{0}8\ndata: nul id ignored\nretry: 12x\n\nretry: 2500\ndata: with retry\n\n"
    + "event: no data\n\nid: 9\n\ndata: after an id-only event\n\n"
    + "data: never finished"

  static let expected: [ServerSentEvent] = [
    ServerSentEvent(data: "YHOO\n+2\n10"),
    ServerSentEvent(data: "first event", id: "1"),
    ServerSentEvent(data: "second event", id: ""),
    ServerSentEvent(data: " third event", id: ""),
    ServerSentEvent(data: ""),
    ServerSentEvent(data: "\n"),
    ServerSentEvent(data: ""),
    ServerSentEvent(event: "add", data: "73857293"),
    ServerSentEvent(event: "remove", data: "2153"),
    ServerSentEvent(event: "add", data: "113411"),
    ServerSentEvent(data: "nul id ignored"),
    ServerSentEvent(data: "with retry", retry: .milliseconds(2500)),
    ServerSentEvent(data: "after an id-only event", id: "9"),
  ]

  @Test func everyChunkSizeGivesTheStandardsEvents() throws {
    let length = Self.stream.utf8.count
    for size in 1...length {
      let (events, parser) = try parse(Self.stream, chunk: size)
      #expect(events == Self.expected, "chunks of \(size) bytes")
      #expect(parser.comments == 1)
      #expect(parser.lastEventID == "9")
      #expect(parser.retry == .milliseconds(2500))
    }
  }

  @Test func aLineOrEventPastTheMaximumIsAnError() throws {
    var parser = ServerSentEventParser(maxEventSize: 64)
    var events: [ServerSentEvent] = []
    let long = Array(("data: " + String(repeating: "x", count: 100) + "\n\n").utf8)
    #expect(throws: ServerSentEventParser.TooLarge.self) {
      try long.withUnsafeBytes { try parser.parse($0, into: &events) }
    }
    var joined = ServerSentEventParser(maxEventSize: 64)
    let many = Array(String(repeating: "data: 0123456789\n", count: 10).utf8)
    #expect(throws: ServerSentEventParser.TooLarge.self) {
      try many.withUnsafeBytes { try joined.parse($0, into: &events) }
    }
  }
}

@Suite(.timeLimit(.minutes(2))) struct ServerSentEventStreamTests {
  let quick = Reconnect(maxAttempts: 5, backoff: Backoff(initial: .milliseconds(10), jitter: .none))

  @Test func dropsAreResumedFromLastEventIDWithoutLossOrDuplicates() async throws {
    try await withServer { server in
      var events: [ServerSentEvent] = []
      // 20 events, the connection dropped after every 6 (with half an event
      // written), then the end of the response, then 204: the sequence ends.
      for try await event in HTTPStreams.events(server.base + "/sse/feed?total=20&drop=6", reconnect: quick) {
        events.append(event)
      }
      #expect(events.map(\.id) == (0..<20).map(String.init))
      #expect(events.allSatisfy { $0.event == "tick" && $0.data == "line \($0.id)\nsecond" })
      // Each request resumed after the last event received before it: no ID
      // on the first, then IDs that never go back, the last one 19 (which
      // got 204). Drops at 5, 11 and 17 make that [nil, "5", "11", "17", "19"];
      // a connection lost for another reason (a loaded machine) adds one.
      let resumedAfter = server.streams.eventIDs("/sse/feed")
      #expect(resumedAfter.first == .some(nil))
      let ids = resumedAfter.dropFirst().map { $0.flatMap { Int($0) } ?? -1 }
      #expect(ids == ids.sorted() && ids.last == 19 && ids.count >= 4, "\(resumedAfter)")
    }
  }

  @Test func breakClosesTheConnectionAsTheServerSees() async throws {
    try await withServer { server in
      var count = 0
      for try await event in HTTPStreams.events(server.base + "/sse/endless") {
        #expect(event.data == "{\"n\":\(count)}")
        count += 1
        if count == 1000 { break }
      }
      #expect(await eventually { server.streams.eventStreamsCut.withLock { $0 } == 1 })
    }
  }

  @Test func cancellationClosesTheConnection() async throws {
    try await withServer { server in
      let started = AsyncStream<Void>.makeStream()
      let reader = Task {
        var count = 0
        for try await _ in HTTPStreams.events(server.base + "/sse/endless") {
          count += 1
          if count == 10 { started.continuation.yield() }
        }
      }
      for await _ in started.stream { break }
      reader.cancel()
      await #expect(throws: CancellationError.self) { try await reader.value }
      #expect(await eventually { server.streams.eventStreamsCut.withLock { $0 } == 1 })
    }
  }

  @Test func aSilentConnectionIsReplacedAfterTheHeartbeatTimeout() async throws {
    try await withServer { server in
      // /sse/quiet sends one event, then nothing: each event needs a new connection.
      var ids: [String] = []
      let events = HTTPStreams.events(server.base + "/sse/quiet", reconnect: quick, heartbeatTimeout: .milliseconds(200))
      for try await event in events {
        ids.append(event.id)
        if ids.count == 3 { break }
      }
      #expect(ids == ["0", "1", "2"])
      #expect(server.streams.eventIDs("/sse/quiet") == [nil, "0", "1"])
    }
  }

  @Test func aResponseThatIsNotAnEventStreamIsAnError() async throws {
    try await withServer { server in
      do {
        for try await _ in HTTPStreams.events(server.base + "/sse/not-sse") {}
        Issue.record("no error")
      } catch let error as StreamConnectionError {
        #expect(error.kind == .invalidResponse)
        #expect(error.description.contains("application/json"))
      }
      do {
        for try await _ in HTTPStreams.events(server.base + "/missing") {}
        Issue.record("no error")
      } catch let error as StreamConnectionError {
        #expect(error.kind == .connection)
        #expect(error.description.contains("404"))
      }
      #expect(server.count("/missing") == 1)  // a 404 is not tried again
    }
  }

  @Test func aiohttpEventStreamWithResume() async throws {
    try await withPythonPeers { peers in
      // aiohttp's server ends its response after five events; the stream
      // reconnects with Last-Event-ID and goes on.
      var prices: [String] = []
      for try await event in HTTPStreams.events(peers.eventsBase + "/events", lastEventID: "9", reconnect: quick) {
        #expect(event.event == "price")
        prices.append(event.data)
        if prices.count == 12 { break }
      }
      #expect(prices == (10..<22).map { String(101 + $0) })
    }
  }
}
