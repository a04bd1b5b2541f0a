// ByteSource recognises gzip by its first two bytes (1f 8b), on files of any
// name and on pipes that deliver a byte at a time, and peek() reads ahead
// without losing or repeating a byte.
import Foundation
import StreamIO
import SystemPackage
import Testing
import TestSupport

/// `bytes` compressed by the system's gzip.
func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
  let file = try TemporaryFile(data: bytes, name: "plain")
  try gzipFile(file.path, contents: bytes)
  return Array(try Data(contentsOf: URL(fileURLWithPath: file.path + ".gz")))
}

/// The read end of a pipe whose writer, on another thread, writes `bytes`
/// one `write(2)` each (pausing after each of the first few, so the reader
/// sees them one at a time), then closes.
func pipeWritingOneByteAtATime(_ bytes: [UInt8]) throws -> FileDescriptor {
  let pipe = try FileDescriptor.pipe()
  let writer = Thread {
    for (index, byte) in bytes.enumerated() {
      _ = try? pipe.writeEnd.writeAll([byte])
      if index < 4 { usleep(5_000) }
    }
    try? pipe.writeEnd.close()
  }
  writer.start()
  return pipe.readEnd
}

/// Everything `source` gives, read `chunk` bytes at a time.
func readAll(_ source: ByteSource, chunk: Int = 7) throws -> [UInt8] {
  var all: [UInt8] = []
  let chunks = ByteChunks(source: source, chunkSize: chunk)
  while let bytes = try chunks.next() { all += bytes }
  return all
}

@Suite struct ByteSourceTests {
  static let text = (1...2_000).map { "row \($0),\($0 % 7),\(String(repeating: "x", count: $0 % 13))" }
    .joined(separator: "\n") + "\n"

  @Test func gzipWithoutGzInItsNameReadsAsThePlainText() throws {
    let file = try TemporaryFile(data: try gzipped(Array(Self.text.utf8)), name: "data.txt")
    let lines = try Array(LineReader(path: file.path)).map { try $0.string() }
    #expect(lines == Self.text.split(separator: "\n").map(String.init))

    let plain = try TemporaryFile(contents: Self.text, name: "data.txt")
    let csv = try CSVReader(path: file.path, dialect: CSVDialect(hasHeader: false))
    let expected = try CSVReader(path: plain.path, dialect: CSVDialect(hasHeader: false))
    var rows = 0
    while let row = try csv.next() {
      let want = try #require(try expected.next())
      #expect(try row.strings() == want.strings())
      rows += 1
    }
    #expect(try expected.next() == nil)
    #expect(rows == 2_000)
    #expect(csv.source.isDecompressing)
  }

  @Test func gzipThroughAPipeOneByteAtATimeReadsAsText() throws {
    let compressed = try gzipped(Array(Self.text.utf8))
    let source = try ByteSource(descriptor: pipeWritingOneByteAtATime(compressed), name: "<pipe>", closeWhenDone: true)
    let reader = LineReader(source: source, bufferSize: 64)
    var lines: [String] = []
    while let line = try reader.next() { lines.append(try line.string()) }
    #expect(lines == Self.text.split(separator: "\n").map(String.init))
    #expect(source.isDecompressing)
  }

  @Test func gzipThroughAPipeAsync() async throws {
    let compressed = try gzipped(Array("name,qty\nA,3\nB,4\n".utf8))
    let csv = try CSVReader(
      source: ByteSource(descriptor: pipeWritingOneByteAtATime(compressed), name: "<pipe>", closeWhenDone: true),
      bufferSize: 4)
    var quantities: [Int] = []
    for try await row in csv { quantities.append(try row["qty", as: Int.self]) }
    #expect(quantities == [3, 4])
  }

  /// Short inputs and ones that only start like gzip are read as they are,
  /// from files and from pipes.
  @Test(arguments: [[], [0x41], [0x1F], [0x8B, 0x1F], [0x1F, 0x41, 0x0A, 0x42], [0x1F, 0x8C, 0x00]] as [[UInt8]])
  func plainInputsReadAsTheyAre(bytes: [UInt8]) throws {
    let file = try TemporaryFile(data: bytes)
    #expect(try readAll(ByteSource(path: file.path)) == bytes)
    #expect(try readAll(ByteSource(path: file.path), chunk: 1) == bytes)
    let pipe = try ByteSource(descriptor: pipeWritingOneByteAtATime(bytes), name: "<pipe>", closeWhenDone: true)
    #expect(try readAll(pipe) == bytes)
    #expect(!pipe.isDecompressing)
  }

  @Test func explicitCompressionKeepsItsMeaning() throws {
    let compressed = try gzipped(Array("hello\n".utf8))
    let file = try TemporaryFile(data: compressed, name: "hello.gz")
    // .none: the bytes as stored, even though they are gzip.
    #expect(try readAll(ByteSource(path: file.path, compression: .none)) == compressed)
    #expect(try readAll(ByteSource(path: file.path, compression: .gzip)) == Array("hello\n".utf8))
    // .gzip on plain text is an error, not the text.
    let plain = try TemporaryFile(contents: "hello\n")
    #expect(throws: StreamIOError.self) { try readAll(ByteSource(path: plain.path, compression: .gzip)) }
  }

  @Test(arguments: [false, true])
  func peekThenReadReturnsEveryByteOnce(compressed: Bool) throws {
    let text = Array(Self.text.utf8)
    let stored = compressed ? try gzipped(text) : text
    let file = try TemporaryFile(data: stored)
    for usePipe in [false, true] {
      let source =
        usePipe
        ? try ByteSource(descriptor: pipeWritingOneByteAtATime(stored), name: "<pipe>", closeWhenDone: true)
        : try ByteSource(path: file.path)
      #expect(try source.peek(0) == [])
      #expect(try source.peek(1) == Array(text[..<1]))
      #expect(try source.peek(5) == Array(text[..<5]))
      #expect(try source.peek(3) == Array(text[..<3]))
      // Reads take the peeked bytes first, then go on; a peek in the middle
      // returns the next bytes and they are read once.
      var got: [UInt8] = []
      let chunks = ByteChunks(source: source, chunkSize: 3)
      if let first = try chunks.next() { got += first }
      #expect(try source.peek(10) == Array(text[3..<13]))
      while let chunk = try chunks.next() { got += chunk }
      #expect(got == text, "pipe: \(usePipe)")
      #expect(try source.peek(4) == [])
    }
  }

  @Test func peekPastTheEndReturnsWhatThereIs() throws {
    let file = try TemporaryFile(contents: "abc")
    let source = try ByteSource(path: file.path)
    #expect(try source.peek(10) == Array("abc".utf8))
    #expect(!source.isOpen)  // the end was reached; the bytes are still to be read
    #expect(try readAll(source) == Array("abc".utf8))
  }

  @Test func closeDropsPeekedBytes() throws {
    for stored in [Array("abcdef\n".utf8), try gzipped(Array("abcdef\n".utf8))] {
      let file = try TemporaryFile(data: stored)
      let reader = try LineReader(path: file.path)
      #expect(try reader.source.peek(3) == Array("abc".utf8))
      reader.close()
      #expect(try reader.next() == nil)
    }
  }
}
