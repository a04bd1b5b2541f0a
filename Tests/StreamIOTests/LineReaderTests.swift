import Foundation
import StreamIO
import SystemPackage
import Testing
import TestSupport

/// The simple oracle: split on "\n", drop one "\r" before it, no empty last line.
func oracleLines(_ text: [UInt8]) -> [[UInt8]] {
  var lines = text.split(separator: 0x0A, omittingEmptySubsequences: false).map { line -> [UInt8] in
    var line = Array(line)
    if line.last == 0x0D { line.removeLast() }
    return line
  }
  if text.isEmpty || text.last == 0x0A { lines.removeLast() }
  return lines
}

func readAll(_ reader: LineReader) throws -> [[UInt8]] {
  var lines: [[UInt8]] = []
  while let line = try reader.next() {
    #expect(line.number == lines.count + 1)
    lines.append(Array(line.bytes))
  }
  return lines
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct LineReaderTests {
  static let samples: [String] = [
    "",
    "\n",
    "\r\n",
    "one",
    "one\n",
    "one\ntwo",
    "one\r\ntwo\r\n",
    "mixed\nendings\r\nhere\n",
    "\n\n\nblank lines\n\n",
    "a lone \r inside stays\n",
    "trailing cr at the end\r",
    "crlf split at every point\r\n" + String(repeating: "x", count: 97) + "\r\n" + String(repeating: "y", count: 130),
    (0..<40).map { "line \($0) " + String(repeating: "é", count: $0 % 7) }.joined(separator: "\r\n"),
  ]

  @Test(arguments: samples)
  func matchesTheOracle(_ text: String) throws {
    let file = try TemporaryFile(contents: text)
    #expect(try readAll(LineReader(path: file.path)) == oracleLines(bytes(text)))
  }

  @Test func everyBufferSizeFromOneUp() throws {
    // Lines cross buffer boundaries at every offset, CRLF split across two reads.
    let text = Self.samples.joined(separator: "\n")
    let expected = oracleLines(bytes(text))
    let file = try TemporaryFile(contents: text)
    for size in 1...300 {
      let reader = try LineReader(path: file.path, bufferSize: size)
      let got = try readAll(reader)
      #expect(got == expected, "buffer size \(size)")
      if got != expected { break }
    }
  }

  @Test func byteOffsetsPointAtLineStarts() throws {
    let text = "ab\r\ncde\n\nf"
    let file = try TemporaryFile(contents: text)
    let reader = try LineReader(path: file.path, bufferSize: 3)
    var offsets: [Int] = []
    while let line = try reader.next() { offsets.append(line.byteOffset) }
    #expect(offsets == [0, 4, 8, 9])
  }

  @Test func stringsOnlyWhenAsked() throws {
    let file = try TemporaryFile(contents: "héllo\r\nwörld\n")
    let reader = try LineReader(path: file.path)
    #expect(try reader.next()?.string() == "héllo")
    #expect(try reader.next()?.lossyString == "wörld")
    #expect(try reader.next() == nil)
  }

  @Test func invalidUTF8NamesLineColumnAndByte() throws {
    var data = bytes("fine\nbad: ")
    data += [0xC3, 0x28]  // a lead byte followed by a non-continuation byte
    data += bytes(" rest\n")
    let file = try TemporaryFile(data: data)
    let reader = try LineReader(path: file.path)
    _ = try reader.next()
    let line = try #require(try reader.next())
    let error = #expect(throws: StreamIOError.self) { try line.string() }
    #expect(error?.code == .invalidUTF8)
    #expect(error?.line == 2)
    #expect(error?.column == 6)
    #expect(error?.byteOffset == 10)
    #expect(error?.description.hasPrefix(file.path + ":2:6: invalid UTF-8") == true)
    #expect(line.lossyString == "bad: \u{FFFD}( rest")
  }

  @Test(arguments: [4, 64, 65536])
  func overLongLineIsAnErrorNamingItsLine(bufferSize: Int) throws {
    let text = "short\nalso short\n" + String(repeating: "z", count: 100) + "\nafter\n"
    let file = try TemporaryFile(contents: text)
    let reader = try LineReader(path: file.path, bufferSize: bufferSize, maxLineLength: 50)
    #expect(try reader.next()?.lossyString == "short")
    #expect(try reader.next()?.lossyString == "also short")
    let error = #expect(throws: StreamIOError.self) { try reader.next() }
    #expect(error?.code == .lineTooLong)
    #expect(error?.line == 3)
    #expect(error?.message.contains("maximum of 50 bytes") == true)
    #expect(!reader.source.isOpen, "the reader stops and closes its file")
    #expect(try reader.next() == nil)
  }

  @Test func lineOfExactlyTheMaximumIsFine() throws {
    let text = String(repeating: "q", count: 50) + "\r\n" + String(repeating: "r", count: 50)
    let file = try TemporaryFile(contents: text)
    let reader = try LineReader(path: file.path, bufferSize: 8, maxLineLength: 50)
    #expect(try readAll(reader).map(\.count) == [50, 50])
  }

  @Test func memoryStaysBoundedByTheLongestLine() throws {
    // 2,000 lines of 1 KiB: the buffer never grows past its 4 KiB start.
    let text = (0..<2000).map { _ in String(repeating: "m", count: 1023) }.joined(separator: "\n")
    let file = try TemporaryFile(contents: text)
    let reader = try LineReader(path: file.path, bufferSize: 4096, maxLineLength: 2000)
    var count = 0
    while try reader.next() != nil { count += 1 }
    #expect(count == 2000)
    #expect(reader.bufferCapacity == 4096)
  }

  @Test func missingFileIsAClearError() {
    let error = #expect(throws: StreamIOError.self) { try LineReader(path: "/nonexistent/dir/file.log") }
    #expect(error?.code == .io)
    #expect(error?.errno == .noSuchFileOrDirectory)
    #expect(error?.description.hasPrefix("/nonexistent/dir/file.log: cannot open for reading") == true)
  }

  @Test func forInAndAsyncIteration() async throws {
    let file = try TemporaryFile(contents: "a\nb\r\nc")
    var sync: [String] = []
    for line in try LineReader(path: file.path) { sync.append(line.lossyString) }
    var async: [String] = []
    for try await line in try LineReader(path: file.path) { async.append(try line.string()) }
    #expect(sync == ["a", "b", "c"])
    #expect(async == sync)
  }
}

@Suite struct LineReaderBoundaryTests {
  /// Found by the fuzzer: the same input and limit must give the same lines
  /// and the same error whatever the buffer size.
  @Test(arguments: [[UInt8]([0x0A, 0x00, 0xBD, 0x0A])])
  func bufferSizeNeverChangesTheOutcome(_ input: [UInt8]) throws {
    let file = try TemporaryFile(data: input)
    func outcome(_ bufferSize: Int) -> [String] {
      var result: [String] = []
      do {
        let reader = try LineReader(path: file.path, bufferSize: bufferSize, maxLineLength: 1)
        while let line = try reader.next() { result.append("\(line.number):\(Array(line.bytes))") }
      } catch {
        result.append("\(error.code) line \(error.line ?? -1) byte \(error.byteOffset ?? -1)")
      }
      return result
    }
    let reference = outcome(65536)
    for size in 1...8 { #expect(outcome(size) == reference, "buffer size \(size)") }
  }
}
