// `websocket-count URL`: counts the messages of a WebSocket until the server
// closes it, and prints the count and their bytes. The Swift side of
// Benchmarks/compare-websocket.sh (built with SWIFT_GENERATORS_EXTRAS=1).
// `--client-only` counts with swift-websocket's WSClient in its own handler
// instead: the Swift client that StreamNetworking used before it had its own,
// kept as a reference row.
import Foundation
import Logging
import StreamNetworking
import Synchronization
import WSClient

let arguments = Array(CommandLine.arguments.dropFirst())
guard let url = arguments.last, arguments.count <= 2 else {
  FileHandle.standardError.write(Data("usage: websocket-count [--client-only] ws://HOST:PORT/PATH\n".utf8))
  exit(64)
}
var messages = 0
var bytes = 0
if arguments.first == "--client-only" {
  let counts = Mutex((0, 0))
  try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 20), logger: Logger(label: "count")) {
    inbound, _, _ in
    var (n, size) = (0, 0)
    for try await message in inbound.messages(maxSize: 1 << 20) {
      if case .text(let text) = message { size += text.utf8.count }
      n += 1
    }
    counts.withLock { $0 = (n, size) }
  }
  (messages, bytes) = counts.withLock { $0 }
} else {
  for try await message in WebSocketStreams.messages(url, reconnect: .never) {
    switch message {
    case .text(let text): bytes += text.utf8.count
    case .binary(let buffer): bytes += buffer.readableBytes
    }
    messages += 1
  }
}
print(messages, bytes)
