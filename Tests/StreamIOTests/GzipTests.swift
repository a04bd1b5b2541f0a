import Foundation
import StreamIO
import Testing
import TestSupport

/// Compresses with the system's gzip, so the test does not trust our own zlib use.
func gzipFile(_ path: String, contents: [UInt8]) throws {
  try Data(contents).write(to: URL(fileURLWithPath: path))
  let gzip = Process()
  gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  gzip.arguments = ["gzip", "-f", path]
  try gzip.run()
  gzip.waitUntilExit()
  try #require(gzip.terminationStatus == 0)
}

@Suite struct GzipTests {
  func scratch(_ name: String) -> String {
    let directory = NSTemporaryDirectory() + "gzip-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return directory + "/" + name
  }

  @Test func linesFromAGzipFileEqualThePlainOnes() throws {
    let text = (0..<20_000).map { "line \($0) " + String(repeating: "z", count: $0 % 50) }.joined(separator: "\n")
    let path = scratch("log.txt")
    try gzipFile(path, contents: Array(text.utf8))
    for bufferSize in [1, 100, 65536] {
      let reader = try LineReader(path: path + ".gz", bufferSize: bufferSize)
      var lines: [String] = []
      while let line = try reader.next() { lines.append(try line.string()) }
      #expect(lines == text.components(separatedBy: "\n"), "buffer size \(bufferSize)")
    }
  }

  @Test func csvAndJSONLinesFromGzip() throws {
    let csvPath = scratch("sales.csv")
    try gzipFile(csvPath, contents: Array("name,qty\n\"A, B\",3\nC,4\n".utf8))
    let reader = try CSVReader(path: csvPath + ".gz")
    var quantities: [Int] = []
    while let row = try reader.next() { quantities.append(try row["qty", as: Int.self]) }
    #expect(quantities == [3, 4])

    let jsonPath = scratch("events.jsonl")
    try gzipFile(jsonPath, contents: Array("{\"n\":1}\n{\"n\":2}\n".utf8))
    struct N: Decodable { var n: Int }
    #expect(Array(try JSONLinesReader<N>(path: jsonPath + ".gz")).map(\.n) == [1, 2])
  }

  @Test func concatenatedMembersReadAsOne() throws {
    let first = scratch("a.txt"), second = scratch("b.txt")
    try gzipFile(first, contents: Array("one\ntwo\n".utf8))
    try gzipFile(second, contents: Array("three\n".utf8))
    let joined = scratch("joined.txt.gz")
    var data = try Data(contentsOf: URL(fileURLWithPath: first + ".gz"))
    data.append(try Data(contentsOf: URL(fileURLWithPath: second + ".gz")))
    try data.write(to: URL(fileURLWithPath: joined))
    #expect(Array(try LineReader(path: joined)).count == 3)
  }

  @Test func corruptAndTruncatedDataAreErrors() throws {
    let path = scratch("bad.txt")
    try gzipFile(path, contents: Array(String(repeating: "some text to compress\n", count: 500).utf8))
    var data = try Data(contentsOf: URL(fileURLWithPath: path + ".gz"))
    let truncated = scratch("truncated.txt.gz")
    try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: truncated))
    let cut = try LineReader(path: truncated)
    let error = #expect(throws: StreamIOError.self) { while try cut.next() != nil {} }
    #expect(error?.message.contains("truncated gzip") == true)

    data[data.count / 2] ^= 0xFF
    data[data.count / 2 + 1] ^= 0xFF
    let corrupt = scratch("corrupt.txt.gz")
    try data.write(to: URL(fileURLWithPath: corrupt))
    let reader = try LineReader(path: corrupt)
    let corruption = #expect(throws: StreamIOError.self) { while try reader.next() != nil {} }
    #expect(corruption?.message.contains("gzip") == true)
    #expect(!reader.source.isOpen)
  }
}

@Suite struct ByteChunksTests {
  @Test func chunksConcatenateToTheFile() throws {
    let data = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    let file = try TemporaryFile(data: data)
    for size in [1, 7, 64, 4096, 65536] {
      let chunks = try ByteChunks(path: file.path, chunkSize: size)
      var joined: [UInt8] = []
      while let chunk = try chunks.next() {
        #expect(chunk.count <= size && chunk.count > 0)
        joined += chunk
      }
      #expect(joined == data, "chunk size \(size)")
      #expect(!chunks.source.isOpen)
    }
  }

  @Test func keptChunksAreTheirOwn() throws {
    let data = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    let file = try TemporaryFile(data: data)
    for size in [1, 7, 64, 4096] {
      let chunks = Array(try ByteChunks(path: file.path, chunkSize: size))  // the reader is gone after this
      #expect(chunks.flatMap { $0 } == data, "chunk size \(size)")
      #expect(chunks.allSatisfy { $0.count > 0 && $0.count <= size })
    }
  }

  @Test func gzipChunksAreDecompressed() throws {
    let directory = NSTemporaryDirectory() + "chunks-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let text = Array(String(repeating: "chunked text ", count: 3000).utf8)
    try gzipFile(directory + "/t.txt", contents: text)
    var joined: [UInt8] = []
    for chunk in try ByteChunks(path: directory + "/t.txt.gz", chunkSize: 1000) { joined += chunk }
    #expect(joined == text)
  }
}
