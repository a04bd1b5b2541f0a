// Names and keys read from data are told apart by their code points, as
// Python's str is (ExactText): "é" and "e\u{301}", or "K" and the Kelvin
// sign, are two groups, two columns, two keys, though Swift's String `==`
// finds them equal. Merging them would add one group's values to another's.
import Foundation
@testable import GenCommand
import StreamIO
import Testing

@Suite struct ExactNameTests {
  /// Pairs and triples that are canonically equivalent, and a plain name.
  static let variants = ["\u{E9}", "e\u{301}", "K", "\u{212A}", "\u{C5}", "A\u{30A}", "\u{212B}", "\u{F1}", "n\u{303}", "a"]

  @Test func exactTextComparesCodePoints() {
    #expect("\u{E9}" == "e\u{301}")  // (what Swift's String does)
    #expect(ExactText("\u{E9}") != ExactText("e\u{301}"))
    #expect(Set(Self.variants.map(ExactText.init)).count == Self.variants.count)
    #expect(ExactText("e\u{301}") == ExactText("e" + "\u{301}"))
    #expect(Set([ExactText("e\u{301}"), ExactText(String(decoding: [0x65, 0xCC, 0x81], as: UTF8.self))]).count == 1)
    // Code point order, Python's sorted(): U+0065 U+0301 before U+00E9, U+212A last.
    let scalars = Self.variants.sorted { $0.unicodeScalars.map(\.value).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }
    #expect(Self.variants.map(ExactText.init).sorted().map(\.string) == scalars)
    #expect(["b", "a", "ab", ""].map(ExactText.init).sorted().map(\.string) == ["", "a", "ab", "b"])
  }

  @Test func equivalentNamesInOneInputStayApart() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("names.csv", "g,\u{E9},e\u{301}\n\u{E9},1,2\ne\u{301},3,4\n")
    for byteLevel in [true, false] {
      // No rename: the header's names are all different.
      let json = try gen(["convert", "--to", "jsonl", csv], byteLevel: byteLevel)
      #expect(json.stderr == "")
      #expect(json.stdout == "{\"g\":\"\u{E9}\",\"\u{E9}\":\"1\",\"e\u{301}\":\"2\"}\n{\"g\":\"e\u{301}\",\"\u{E9}\":\"3\",\"e\u{301}\":\"4\"}\n")
      let selected = try gen(["select", "e\u{301}", csv], byteLevel: byteLevel)
      #expect(selected.stdout == "e\u{301}\n2\n4\n")
      let filtered = try gen(["filter", "--where", "g == 'e\u{301}'", csv], byteLevel: byteLevel)
      #expect(filtered.stdout == "g,\u{E9},e\u{301}\ne\u{301},3,4\n")
      let derived = try gen(["derive", "\u{E9}=`e\u{301}` * 10", csv], byteLevel: byteLevel)
      #expect(derived.stdout == "g,\u{E9},e\u{301}\n\u{E9},20,2\ne\u{301},40,4\n")
      let stats = try gen(["stats", "--group-by", "g", "--to", "csv", "--threads", "1", csv], byteLevel: byteLevel)
      #expect(
        stats.stdout == "g,column,count,sum,mean,min,max,non_numeric\n"
          + "e\u{301},\u{E9},1,3,3.0,3.0,3.0,0\ne\u{301},e\u{301},1,4,4.0,4.0,4.0,0\n"
          + "\u{E9},\u{E9},1,1,1.0,1.0,1.0,0\n\u{E9},e\u{301},1,2,2.0,2.0,2.0,0\n")
    }
    let jsonl = try dir.file(
      "keys.jsonl", "{\"\u{E9}\":1,\"e\u{301}\":2,\"K\":3,\"\u{212A}\":4}\n{\"e\u{301}\":5,\"\u{212A}\":6}\n")
    for byteLevel in [true, false] {
      // Not repeated keys: no note, nothing merged.
      let csvOut = try gen(["convert", "--to", "csv", jsonl], byteLevel: byteLevel)
      #expect(csvOut.stdout == "\u{E9},e\u{301},K,\u{212A}\n1,2,3,4\n,5,,6\n")
      #expect(csvOut.stderr.isEmpty)  // (no key repeated, none outside the header)
      let selected = try gen(["select", "\u{212A},e\u{301}", jsonl], byteLevel: byteLevel)
      #expect(selected.stdout == "{\"\u{212A}\":4,\"e\u{301}\":2}\n{\"\u{212A}\":6,\"e\u{301}\":5}\n")
      let filtered = try gen(["filter", "--where", "K is null", jsonl], byteLevel: byteLevel)
      #expect(filtered.stdout == "{\"e\u{301}\":5,\"\u{212A}\":6}\n")
      let derived = try gen(["derive", "K=`\u{212A}` + 1", jsonl], byteLevel: byteLevel)
      #expect(derived.stdout == "{\"\u{E9}\":1,\"e\u{301}\":2,\"K\":5,\"\u{212A}\":4}\n{\"e\u{301}\":5,\"\u{212A}\":6,\"K\":7}\n")
      let stats = try gen(["stats", "--to", "csv", "--threads", "1", jsonl], byteLevel: byteLevel)
      #expect(
        stats.stdout == "column,count,sum,mean,min,max,non_numeric\n\u{E9},1,1,1.0,1.0,1.0,0\ne\u{301},2,7,3.5,2.0,5.0,0\n"
          + "K,1,3,3.0,3.0,3.0,0\n\u{212A},2,10,5.0,4.0,6.0,0\n")
      #expect(stats.stderr.isEmpty)
    }
  }

  /// Random rows whose groups and column names are the variants: gen's
  /// counts and sums per group and column are Python's, on one thread, two,
  /// split at many places, and through spilled runs, in Python's order.
  @Test(arguments: ["csv", "jsonl"])
  func statsAgreeWithPython(format: String) throws {
    let dir = try TemporaryDirectory()
    var generator = SystemRandomNumberGenerator()
    var text = format == "csv" ? "g," + Self.variants.joined(separator: ",") + "\n" : ""
    for _ in 0..<600 {
      let group = Self.variants.randomElement(using: &generator)!
      if format == "csv" {
        text += group + "," + Self.variants.map { _ in String(Int.random(in: -50...50, using: &generator)) }.joined(separator: ",") + "\n"
      } else {
        let names = Self.variants.filter { _ in Bool.random(using: &generator) }
        let members = names.map { "\"\($0)\":\(Int.random(in: -50...50, using: &generator))" }
        text += "{" + (["\"g\":\"\(group)\""] + members).shuffled(using: &generator).joined(separator: ",") + "}\n"
      }
    }
    let path = try dir.file("data.\(format)", text)
    let oracle = try dir.file(
      "oracle.py",
      """
      import csv, json, sys
      path, fmt = sys.argv[1], sys.argv[2]
      with open(path, encoding="utf-8", newline="") as f:
          rows = list(csv.DictReader(f)) if fmt == "csv" else [json.loads(l) for l in f]
      order, totals = {}, {}
      for row in rows:
          for name, value in row.items():
              if name == "g": continue
              order.setdefault(name, len(order))
              t = totals.setdefault((row["g"], name), [0, 0])
              t[0] += 1; t[1] += int(value)
      for (g, name) in sorted(totals, key=lambda k: (k[0], order[k[1]])):
          print(f"{g},{name},{totals[(g, name)][0]},{totals[(g, name)][1]}")
      """)
    let python = try shell("python3 '\(oracle)' '\(path)' \(format)")
    try #require(python.status == 0, "python3 must be installed to run this test: \(python.stderr)")
    let runs: [(String, [String], [Int]?)] = [
      ("one thread", ["--threads", "1"], nil), ("two threads", ["--threads", "2"], nil),
      ("split", ["--threads", "3"], [text.utf8.count / 5, text.utf8.count / 3, text.utf8.count * 2 / 3]),
      ("spilled", ["--threads", "1", "--memory-limit", "1"], nil),
    ]
    for (name, options, splits) in runs {
      for byteLevel in [true, false] {
        let run = try gen(["stats", "--group-by", "g", "--to", "csv", path] + options, byteLevel: byteLevel, splitOffsets: splits)
        #expect(run.status == 0, "\(name): \(run.stderr)")
        let got = run.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(4).joined(separator: ",") }
        #expect(got.joined(separator: "\n") + "\n" == python.stdout, "\(name), byte level \(byteLevel)")
      }
    }
  }
}
