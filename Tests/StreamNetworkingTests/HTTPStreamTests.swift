import AsyncHTTPClient
import Foundation
import Generators
import StreamIO
import StreamNetworking
import Testing

@Suite struct PaginatedAPITests {
  func numbers(_ values: [JSONValue]) -> [Int] {
    values.compactMap { if case .number(let n, _) = $0 { Int(n) } else { nil } }
  }

  @Test func everyStyleReadsAllPagesInOrder() async throws {
    try await withServer { server in
      let expected = Array(0..<1000)
      var all: [JSONValue] = []
      for try await item in HTTPStreams.paginated(server.base + "/cursor", pagination: .cursor()) { all.append(item) }
      #expect(numbers(all) == expected)
      all = []
      for try await item in HTTPStreams.paginated(server.base + "/link", pagination: .nextLink) { all.append(item) }
      #expect(numbers(all) == expected)
      all = []
      for try await item in HTTPStreams.paginated(
        server.base + "/offset", pagination: .offset(pageSize: 30), items: "rows.items")
      {
        all.append(item)
      }
      #expect(numbers(all) == expected)
      all = []
      for try await item in HTTPStreams.paginated(server.base + "/page", pagination: .pageNumber(), items: "") {
        all.append(item)
      }
      #expect(numbers(all) == expected)
      // cursor and link: 100 pages; offset: 34 (the last one short); page: 100 and an empty 101st.
      #expect(server.count("/cursor") == 100)
      #expect(server.count("/link") == 100)
      #expect(server.count("/offset") == 34)
      #expect(server.count("/page") == 101)
    }
  }

  @Test(arguments: ["cursor", "link", "page"])
  func taking25ItemsMakesExactlyTheRequestsNeeded(style: String) async throws {
    try await withServer { server in
      let pagination: Pagination =
        switch style {
        case "cursor": .cursor()
        case "link": .nextLink
        default: .pageNumber()
        }
      let items = HTTPStreams.paginated(server.base + "/" + style, pagination: pagination, items: style == "page" ? "" : "data")
      var taken: [JSONValue] = []
      for try await item in items {
        taken.append(item)
        if taken.count == 25 { break }
      }
      #expect(numbers(taken) == Array(0..<25))
      // 10 a page: items 20-24 are on the third page; no fourth is asked for.
      #expect(server.count("/" + style) == 3)
    }
  }

  @Test func decodableItems() async throws {
    try await withServer { server in
      var sum = 0
      for try await n in HTTPStreams.paginated(server.base + "/cursor", pagination: .cursor(), as: Int.self).prefix(15) {
        sum += n
      }
      #expect(sum == (0..<15).reduce(0, +))
    }
  }

  @Test func a429IsRetriedAfterRetryAfter() async throws {
    try await withServer { server in
      let start = ContinuousClock.now
      var all: [JSONValue] = []
      for try await item in HTTPStreams.paginated(server.base + "/limited?key=a", pagination: .nextLink) { all.append(item) }
      #expect(numbers(all) == [1, 2, 3])
      #expect(server.count("/limited?key=a") == 2)
      // Retry-After: 1 was honoured (the backoff alone would wait at most 200 ms).
      #expect(ContinuousClock.now - start >= .milliseconds(900))
    }
  }

  @Test func errorsNameTheURLAndAreNotRetriedWhenTheyCannotSucceed() async throws {
    try await withServer { server in
      do {
        for try await _ in HTTPStreams.paginated(server.base + "/missing", pagination: .nextLink) {}
        Issue.record("no error")
      } catch let error as HTTPError {
        #expect(error.status == 404)
        #expect(error.url == server.base + "/missing")
        #expect(error.description.contains("no such thing"))
      }
      #expect(server.count("/missing") == 1)
      // A page without the items where it was told to look.
      do {
        for try await _ in HTTPStreams.paginated(server.base + "/offset", pagination: .offset(), items: "data") {}
        Issue.record("no error")
      } catch let error as HTTPError {
        #expect(error.kind == .invalidResponse)
        #expect(error.description.contains("\"data\" is not an array"))
      }
    }
  }

  @Test func connectionRefusedIsRetriedThenReported() async throws {
    // A port nothing listens on: bind one, note it, close it.
    let server = try await TestServer.start()
    let url = server.base + "/cursor"
    await server.stop()
    let retry = HTTPRetry(maxAttempts: 3, backoff: Backoff(initial: .milliseconds(10), jitter: .none))
    do {
      // AsyncHTTPClient keeps trying to connect until the timeout: a short one here.
      _ = try await HTTPStreams.get(url, retry: retry, timeout: .seconds(1))
      Issue.record("no error")
    } catch let error as HTTPError {
      #expect(error.kind == .connection)
      #expect(error.attempts == 3)
      #expect(error.description.contains(url))
      #expect(error.description.contains("refused"), "\(error)")
    }
  }
}

@Suite struct HTTPBodyTests {
  struct Record: Decodable, Equatable { var n: Int; var text: String }

  @Test func slowDripNDJSONArrivesWhole() async throws {
    try await withServer { server in
      let reader = JSONLinesReader<Record>(lines: LineReader(source: try await .http(server.base + "/drip")))
      var seen: [Record] = []
      for try await record in reader { seen.append(record) }
      #expect(seen == (0..<20).map { Record(n: $0, text: "drip \($0)") })
    }
  }

  @Test func a503BurstIsRetriedThenTheBodyRead() async throws {
    try await withServer { server in
      let retry = HTTPRetry(maxAttempts: 5, backoff: Backoff(initial: .milliseconds(10), jitter: .none))
      let source = try await ByteSource.http(server.base + "/flaky?key=b&fails=3", retry: retry)
      var lines: [String] = []
      for try await line in LineReader(source: source) { lines.append(try line.string()) }
      #expect(lines == ["{\"ok\":1}", "{\"ok\":2}"])
      #expect(server.count("/flaky?key=b") == 4)
      // Too many failures: the last status, the attempts and the URL.
      do {
        _ = try await ByteSource.http(server.base + "/flaky?key=c&fails=9", retry: retry)
        Issue.record("no error")
      } catch let error as HTTPError {
        #expect(error.status == 503)
        #expect(error.attempts == 5)
      }
    }
  }

  @Test func aStreamCutMidRecordIsAnErrorAfterTheWholeRecords() async throws {
    try await withServer { server in
      struct N: Decodable { var n: Int }
      let url = server.base + "/cut"
      let reader = JSONLinesReader<N>(lines: LineReader(source: try await .http(url)))
      var seen: [Int] = []
      do {
        for try await record in reader { seen.append(record.n) }
        Issue.record("no error: the cut record was read as \(seen)")
      } catch let error as StreamIOError {
        #expect(error.code == .io)
        #expect(error.path == url)
        #expect(error.description.contains("after 21 bytes"))
      }
      #expect(seen == [1, 2])
    }
  }

  @Test func gzipBodyIsDecompressed() async throws {
    var text = ""
    for n in 0..<5000 { text += "{\"n\":\(n),\"text\":\"gz \(n)\"}\n" }
    try await withServer(gzipBody: try gzip(Array(text.utf8))) { server in
      var count = 0
      for try await record in JSONLinesReader<Record>(lines: LineReader(source: try await .http(server.base + "/gzip"))) {
        #expect(record.n == count)
        count += 1
      }
      #expect(count == 5000)
    }
  }

  @Test func csvOverHTTP() async throws {
    try await withServer { server in
      var quantities: [String: Int] = [:]
      for try await row in try await CSVReader.http(server.base + "/sales.csv") {
        quantities[try row.string("name")] = try row["qty", as: Int.self]
      }
      #expect(quantities == ["ann": 3, "bo": 4, "c, d": 5])
    }
  }

  @Test func breakClosesTheConnectionAsTheServerSees() async throws {
    try await withServer { server in
      struct N: Decodable { var n: Int }
      do {
        var count = 0
        for try await record in JSONLinesReader<N>(lines: LineReader(source: try await .http(server.base + "/endless"))) {
          #expect(record.n == count)
          count += 1
          if count == 1000 { break }
        }
      }
      // The reader is released: its connection is closed, the server's write fails.
      let deadline = ContinuousClock.now + .seconds(30)
      while server.streamsCutByClient.withLock({ $0 }) == 0 && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(10))
      }
      #expect(server.streamsCutByClient.withLock { $0 } == 1)
    }
  }

  @Test func aConsumerThatStopsPullingStopsTheServer() async throws {
    try await withServer { server in
      struct N: Decodable { var n: Int }
      let reader = JSONLinesReader<N>(lines: LineReader(source: try await .http(server.base + "/endless")))
      for _ in 0..<10 { _ = try await reader.nextAsync(isolation: nil) }
      // The consumer pauses. The socket's buffers and a chunk read ahead hold
      // some records; the server is then held back, not racing on.
      try await Task.sleep(for: .milliseconds(500))
      let first = server.endlessRecordsWritten.withLock { $0 }
      try await Task.sleep(for: .milliseconds(500))
      let second = server.endlessRecordsWritten.withLock { $0 }
      #expect(first == second, "the server kept writing while nobody read")
      #expect(second < 1_000_000)
      withExtendedLifetime(reader) {}
    }
  }
}

/// Compresses with the system's gzip, so the test does not trust our own zlib use.
func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
  let directory = NSTemporaryDirectory() + "net-gzip-\(UUID().uuidString)"
  try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(atPath: directory) }
  try Data(bytes).write(to: URL(fileURLWithPath: directory + "/body"))
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["gzip", directory + "/body"]
  try process.run()
  process.waitUntilExit()
  return Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/body.gz")))
}
