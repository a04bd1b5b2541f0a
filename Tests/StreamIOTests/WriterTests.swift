import Foundation
import StreamIO
import Testing
import TestSupport

@Suite struct WriterTests {
  func scratchPath(_ name: String) -> String {
    let directory = NSTemporaryDirectory() + "writer-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return directory + "/" + name
  }

  func entries(beside path: String) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)) ?? []
  }

  @Test func csvRoundTripsRandomRecords() throws {
    var generator = SystemRandomNumberGenerator()
    let pieces = ["a", "Z9", ",", "\"", "\"\"", "\n", "\r\n", "\r", " ", "é", "日本", "", ";", "\t"]
    for dialect in [CSVDialect(hasHeader: false), CSVDialect(delimiter: ";", quote: "'", hasHeader: false)] {
      for terminator in ["\r\n", "\n"] {
        var records: [[String]] = [[""], [], ["", ""], ["only"]]
        for _ in 0..<300 {
          records.append((0..<Int.random(in: 1...5, using: &generator)).map { _ in
            (0..<Int.random(in: 0...4, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
          })
        }
        let path = scratchPath("out.csv")
        let writer = try CSVWriter(path: path, dialect: dialect, lineTerminator: terminator)
        for record in records { try writer.write(record) }
        try writer.close()
        let reader = try CSVReader(path: path, dialect: dialect)
        var back: [[String]] = []
        while let row = try reader.next() { back.append(try row.strings()) }
        #expect(back == records)
      }
    }
  }

  /// Copying records as read (from the reader's buffer) writes the same bytes
  /// as writing their fields as strings.
  @Test func recordsCopiedAsReadMatchRecordsWrittenAsStrings() throws {
    var generator = SystemRandomNumberGenerator()
    let pieces = ["a", "Z9", ",", "\"", "\n", "\r\n", " ", "é", "", "\t"]
    var records: [[String]] = [[""], ["", ""], ["only"]]
    for _ in 0..<500 {
      records.append((0..<Int.random(in: 1...5, using: &generator)).map { _ in
        (0..<Int.random(in: 0...4, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
      })
    }
    let dialect = CSVDialect(hasHeader: false)
    let original = scratchPath("original.csv"), copy = scratchPath("copy.csv")
    let writer = try CSVWriter(path: original, dialect: dialect, lineTerminator: "\n")
    for record in records { try writer.write(record) }
    try writer.close()
    let reader = try CSVReader(path: original, dialect: dialect)
    let copier = try CSVWriter(path: copy, dialect: dialect, lineTerminator: "\n")
    while let row = try reader.next() { try copier.write(row) }
    try copier.close()
    let originalBytes = try Data(contentsOf: URL(fileURLWithPath: original))
    #expect(!originalBytes.isEmpty)
    #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == originalBytes)
  }

  /// Rows read from text written by hand (quotes where none are needed, a
  /// lone quoted field holding a delimiter or a line break, a CR inside an
  /// unquoted field, doubled quotes), copied as read by writers of the same
  /// and of other dialects, give what writing their strings gives.
  @Test func rowsCopiedAsReadFromAnyTextMatchTheirStrings() throws {
    var generator = SystemRandomNumberGenerator()
    let pieces = [
      "a", "bc", "\"q\"", "\"a,b\"", "\"x\ny\"", "\"d\"\"e\"", "\"\"", "", "c\rd", ";", "'", "\"'\"", "é", "12345678",
    ]
    var text = "\"a,b\"\n\"x\ny\"\nplain\n\"only\"\n"
    for _ in 0..<600 {
      let fields = (0..<Int.random(in: 1...6, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }
      text += fields.joined(separator: ",") + (Bool.random(using: &generator) ? "\r\n" : "\n")
    }
    let input = scratchPath("input.csv")
    try text.write(toFile: input, atomically: false, encoding: .utf8)
    for dialect in [CSVDialect(hasHeader: false), CSVDialect(delimiter: ";", quote: "'", hasHeader: false)] {
      let copied = scratchPath("copied.csv"), written = scratchPath("written.csv")
      let reader = try CSVReader(path: input, dialect: CSVDialect(hasHeader: false))
      let copier = try CSVWriter(path: copied, dialect: dialect, lineTerminator: "\n")
      let writer = try CSVWriter(path: written, dialect: dialect, lineTerminator: "\n")
      var rows = 0
      while let row = try reader.next() {
        try copier.write(row)
        try writer.write(try row.strings())
        rows += 1
      }
      try copier.close()
      try writer.close()
      #expect(rows > 600)
      let expected = try String(contentsOfFile: written, encoding: .utf8)
      #expect(expected.contains("\"a,b\"") || dialect.delimiter != UInt8(ascii: ","))
      #expect(try String(contentsOfFile: copied, encoding: .utf8) == expected)
    }
  }

  @Test func quotesExactlyWhenNeeded() throws {
    let path = scratchPath("q.csv")
    let writer = try CSVWriter(path: path, lineTerminator: "\n")
    try writer.write(["plain", "with,comma", "say \"hi\"", "two\nlines", ""])
    try writer.write([""])
    try writer.close()
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text == "plain,\"with,comma\",\"say \"\"hi\"\"\",\"two\nlines\",\n\"\"\n")
  }

  @Test func nothingAppearsUntilFinishAndAFailedRunLeavesNothing() throws {
    let path = scratchPath("atomic.csv")
    try "previous contents\n".write(toFile: path, atomically: false, encoding: .utf8)
    do {
      let writer = try CSVWriter(path: path)
      try writer.write(["new", "row"])
      try writer.sink.flush()
      #expect(try String(contentsOfFile: path, encoding: .utf8) == "previous contents\n")
      #expect(entries(beside: path).count == 2, "the temporary file sits beside the destination")
      // Released without finish(): as if the run failed.
    }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "previous contents\n")
    #expect(entries(beside: path) == ["atomic.csv"], "the temporary file is gone")
    let writer = try CSVWriter(path: path)
    try writer.write(["new", "row"])
    try writer.close()
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "new,row\r\n")
    #expect(entries(beside: path) == ["atomic.csv"])
  }

  struct Event: Codable, Equatable {
    var user: String
    var ms: Int
    var tags: [String]
  }

  @Test func jsonLinesRoundTrip() throws {
    let path = scratchPath("events.jsonl")
    let events = (0..<500).map { Event(user: "u\($0)\n\"", ms: $0 * 7, tags: ["a", "é"]) }
    let writer = try JSONLinesWriter<Event>(path: path)
    for event in events { try writer.write(event) }
    try writer.close()
    let reader = try JSONLinesReader<Event>(path: path)
    var back: [Event] = []
    while let event = try reader.next() { back.append(event) }
    #expect(back == events)
  }

  @Test func badJSONNamesItsLine() throws {
    let file = try TemporaryFile(contents: "{\"user\":\"a\",\"ms\":1,\"tags\":[]}\n\n{\"user\":\"b\",\"ms\":\"x\",\"tags\":[]}\n")
    let reader = try JSONLinesReader<Event>(path: file.path)
    #expect(try reader.next()?.user == "a")
    let error = #expect(throws: StreamIOError.self) { try reader.next() }
    #expect(error?.code == .invalidJSON)
    #expect(error?.line == 3)
    #expect(error?.message.contains("expected Int at .ms") == true)
  }
}
