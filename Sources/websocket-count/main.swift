// `websocket-count URL`: counts the messages of a WebSocket until the server
// closes it, and prints the count and their bytes. The Swift side of
// Benchmarks/compare-websocket.sh (built with SWIFT_GENERATORS_EXTRAS=1).
import Foundation
import StreamNetworking

guard CommandLine.arguments.count == 2 else {
  FileHandle.standardError.write(Data("usage: websocket-count ws://HOST:PORT/PATH\n".utf8))
  exit(64)
}
var messages = 0
var bytes = 0
for try await message in WebSocketStreams.messages(CommandLine.arguments[1], reconnect: .never) {
  switch message {
  case .text(let text): bytes += text.utf8.count
  case .binary(let buffer): bytes += buffer.readableBytes
  }
  messages += 1
}
print(messages, bytes)
