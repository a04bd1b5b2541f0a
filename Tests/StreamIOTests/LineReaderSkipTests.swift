// LineReader(onError: .skip): a line over maxLineLength is skipped, counted
// and reported with its line number, and reading goes on, whatever the
// buffer size and wherever the line falls.
import StreamIO
import TestSupport
import Testing

@Suite struct LineReaderSkipTests {
  @Test(arguments: [1, 3, 8, 16, 64, 4096])
  func overLongLinesAreSkippedAndCounted(bufferSize: Int) throws {
    let lines = ["ok", String(repeating: "x", count: 40), "fine\r", "", String(repeating: "y", count: 11), "last"]
    let file = try TemporaryFile(contents: lines.joined(separator: "\n"))  // no newline after the last
    let reader = try LineReader(path: file.path, bufferSize: bufferSize, maxLineLength: 10, onError: .skip)
    var read: [(Int, String)] = []
    while let line = try reader.next() { read.append((line.number, line.lossyString)) }
    #expect(read.map(\.0) == [1, 3, 4, 6])
    #expect(read.map(\.1) == ["ok", "fine", "", "last"])
    #expect(reader.skippedLines == 2)
    #expect(reader.skippedErrors.map(\.line) == [2, 5])
    #expect(reader.skippedErrors.allSatisfy { $0.code == .lineTooLong })

    var lent: [String] = []
    try LineReader(path: file.path, bufferSize: bufferSize, maxLineLength: 10, onError: .skip).forEachLine {
      lent.append($0.lossyString)
    }
    #expect(lent == ["ok", "fine", "", "last"])
    #expect(throws: StreamIOError.self) {
      try LineReader(path: file.path, bufferSize: bufferSize, maxLineLength: 10).forEachLine { _ in }
    }
  }

  @Test func aLastLineTooLongIsSkippedToo() throws {
    let file = try TemporaryFile(contents: "a\n" + String(repeating: "z", count: 100))
    let reader = try LineReader(path: file.path, bufferSize: 4, maxLineLength: 10, onError: .skip)
    #expect(try reader.next()?.lossyString == "a")
    #expect(try reader.next() == nil)
    #expect(reader.skippedLines == 1)
  }
}
