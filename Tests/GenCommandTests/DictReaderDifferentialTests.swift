// `gen convert --to jsonl` against Python's csv.DictReader on random files
// that csv.writer produces with every line terminator and quoting mode:
// records with no fields (a lone CR or LF left unquoted) are skipped by both.
import Foundation
import Testing

@Suite struct DictReaderDifferentialTests {
  @Test func convertReadsWhatDictReaderReads() throws {
    let dir = try TemporaryDirectory()
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("python_dictreader_oracle.py")
    let count = 300
    let python = try shell("python3 '\(script.path)' '\(dir.path)' \(count) 20261202")
    try #require(python.status == 0, "python3 must be installed to run this test: \(python.stderr)")
    var mismatches: [String] = []
    for n in 0..<count {
      let path = dir.path + String(format: "/%04d.csv", n)
      let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path + ".json")))
        as! [[String: String]]
      for byteLevel in [true, false] {
        let run = try gen(["convert", path, "--to", "jsonl"], byteLevel: byteLevel)
        let got = try run.stdout.split(separator: "\n").map {
          try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: String]
        }
        if got != expected || run.status != 0, mismatches.count < 5 {
          mismatches.append("\(path): got \(got) (\(run.stderr)), DictReader \(expected)")
        }
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
  }
}
