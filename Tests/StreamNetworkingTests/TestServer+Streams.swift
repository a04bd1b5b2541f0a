import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import NIOCore
import Synchronization

/// What the test server's WebSocket and Server-Sent Events endpoints saw.
final class StreamCounters: Sendable {
  /// WebSocket connections opened, per path.
  let webSocketsOpened = Mutex<[String: Int]>([:])
  /// WebSocket connections whose handler has ended (the client closed, or the connection was cut).
  let webSocketsEnded = Mutex<[String: Int]>([:])
  /// Messages received on /ws/echo, over all connections.
  let echoed = Mutex(0)
  /// The outbound writers of the clients on /ws/broadcast.
  let broadcastMembers = Mutex<[Int: WebSocketOutboundWriter]>([:])
  /// The next message number of each /ws/drop key: it goes on over connections.
  let dropSequences = Mutex<[String: Int]>([:])
  /// `Last-Event-ID` of each SSE request, per path (nil: none sent).
  let lastEventIDs = Mutex<[String: [String?]]>([:])
  /// SSE responses the client stopped reading (its connection closed mid-body).
  let eventStreamsCut = Mutex(0)

  func opened(_ path: String) -> Int { webSocketsOpened.withLock { $0[path, default: 0] } }
  func ended(_ path: String) -> Int { webSocketsEnded.withLock { $0[path, default: 0] } }
  func eventIDs(_ path: String) -> [String?] { lastEventIDs.withLock { $0[path, default: []] } }
}

/// The WebSocket endpoints, on hummingbird-websocket's server:
///
/// - `/ws/echo`: every message back as it came.
/// - `/ws/broadcast`: every message to every client connected there.
/// - `/ws/drop?key=K&after=N`: the next N numbers of K's sequence, then a
///   close with 1012 (service restart).
/// - `/ws/silent`: reads nothing (so answers no ping) and sends nothing.
/// - `/ws/endless`: numbered 1 KiB messages, about 10 a millisecond, until the client closes.
func webSocketUpgrade(_ counters: StreamCounters) -> HTTPServerBuilder {
  .http1WebSocketUpgrade { request, _, _ in
    let target = request.path ?? ""
    let path = String(target.prefix { $0 != "?" })
    let query = URLComponents(string: target)?.queryItems ?? []
    @Sendable func parameter(_ name: String) -> String? { query.first { $0.name == name }?.value }
    guard ["/ws/echo", "/ws/broadcast", "/ws/drop", "/ws/silent", "/ws/endless"].contains(path) else {
      return .dontUpgrade
    }
    return .upgrade([:]) { inbound, outbound, _ in
      counters.webSocketsOpened.withLock { $0[path, default: 0] += 1 }
      defer { counters.webSocketsEnded.withLock { $0[path, default: 0] += 1 } }
      switch path {
      case "/ws/echo":
        for try await message in inbound.messages(maxSize: 1 << 20) {
          counters.echoed.withLock { $0 += 1 }
          switch message {
          case .text(let text): try await outbound.write(.text(text))
          case .binary(let bytes): try await outbound.write(.binary(bytes))
          }
        }
      case "/ws/broadcast":
        let member = counters.broadcastMembers.withLock { members in
          let id = (members.keys.max() ?? 0) + 1
          members[id] = outbound
          return id
        }
        defer { counters.broadcastMembers.withLock { _ = $0.removeValue(forKey: member) } }
        for try await message in inbound.messages(maxSize: 1 << 20) {
          guard case .text(let text) = message else { continue }
          let everyone = counters.broadcastMembers.withLock { Array($0.values) }
          for writer in everyone { try? await writer.write(.text(text)) }
        }
      case "/ws/drop":
        let key = parameter("key") ?? ""
        let after = Int(parameter("after") ?? "5") ?? 5
        let first = counters.dropSequences.withLock { sequences in
          defer { sequences[key, default: 0] += after }
          return sequences[key, default: 0]
        }
        // At once after the handshake, so that the messages often arrive in
        // the same read as the 101 answer (see the note on WebSocketTests).
        for n in first..<first + after { try await outbound.write(.text(String(n))) }
        try await outbound.close(.unknown(1012), reason: "service restart")
      case "/ws/silent":
        try await Task.sleep(for: .seconds(3600))
      default:  // "/ws/endless"
        try await withThrowingTaskGroup(of: Void.self) { group in
          group.addTask {
            // 1 KiB messages, 10 a millisecond at most: the socket buffers
            // hold a few thousand, so the close handshake is not queued behind
            // a million, and the flood leaves the other tests some CPU.
            let padding = String(repeating: "x", count: 1024)
            var n = 0
            while true {
              try await outbound.write(.text("\(n) \(padding)"))
              n += 1
              if n % 10 == 0 { try await Task.sleep(for: .milliseconds(1)) }
            }
          }
          for try await _ in inbound {}  // until the client's close frame
          group.cancelAll()
        }
      }
    }
  }
}

/// The Server-Sent Events endpoints:
///
/// - `/sse/feed?total=T&drop=K`: events 0..<T, each `id:` its number, after
///   the one the request's `Last-Event-ID` names; a BOM, `retry: 20`, CRLF, CR
///   and LF line ends in turn, two-line data, comments; after K events the
///   connection is dropped with an event half written; once all are sent the
///   response ends, and a request after the last one gets 204 No Content.
/// - `/sse/quiet`: the event after `Last-Event-ID`, then silence, the connection open.
/// - `/sse/endless`: events as fast as the client takes them.
/// - `/sse/not-sse`: JSON.
func addEventStreams(to router: Router<BasicRequestContext>, _ counters: StreamCounters) {
  @Sendable func lastEventID(_ request: Request, _ path: String) -> Int {
    let header = request.headers[HTTPField.Name("Last-Event-ID")!]
    counters.lastEventIDs.withLock { $0[path, default: []].append(header) }
    return header.flatMap { Int($0) } ?? -1
  }
  router.get("sse/feed") { request, _ -> Response in
    let total = Int(request.uri.queryParameters["total"].map(String.init) ?? "20") ?? 20
    let drop = Int(request.uri.queryParameters["drop"].map(String.init) ?? "6") ?? 6
    let first = lastEventID(request, "/sse/feed") + 1
    if first >= total { return Response(status: .noContent) }
    return Response(
      status: .ok, headers: [.contentType: "text/event-stream"],
      body: ResponseBody { writer in
        try await writer.write(ByteBuffer(string: "\u{FEFF}retry: 20\n: hello\n\n"))
        let ends = ["\r\n", "\r", "\n"]
        for (sent, n) in (first..<total).enumerated() {
          if sent == drop {
            try await writer.write(ByteBuffer(string: "id: \(n)\ndata: half an event"))
            struct Dropped: Error {}
            throw Dropped()
          }
          let end = ends[n % 3]
          let event = "event: tick\(end)id: \(n)\(end)data: line \(n)\(end)data: second\(end): heartbeat\(end)\(end)"
          try await writer.write(ByteBuffer(string: event))
        }
        try await writer.finish(nil)
      })
  }
  router.get("sse/quiet") { request, _ -> Response in
    let n = lastEventID(request, "/sse/quiet") + 1
    return Response(
      status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8"],
      body: ResponseBody { writer in
        try await writer.write(ByteBuffer(string: "id: \(n)\ndata: \(n)\n\n"))
        try await Task.sleep(for: .seconds(3600))
      })
  }
  router.get("sse/endless") { request, _ -> Response in
    _ = lastEventID(request, "/sse/endless")
    return Response(
      status: .ok, headers: [.contentType: "text/event-stream"],
      body: ResponseBody { writer in
        var n = 0
        do {
          while true {
            var buffer = ByteBuffer()
            for _ in 0..<50 {
              buffer.writeString("id: \(n)\ndata: {\"n\":\(n)}\n\n")
              n += 1
            }
            try await writer.write(buffer)
          }
        } catch {
          counters.eventStreamsCut.withLock { $0 += 1 }
          throw error
        }
      })
  }
  router.get("sse/not-sse") { _, _ -> Response in json("{\"events\":[]}") }
}
