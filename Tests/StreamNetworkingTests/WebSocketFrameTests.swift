import Foundation
import Generators
import NIOCore
import Synchronization
import Testing

@testable import StreamNetworking

/// A frame as a server sends it (unmasked), for the parser's tests.
func serverFrame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
  var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
  if payload.count < 126 {
    bytes.append(UInt8(payload.count))
  } else if payload.count < 65536 {
    bytes += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
  } else {
    bytes.append(127)
    bytes += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
  }
  return bytes + payload
}

/// The frames python_raw_websocket_peer.py's /frames/K sends (before its
/// close), and the messages a client must make of them.
let rawPeerFrames: [UInt8] =
  serverFrame(1, Array("hello".utf8)) + serverFrame(2, Array(0...255))
  + serverFrame(1, Array("frag".utf8), fin: false) + serverFrame(9, Array("ping-1".utf8))
  + serverFrame(0, Array("men".utf8), fin: false) + serverFrame(0, Array("ted ".utf8) + [0xC3], fin: false)
  + serverFrame(0, [0xA9]) + serverFrame(1, Array(String(repeating: "ü", count: 130).utf8)) + serverFrame(1, [])
  + serverFrame(2, [0, 1], fin: false) + serverFrame(0, [], fin: false) + serverFrame(0, [2])
let rawPeerBig = (0..<70_000).map { UInt8($0 % 251) }
let rawPeerMessages: [WebSocketMessage] = [
  .text("hello"), .binary(ByteBuffer(bytes: Array(0...255))), .text("fragmented é"),
  .text(String(repeating: "ü", count: 130)), .text(""), .binary(ByteBuffer(bytes: [0, 1, 2])),
  .binary(ByteBuffer(bytes: rawPeerBig)),
]

/// Feeds `bytes` to a parser in the pieces `cuts` makes, as reads of a
/// socket would bring them: the messages, and the control frames' opcodes.
func parse(_ bytes: [UInt8], cutAt cuts: [Int], maxMessageSize: Int = 1 << 20) throws(WebSocketProtocolFailure)
  -> ([WebSocketMessage], [UInt8])
{
  var parser = WebSocketFrameParser(maxMessageSize: maxMessageSize)
  var pending = ByteBuffer()
  var messages: [WebSocketMessage] = []
  var controls: [UInt8] = []
  var start = 0
  for end in cuts + [bytes.count] where end > start {
    pending.writeBytes(bytes[start..<end])
    start = end
    while let control = try parser.parse(&pending, into: &messages) { controls.append(control.opcode) }
  }
  #expect(pending.readableBytes == 0)
  return (messages, controls)
}

@Suite(.timeLimit(.minutes(2))) struct WebSocketFrameParserTests {
  let bytes = rawPeerFrames + serverFrame(2, rawPeerBig)

  @Test func cutAtEveryByteOffset() throws {
    // One cut, at each offset of the small frames and of the big frame's 10-byte header.
    for cut in 0...(rawPeerFrames.count + 12) {
      let (messages, controls) = try parse(bytes, cutAt: [cut])
      #expect(messages == rawPeerMessages, "cut at \(cut)")
      #expect(controls == [9], "cut at \(cut)")
    }
  }

  @Test(arguments: 1...40) func readsOfEverySize(size: Int) throws {
    let (messages, controls) = try parse(bytes, cutAt: Array(stride(from: size, to: bytes.count, by: size)))
    #expect(messages == rawPeerMessages)
    #expect(controls == [9])
  }

  @Test func whatNoServerMaySendFailsWithItsCloseCode() {
    func failure(_ bytes: [UInt8], maxMessageSize: Int = 1 << 20) -> UInt16? {
      do {
        _ = try parse(bytes, cutAt: [], maxMessageSize: maxMessageSize)
        return nil
      } catch {
        return error.code
      }
    }
    #expect(failure(serverFrame(1, [0x68, 0xFF])) == 1007)  // not UTF-8
    #expect(failure(serverFrame(1, Array("abcdefgh".utf8) + [0xFF])) == 1007)  // after eight ASCII bytes
    #expect(failure(serverFrame(1, Array("abcdefg".utf8) + [0xFF] + Array("abcdefgh".utf8))) == 1007)  // in a word of eight
    #expect(failure(serverFrame(1, Array("abcdefgh".utf8) + [0xC3, 0xA9])) == nil)
    #expect(failure(serverFrame(1, [0xED, 0xA0, 0x80])) == 1007)  // a surrogate
    #expect(failure(serverFrame(1, [0xC3], fin: false) + serverFrame(0, [0x28])) == 1007)  // cut, and wrong
    #expect(failure(serverFrame(2, Array(repeating: 0, count: 101)), maxMessageSize: 100) == 1009)
    #expect(failure(serverFrame(2, Array(repeating: 0, count: 60), fin: false) + serverFrame(0, Array(repeating: 0, count: 41)), maxMessageSize: 100) == 1009)
    #expect(failure(serverFrame(2, Array(repeating: 0, count: 100)), maxMessageSize: 100) == nil)
    #expect(failure(serverFrame(0, [1])) == 1002)  // a continuation of nothing
    #expect(failure(serverFrame(1, [0x61], fin: false) + serverFrame(1, [0x62])) == 1002)  // a message inside a message
    #expect(failure(serverFrame(9, [], fin: false)) == 1002)  // a fragmented ping
    #expect(failure(serverFrame(9, Array(repeating: 0, count: 126))) == 1002)  // a long ping
    #expect(failure([0x83, 0]) == 1002)  // a reserved opcode
    #expect(failure([0xC1, 0]) == 1002)  // RSV1 with no extension
    #expect(failure([0x81, 0x81, 1, 2, 3, 4, 0x61]) == 1002)  // masked, from a server
    // A frame's size is checked from its header, before its payload is waited for.
    #expect(failure(Array(serverFrame(2, Array(repeating: 0, count: 1000)).prefix(4)), maxMessageSize: 100) == 1009)
  }
}

/// Against python_raw_websocket_peer.py: a server on plain asyncio streams.
@Suite(.timeLimit(.minutes(2))) struct WebSocketRawPeerTests {
  @Test func framesCutAtEveryOffsetArriveWhole() async throws {
    try await withPythonPeers(script: "python_raw_websocket_peer.py") { peer in
      for size in [1, 2, 3, 5, 7, 13, 64, 1000] {
        var received: [WebSocketMessage] = []
        for try await message in WebSocketStreams.messages(peer.webSocketBase + "/frames/\(size)", reconnect: .never) {
          received.append(message)
        }
        #expect(received == rawPeerMessages, "written \(size) bytes at a time")
        // The ping between two fragments was answered with its payload, and the
        // server's close with the same code; every frame of the client's masked.
        #expect(await eventually { peer.closes.withLock { $0.contains("closed /frames/\(size) 1000") } })
        #expect(peer.closes.withLock { $0.contains("pong /frames/\(size) ok") })
      }
      #expect(!peer.closes.withLock { $0.contains { $0.hasPrefix("unmasked") } })
    }
  }

  @Test func invalidUTF8FailsTheConnectionWith1007() async throws {
    try await withPythonPeers(script: "python_raw_websocket_peer.py") { peer in
      var received: [String] = []
      do {
        // (Not reconnected: the server broke the protocol.)
        for try await message in WebSocketStreams.messages(peer.webSocketBase + "/invalid-utf8") {
          received += texts([message])
        }
        Issue.record("no error")
      } catch let error as StreamConnectionError {
        #expect(error.kind == .invalidResponse)
        #expect(error.attempts == 1)
        #expect(error.description.contains("not valid UTF-8"), "\(error)")
        #expect(error.description.contains("1007"), "\(error)")
      }
      #expect(received == ["ok"])
      #expect(await eventually { peer.closes.withLock { $0.contains("closed /invalid-utf8 1007") } })
    }
  }

  @Test(arguments: ["/oversize/2000", "/fragments/3000"])
  func aMessageOverMaxMessageSizeFailsTheConnectionWith1009(path: String) async throws {
    try await withPythonPeers(script: "python_raw_websocket_peer.py") { peer in
      do {
        for try await _ in WebSocketStreams.messages(peer.webSocketBase + path, maxMessageSize: 1000) {}
        Issue.record("no error")
      } catch let error as StreamConnectionError {
        #expect(error.kind == .invalidResponse)
        #expect(error.description.contains("maxMessageSize (1000)"), "\(error)")
      }
      #expect(await eventually { peer.closes.withLock { $0.contains("closed \(path) 1009") } })
    }
  }

  @Test func aConsumerThatStopsPullingStopsTheReadsThenBreakClosesWith1000() async throws {
    try await withPythonPeers(script: "python_raw_websocket_peer.py") { peer in
      var numbers: [Int] = []
      for try await message in WebSocketStreams.messages(peer.webSocketBase + "/flood", bufferSize: 16) {
        numbers.append(Int(texts([message])[0].prefix { $0 != " " })!)
        if numbers.count == 10 {
          // The consumer stops pulling: the client stops reading, the socket
          // buffers fill, and the server's writes wait.
          #expect(await eventually { peer.closes.withLock { $0.contains { $0.hasPrefix("flood blocked") } } })
          let blocked = peer.closes.withLock { $0.first { $0.hasPrefix("flood blocked") }! }
          let written = Int(blocked.split(separator: " ").last!)!
          #expect(written < 64 << 20, "\(written) bytes written before the server's writes waited")
        }
        if numbers.count == 5000 { break }
      }
      #expect(numbers == Array(0..<5000))
      #expect(await eventually { peer.closes.withLock { $0.contains("closed /flood 1000") } })
    }
  }

  @Test func aFailedHandshakeIsAConnectionError() async throws {
    try await withPythonPeers(script: "python_raw_websocket_peer.py") { peer in
      for (path, words) in [("/not-websocket", "HTTP 404 Not Found"), ("/bad-accept", "Sec-WebSocket-Accept")] {
        do {
          for try await _ in WebSocketStreams.messages(peer.webSocketBase + path, reconnect: .never) {}
          Issue.record("no error")
        } catch let error as StreamConnectionError {
          #expect(error.kind == .connection)
          #expect(error.description.contains(words), "\(error)")
        }
      }
      // The client ended the TCP connection of the handshake it refused.
      #expect(await eventually { peer.closes.withLock { $0.contains("closed /bad-accept none") } })
    }
  }

  @Test func wssIsTLSAndRefusesACertificateNobodySigned() async throws {
    try await withPythonPeers(script: "python_raw_websocket_peer.py") { peer in
      do {
        for try await _ in WebSocketStreams.messages("wss://127.0.0.1:\(peer.ports[1])/frames/1000", reconnect: .never) {}
        Issue.record("no error")
      } catch let error as StreamConnectionError {
        #expect(error.kind == .connection)
        #expect(error.description.contains("CERTIFICATE_VERIFY_FAILED"), "\(error)")
      }
    }
  }
}
