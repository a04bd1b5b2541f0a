import Foundation
import StreamIO
import Synchronization
import Testing
import TestSupport

/// A sequence of byte chunks that counts what it is asked for and sees its
/// end: how far it was iterated, and whether the consumer let it go (iterator
/// released, or its task cancelled), as a socket would see a closed connection.
final class CountingChunks: AsyncSequence, Sendable {
  typealias Element = [UInt8]
  let chunks: Int
  let chunk: @Sendable (Int) -> [UInt8]
  let pulled = Mutex(0)
  let released = Mutex(false)

  init(chunks: Int, chunk: @escaping @Sendable (Int) -> [UInt8]) {
    self.chunks = chunks
    self.chunk = chunk
  }

  final class Iterator: AsyncIteratorProtocol {
    let owner: CountingChunks
    var index = 0
    init(_ owner: CountingChunks) { self.owner = owner }
    deinit { owner.released.withLock { $0 = true } }
    func next() async throws -> [UInt8]? {
      guard index < owner.chunks else { return nil }
      owner.pulled.withLock { $0 += 1 }
      defer { index += 1 }
      return owner.chunk(index)
    }
  }

  func makeAsyncIterator() -> Iterator { Iterator(self) }
}

/// `bytes` cut into chunks of `size` (the last shorter).
func chunked(_ bytes: [UInt8], size: Int) -> AsyncStream<[UInt8]> {
  AsyncStream { continuation in
    var start = 0
    while start < bytes.count {
      continuation.yield(Array(bytes[start..<min(start + size, bytes.count)]))
      start += size
    }
    continuation.finish()
  }
}

struct StreamFailure: Error, CustomStringConvertible {
  var description: String { "connection reset by peer (test)" }
}

@Suite struct AsyncByteStreamTests {
  static let text: [UInt8] = {
    var lines: [String] = []
    for i in 0..<3000 { lines.append("line \(i)," + String(repeating: "x", count: i % 97) + (i % 7 == 0 ? "\r" : "")) }
    return Array(lines.joined(separator: "\n").utf8)
  }()

  /// What LineReader gives for the same bytes from a file: the oracle.
  func fileLines(_ bytes: [UInt8]) throws -> [String] {
    let file = try TemporaryFile(data: bytes)
    var lines: [String] = []
    let reader = try LineReader(path: file.path)
    while let line = try reader.next() { lines.append(try line.string()) }
    return lines
  }

  @Test(arguments: [1, 2, 3, 7, 64, 1000, 65536, 1 << 20])
  func linesOverChunksOfEverySizeEqualTheFileReader(chunkSize: Int) async throws {
    // Byte-sized chunks over the first 20 KB (each chunk is a task's pull), larger ones over all of it.
    let text = chunkSize < 64 ? Array(Self.text[..<20_000]) : Self.text
    let expected = try fileLines(text)
    for bufferSize in [16, 4096, 65536] {
      let reader = LineReader(
        source: try ByteSource(chunks: chunked(text, size: chunkSize), name: "chunks"), bufferSize: bufferSize)
      var lines: [String] = []
      for try await line in reader { lines.append(try line.string()) }
      #expect(lines == expected, "chunk size \(chunkSize), buffer \(bufferSize)")
      #expect(!reader.source.isOpen)
    }
  }

  @Test func csvAndJSONLinesOverChunks() async throws {
    let csv = Array("name,qty\n\"A, \"\"B\"\"\n\",3\r\nC,4\n".utf8)
    for size in 1...csv.count {
      let reader = try CSVReader(source: try ByteSource(chunks: chunked(csv, size: size), name: "sales"))
      var rows: [[String]] = []
      for try await row in reader { rows.append([try row.string(0), try row.string(1)]) }
      #expect(rows == [["A, \"B\"\n", "3"], ["C", "4"]], "chunk size \(size)")
    }
    struct Event: Decodable, Equatable { var user: String; var ms: Int }
    let json = Array("{\"user\":\"ann\",\"ms\":5}\n\n{\"user\":\"bo\",\"ms\":7}\n".utf8)
    for size in [1, 5, 100] {
      let reader = JSONLinesReader<Event>(
        lines: LineReader(source: try ByteSource(chunks: chunked(json, size: size), name: "events")))
      var events: [Event] = []
      for try await event in reader { events.append(event) }
      #expect(events == [Event(user: "ann", ms: 5), Event(user: "bo", ms: 7)])
    }
  }

  @Test func gzipChunksAreRecognisedAndDecompressed() async throws {
    let directory = NSTemporaryDirectory() + "async-gzip-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try gzipFile(directory + "/log", contents: Self.text)
    let compressed = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/log.gz")))
    let expected = try fileLines(Self.text)
    for size in [1, 2, 3, 500, 1 << 20] {
      let source = try ByteSource(chunks: chunked(compressed, size: size), name: "log.gz")
      var lines: [String] = []
      for try await line in LineReader(source: source) { lines.append(try line.string()) }
      #expect(lines == expected, "chunk size \(size)")
      #expect(source.isDecompressing)
    }
    // Cut short: the truncation is an error, not a shorter file.
    let cut = Array(compressed[..<(compressed.count / 2)])
    await #expect(throws: StreamIOError.self) {
      for try await _ in LineReader(source: try ByteSource(chunks: chunked(cut, size: 100), name: "cut.gz")) {}
    }
  }

  @Test func anErrorFromTheStreamNamesItAndTheBytesReceived() async throws {
    let stream = AsyncThrowingStream<[UInt8], any Error> { continuation in
      continuation.yield(Array("one\ntwo\nthr".utf8))
      continuation.finish(throwing: StreamFailure())
    }
    let reader = LineReader(source: try ByteSource(chunks: stream, name: "http://example.test/feed"))
    var lines: [String] = []
    do {
      for try await line in reader { lines.append(try line.string()) }
      Issue.record("no error")
    } catch let error as StreamIOError {
      #expect(error.code == .io)
      #expect(error.path == "http://example.test/feed")
      #expect(error.byteOffset == 11)
      #expect(error.description.contains("connection reset by peer (test)"))
      #expect(error.description.contains("after 11 bytes"))
    }
    // The complete lines before the failure were read; the partial one is not made up.
    #expect(lines == ["one", "two"])
  }

  @Test func theStreamIsPulledOnlyAsTheReaderNeeds() async throws {
    // A million chunks of 10 lines; the consumer takes 5 lines.
    let chunks = CountingChunks(chunks: 1_000_000) { i in Array("\(i)a\n\(i)b\n\(i)c\n\(i)d\n\(i)e\n\(i)f\n\(i)g\n\(i)h\n\(i)i\n\(i)j\n".utf8) }
    do {
      let reader = LineReader(source: try ByteSource(chunks: chunks, name: "counting"))
      var taken = 0
      for try await _ in reader {
        taken += 1
        if taken == 5 { break }
      }
      // A 64 KiB buffer asks for chunks until one read fills it or the
      // chunk ends; then one chunk is read ahead. Nowhere near a million.
      #expect(chunks.pulled.withLock { $0 } <= 3)
    }
    // The reader is gone: the iterator was released (the connection closed).
    try await waitUntil { chunks.released.withLock { $0 } }
  }

  @Test func breakOutOfAnEndlessStreamReleasesIt() async throws {
    let chunks = CountingChunks(chunks: .max) { i in Array("{\"n\":\(i)}\n".utf8) }
    struct N: Decodable { var n: Int }
    var seen: [Int] = []
    for try await value in JSONLinesReader<N>(lines: LineReader(source: try ByteSource(chunks: chunks, name: "endless"))) {
      seen.append(value.n)
      if seen.count == 1000 { break }
    }
    #expect(seen == Array(0..<1000))
    try await waitUntil { chunks.released.withLock { $0 } }
    let pulled = chunks.pulled.withLock { $0 }
    #expect(pulled >= 1000 && pulled <= 1002)
  }

  @Test func aRealSubprocessOutputThroughAPipe() async throws {
    // `seq` writes 200,000 numbers; its pipe's reads arrive as they come, in
    // sizes the kernel chooses. The sum proves every line arrived once.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["seq", "1", "200000"]
    let pipe = Pipe()
    process.standardOutput = pipe
    // The pipe's reads, as they come, on a thread of their own.
    let descriptor = pipe.fileHandleForReading.fileDescriptor
    let output = AsyncStream<[UInt8]> { continuation in
      Thread {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
          let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
          if count <= 0 { break }
          continuation.yield(Array(buffer[..<count]))
        }
        continuation.finish()
      }.start()
    }
    try process.run()
    try pipe.fileHandleForWriting.close()  // only the child writes: its exit ends the stream
    var sum = 0, count = 0
    for try await line in LineReader(source: try ByteSource(chunks: output, name: "seq")) {
      sum += Int(try line.string())!
      count += 1
    }
    process.waitUntilExit()
    #expect(count == 200_000)
    #expect(sum == 200_000 * 200_001 / 2)
  }

  @Test func byteChunksOverAStreamAndSynchronousReadsOffThePool() async throws {
    let bytes = Array((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    var copied: [UInt8] = []
    for try await chunk in ByteChunks(source: try ByteSource(chunks: chunked(bytes, size: 777), name: "bin", compression: .none)) {
      copied += chunk
    }
    #expect(copied == bytes)
    // A synchronous reader on a thread of its own (as a command's main thread).
    let stream = chunked(Self.text, size: 333)
    let lines = await onThreadOfItsOwn { () -> [String] in
      let reader = LineReader(source: try! ByteSource(chunks: stream, name: "sync"))
      var lines: [String] = []
      while let line = try? reader.next() { lines.append((try? line.string()) ?? "?") }
      return lines
    }
    #expect(lines == (try fileLines(Self.text)))
  }
}

/// Waits (up to 30 s) for `condition`, which another task makes true.
func waitUntil(_ condition: () -> Bool) async throws {
  let deadline = ContinuousClock.now + .seconds(30)
  while !condition() {
    if ContinuousClock.now > deadline {
      Issue.record("condition not met in 30 s")
      return
    }
    try await Task.sleep(for: .milliseconds(5))
  }
}

/// Runs `body` on a new thread, suspending (not blocking) the caller meanwhile.
func onThreadOfItsOwn<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
  await withCheckedContinuation { continuation in
    Thread { continuation.resume(returning: body()) }.start()
  }
}
