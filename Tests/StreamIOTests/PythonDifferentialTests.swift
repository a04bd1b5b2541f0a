// CSVReader against Python's csv module on thousands of random files with
// quotes, delimiters, CR, LF, CRLF, BOMs, empty fields and non-ASCII text.
import Foundation
import StreamIO
import Testing

@Suite struct PythonDifferentialTests {
  struct Expected: Decodable {
    var delimiter: String
    var quotechar: String
    var rows: [[String]]
  }

  @Test func matchesPythonsCSVModule() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("csv-differential-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("python_csv_oracle.py")
    let count = 3000
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    python.arguments = ["python3", script.path, directory.path, "\(count)", "20261127"]
    try python.run()
    python.waitUntilExit()
    try #require(python.terminationStatus == 0, "python3 must be installed to run this test")

    var compared = 0
    var mismatches: [String] = []
    for n in 0..<count {
      let path = directory.appendingPathComponent(String(format: "%05d.csv", n)).path
      let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: path + ".json")))
      let dialect = CSVDialect(
        delimiter: Character(expected.delimiter), quote: Character(expected.quotechar), hasHeader: false)
      // Small buffers too, so records cross reads.
      let reader = try CSVReader(path: path, dialect: dialect, bufferSize: [7, 64, 65536][n % 3])
      var rows: [[String]] = []
      while let record = try reader.next() { rows.append(try record.strings()) }
      if rows != expected.rows, mismatches.count < 5 {
        mismatches.append("\(path): got \(rows) expected \(expected.rows)")
      }
      compared += 1
    }
    #expect(compared == count)
    #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
  }
}
