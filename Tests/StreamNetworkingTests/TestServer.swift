import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A real HTTP server (Hummingbird) on loopback, started by the tests: it
/// serves paginated JSON in each style, 429 and 503 with Retry-After, slow and
/// endless NDJSON, a body cut mid-record and a gzip body, WebSocket and
/// Server-Sent Events endpoints (TestServer+Streams.swift), and counts what it
/// sees, so tests can check laziness from the server's side.
final class TestServer: Sendable {
  let port: Int
  private let task: Task<Void, any Error>
  /// Requests per path (with its query), as the server received them.
  let requests = Mutex<[String]>([])
  /// Streams the client stopped reading (its connection closed mid-body).
  let streamsCutByClient = Mutex(0)
  /// NDJSON records the endless stream wrote.
  let endlessRecordsWritten = Mutex(0)
  /// What the WebSocket and SSE endpoints saw.
  let streams: StreamCounters

  var webSocketBase: String { "ws://127.0.0.1:\(port)/ws" }

  var base: String { "http://127.0.0.1:\(port)" }

  func count(_ prefix: String) -> Int { requests.withLock { $0.filter { $0.hasPrefix(prefix) }.count } }

  static func start(gzipBody: [UInt8] = []) async throws -> TestServer {
    let ready = AsyncStream<Int>.makeStream()
    let box = Mutex<TestServer?>(nil)
    let router = Router()
    let streams = StreamCounters()
    addEventStreams(to: router, streams)
    let log: @Sendable (Request) -> Void = { request in
      box.withLock { server in server?.requests.withLock { $0.append(request.uri.description) } }
    }
    // Ten items a page, 100 pages: item i of page p is p * 10 + i.
    @Sendable func items(page: Int) -> String { (0..<10).map { String(page * 10 + $0) }.joined(separator: ",") }
    router.get("cursor") { request, _ -> Response in
      log(request)
      let page = Int(request.uri.queryParameters["cursor"].map(String.init) ?? "0") ?? 0
      let next = page + 1 < 100 ? "\"\(page + 1)\"" : "null"
      return json("{\"data\":[\(items(page: page))],\"next_cursor\":\(next)}")
    }
    router.get("link") { request, _ -> Response in
      log(request)
      let page = Int(request.uri.queryParameters["page"].map(String.init) ?? "0") ?? 0
      var response = json("{\"data\":[\(items(page: page))]}")
      if page + 1 < 100 {
        // Relative, with a second link first, as GitHub sends them.
        response.headers[.init("Link")!] = "</link?page=99>; rel=\"last\", </link?page=\(page + 1)>; rel=\"next\""
      }
      return response
    }
    router.get("offset") { request, _ -> Response in
      log(request)
      let offset = Int(request.uri.queryParameters["offset"].map(String.init) ?? "0") ?? 0
      let limit = Int(request.uri.queryParameters["limit"].map(String.init) ?? "10") ?? 10
      let values = (offset..<min(offset + limit, 1000)).map(String.init).joined(separator: ",")
      return json("{\"rows\":{\"items\":[\(values)]}}")
    }
    router.get("page") { request, _ -> Response in
      log(request)
      let page = Int(request.uri.queryParameters["page"].map(String.init) ?? "1") ?? 1
      return json(page <= 100 ? "[\(items(page: page - 1))]" : "[]")
    }
    // The first request for a key gets 429 (Retry-After: 1), later ones a page.
    router.get("limited") { request, _ -> Response in
      log(request)
      let key = request.uri.queryParameters["key"].map(String.init) ?? ""
      let seen = box.withLock { $0!.count("/limited?key=\(key)") }
      if seen == 1 {
        var response = json("{\"error\":\"slow down\"}", status: .tooManyRequests)
        response.headers[.retryAfter] = "1"
        return response
      }
      return json("{\"data\":[1,2,3]}")
    }
    // 503 for the first `fails` requests of a key, then NDJSON.
    router.get("flaky") { request, _ -> Response in
      log(request)
      let key = request.uri.queryParameters["key"].map(String.init) ?? ""
      let fails = Int(request.uri.queryParameters["fails"].map(String.init) ?? "3") ?? 3
      let seen = box.withLock { $0!.requests.withLock { $0.filter { $0.contains("key=\(key)&") || $0.hasSuffix("key=\(key)") }.count } }
      if seen <= fails { return json("{\"error\":\"busy\"}", status: .serviceUnavailable) }
      return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: .init(byteBuffer: ByteBuffer(string: "{\"ok\":1}\n{\"ok\":2}\n")))
    }
    // Records in pieces, with pauses: a line arrives in several chunks.
    router.get("drip") { request, _ -> Response in
      log(request)
      return Response(
        status: .ok, headers: [.contentType: "application/x-ndjson"],
        body: ResponseBody { writer in
          for n in 0..<20 {
            let line = "{\"n\":\(n),\"text\":\"drip \(n)\"}\n"
            let middle = line.index(line.startIndex, offsetBy: line.count / 2)
            try await writer.write(ByteBuffer(string: String(line[..<middle])))
            try await Task.sleep(for: .milliseconds(10))
            try await writer.write(ByteBuffer(string: String(line[middle...])))
          }
          try await writer.finish(nil)
        })
    }
    // Two records and half of a third, then the connection is dropped.
    router.get("cut") { request, _ -> Response in
      log(request)
      return Response(
        status: .ok, headers: [.contentType: "application/x-ndjson"],
        body: ResponseBody { writer in
          try await writer.write(ByteBuffer(string: "{\"n\":1}\n{\"n\":2}\n{\"n\":"))
          try await Task.sleep(for: .milliseconds(50))
          struct Dropped: Error {}
          throw Dropped()
        })
    }
    router.get("endless") { request, _ -> Response in
      log(request)
      return Response(
        status: .ok, headers: [.contentType: "application/x-ndjson"],
        body: ResponseBody { writer in
          var n = 0
          do {
            while true {
              var buffer = ByteBuffer()
              for _ in 0..<100 {
                buffer.writeString("{\"n\":\(n),\"payload\":\"0123456789abcdef0123456789abcdef\"}\n")
                n += 1
              }
              try await writer.write(buffer)
              box.withLock { $0!.endlessRecordsWritten.withLock { $0 = n } }
            }
          } catch {
            box.withLock { server in server!.streamsCutByClient.withLock { $0 += 1 } }
            throw error
          }
        })
    }
    router.get("gzip") { request, _ -> Response in
      log(request)
      return Response(
        status: .ok, headers: [.contentType: "application/x-ndjson", .contentEncoding: "gzip"],
        body: .init(byteBuffer: ByteBuffer(bytes: gzipBody)))
    }
    router.get("sales.csv") { request, _ -> Response in
      log(request)
      return Response(
        status: .ok, headers: [.contentType: "text/csv"],
        body: .init(byteBuffer: ByteBuffer(string: "name,country,qty\nann,US,3\nbo,FR,4\n\"c, d\",DE,5\n")))
    }
    router.get("missing") { request, _ -> Response in
      log(request)
      return json("{\"error\":\"no such thing\"}", status: .notFound)
    }
    let app = Application(
      router: router, server: webSocketUpgrade(streams), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
      onServerRunning: { channel in ready.continuation.yield(channel.localAddress!.port!) }, logger: quietLogger)
    let task = Task { try await app.runService(gracefulShutdownSignals: []) }
    var iterator = ready.stream.makeAsyncIterator()
    guard let port = await iterator.next() else { throw CancellationError() }
    let server = TestServer(port: port, task: task, streams: streams)
    box.withLock { $0 = server }
    return server
  }

  private init(port: Int, task: Task<Void, any Error>, streams: StreamCounters) {
    self.port = port
    self.task = task
    self.streams = streams
  }

  /// Stops the server and waits until it has.
  func stop() async {
    task.cancel()
    _ = await task.result
  }
}

func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
  Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
}

/// Runs `body` with a fresh server, stopping it on every path.
func withServer<T>(gzipBody: [UInt8] = [], _ body: (TestServer) async throws -> T) async throws -> T {
  let server = try await TestServer.start(gzipBody: gzipBody)
  do {
    let result = try await body(server)
    await server.stop()
    return result
  } catch {
    await server.stop()
    throw error
  }
}

/// The server's log, errors included, is not the tests' business: shutting
/// down with a connection open logs an error by design.
let quietLogger: Logger = {
  var logger = Logger(label: "test-server")
  logger.logLevel = .critical
  return logger
}()
