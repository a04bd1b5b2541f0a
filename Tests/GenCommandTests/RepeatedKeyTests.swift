// A JSON Lines record that repeats a key is read as Python's json module
// reads it (the last value, at the first one's place) by every verb, on the
// byte path and the general one, on one thread and split, with one note on
// stderr (RepeatedKeys.swift).
import Foundation
@testable import GenCommand
import Generators
import StreamIO
import Testing

@Suite struct RepeatedKeyTests {
  static let text = """
    {"id":1,"qty":2,"qty":5,"name":"a"}
    {"id":2,"qty":3,"name":"b"}
    {"id":3,"name":"c","qty":7,"name":"d"}

    """

  @Test func everyVerbReadsTheLastValueAtTheFirstPlace() throws {
    let dir = try TemporaryDirectory()
    let path = try dir.file("repeated.jsonl", Self.text)
    let note = "gen: 2 records in \(path) repeated a key (the first: \"qty\", in the line at byte 0): "
    let expected: [([String], String)] = [
      (["convert", "--to", "csv"], "id,qty,name\n1,5,a\n2,3,b\n3,7,d\n"),
      (["filter", "--where", "qty > 4"], #"{"id":1,"qty":2,"qty":5,"name":"a"}"# + "\n" + #"{"id":3,"name":"c","qty":7,"name":"d"}"# + "\n"),
      (["filter", "--where", "name == 'c'"], ""),
      (["select", "name,qty"], #"{"name":"a","qty":5}"# + "\n" + #"{"name":"b","qty":3}"# + "\n" + #"{"name":"d","qty":7}"# + "\n"),
      (["derive", "q2=qty * 2"], #"{"id":1,"qty":5,"name":"a","q2":10}"# + "\n" + #"{"id":2,"qty":3,"name":"b","q2":6}"# + "\n"
        + #"{"id":3,"name":"d","qty":7,"q2":14}"# + "\n"),
      (["batch", "--size", "2"], #"[{"id":1,"qty":5,"name":"a"},{"id":2,"qty":3,"name":"b"}]"# + "\n" + #"[{"id":3,"name":"d","qty":7}]"# + "\n"),
      (["stats", "--to", "csv"], "column,count,sum,mean,min,max,non_numeric\nid,3,6,2.0,1.0,3.0,0\nqty,3,15,5.0,3.0,7.0,0\n"),
      (["stats", "--group-by", "name", "--to", "csv", "--where", "qty > 4"],
       "name,column,count,sum,mean,min,max,non_numeric\na,id,1,1,1.0,1.0,1.0,0\na,qty,1,5,5.0,5.0,5.0,0\nd,id,1,3,3.0,3.0,3.0,0\nd,qty,1,7,7.0,7.0,7.0,0\n"),
    ]
    for (arguments, output) in expected {
      for byteLevel in [true, false] {
        let threads = arguments[0] == "batch" ? [] : ["--threads", "1"]  // (batch is one-threaded)
        let run = try gen(arguments + [path] + threads, byteLevel: byteLevel)
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
        #expect(run.stdout == output, "\(arguments), byte level \(byteLevel)")
        #expect(run.stderr.hasPrefix(note), "\(arguments), byte level \(byteLevel): \(run.stderr)")
        #expect(run.stderr.components(separatedBy: "\n").count == 2, "one note: \(run.stderr)")
      }
    }
    // What a repeated key does not change is not noted: head writes the lines as read, count counts them.
    for byteLevel in [true, false] {
      let head = try gen(["head", "-n", "3", path], byteLevel: byteLevel)
      #expect(head.stdout == Self.text && head.stderr.isEmpty, "\(head.stderr)")
      let count = try gen(["count", path], byteLevel: byteLevel)
      #expect(count.stdout == "3\n" && count.stderr.isEmpty, "\(count.stderr)")
    }
  }

  /// Split at every byte (`--threads`): the one-thread output and the same
  /// note, with the first repeat's byte wherever it falls.
  @Test(arguments: [["stats", "--group-by", "name"], ["filter", "--where", "qty > 2"], ["select", "qty"], ["derive", "t=qty + id"]])
  func splitsGiveTheOneThreadNote(arguments: [String]) throws {
    let dir = try TemporaryDirectory()
    let text = String(repeating: #"{"id":1,"qty":2,"name":"x"}"# + "\n", count: 5) + Self.text
    let path = try dir.file("split.jsonl", text)
    let one = try gen(arguments + [path, "--threads", "1"])
    #expect(one.stderr.contains("in the line at byte \(5 * 28)"), "\(one.stderr)")
    for offset in stride(from: 1, to: text.utf8.count, by: 3) {
      let split = try genSplit(arguments + [path], at: [offset])
      #expect(split.stdout == one.stdout && split.stderr == one.stderr, "offset \(offset): \(split.stderr)")
    }
  }

  /// Against Python's json module, on records with short and long keys
  /// repeated in every way (next to each other, far apart, three times).
  @Test func asPythonsJSONModuleReadsThem() throws {
    var random = SplitMix64(seed: 77)
    let keys = ["a", "b", "quantity_in_stock", "quantity_in_stack", "ab", "quantity"]
    var lines: [String] = [#"{"a":0,"b":0,"quantity_in_stock":0,"quantity_in_stack":0,"ab":0,"quantity":0}"#]
    for _ in 0..<2_000 {
      var members: [String] = []
      for _ in 0..<(1 + Int(random.next() % 9)) {
        members.append("\"\(keys[Int(random.next() % UInt64(keys.count))])\":\(random.next() % 1000)")
      }
      lines.append("{" + members.joined(separator: ",") + "}")
    }
    let dir = try TemporaryDirectory()
    let path = try dir.file("many.jsonl", lines.joined(separator: "\n") + "\n")
    let python = try shell(
      """
      python3 -c 'import csv, json, sys
      rows = [json.loads(l) for l in open(sys.argv[1])]
      w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\\n")
      w.writeheader()
      for r in rows: w.writerow(r)' '\(path)'
      """)
    #expect(python.status == 0, "\(python.stderr)")
    for byteLevel in [true, false] {
      let run = try gen(["convert", path, "--to", "csv", "--threads", "1"], byteLevel: byteLevel)
      #expect(run.stdout == python.stdout, "byte level \(byteLevel)")
    }
    let sums = try shell(
      """
      python3 -c 'import json, sys
      rows = [json.loads(l) for l in open(sys.argv[1])]
      print(",".join(str(sum(r.get(k, 0) for r in rows)) for k in ["a", "quantity_in_stock", "quantity_in_stack", "quantity"]))' '\(path)'
      """)
    let stats = try gen(["stats", path, "--to", "csv", "--threads", "1"])
    let table = try CSVRows(stats.stdout)
    let ours = ["a", "quantity_in_stock", "quantity_in_stack", "quantity"].map { name in table.first { $0[0] == name }?[2] ?? "none" }
    #expect(ours.joined(separator: ",") + "\n" == sums.stdout)
  }

  @Test func lastValuesWinKeepsOneMemberPerKey() {
    let members = [Field("a", .number(1, "1")), Field("é", .null), Field("a", .number(2, "2")), Field("e\u{301}", .bool(true)), Field("a", .string("3"))]
    let (kept, first) = members.lastValuesWin()!
    #expect(first == "a")
    // (Keys compare by code point, as Python's: "é" and "e\u{301}" are two keys.)
    #expect(kept.count == 3 && kept.map { Array($0.name.utf8) } == [[0x61], Array("é".utf8), Array("e\u{301}".utf8)])
    #expect(kept[0].value.text == "3")
    #expect([Field("a", .null), Field("b", .null)].lastValuesWin() == nil)
    // Past 16 members, found with a set: the same answer.
    let many = (0..<40).map { Field("k\($0 % 30)", .number(Double($0), String($0))) }
    let (keptMany, firstMany) = many.lastValuesWin()!
    #expect(firstMany == "k0" && keptMany.count == 30 && keptMany[0].value.text == "30" && keptMany[29].value.text == "29")
  }

  /// Lines checked one after another, as a reader lends them: the verdict
  /// of a layout is reused only for the same keys, byte for byte.
  @Test func repeatedKeyCheckComparesEveryByteOfEveryKey() {
    var check = RepeatedKeyCheck()
    let cases: [(String, Bool)] = [
      (#"{"a":1,"b":2}"#, false), (#"{"a":3,"b":4}"#, false), (#"{"a":1,"a":2}"#, true), (#"{"a":1,"b":2}"#, false),
      (#"{"quantity_in_stock":1,"quantity_in_stack":2}"#, false), (#"{"quantity_in_stock":1,"quantity_in_stock":2}"#, true),
      (#"{"quantity_in_stock":1,"quantity_in_stack":2}"#, false), (#"{"ab":1,"abc":2}"#, false), (#"{"abc":1,"abc":2}"#, true),
      (#"{"ab":1,"abc":2}"#, false), (#"{"a\u0062":1,"b":2}"#, true), (#"{"ab":1,"b":2}"#, false), (#"{"":1,"":2}"#, true),
      (#"{"quantity":1,"quantitx":2}"#, false), (#"{"quantity":1,"quantity":2}"#, true),
    ]
    var spans: [JSONMemberSpan] = []
    for (line, repeats) in cases {
      // The line in a buffer with other bytes after it, as a reader's is.
      let bytes = Array(line.utf8) + Array(#"{"quantity_in_stock":9}"#.utf8) + Array(repeating: 0x7B, count: 8)
      let found = bytes.withUnsafeBytes { buffer in
        let line = UnsafeRawBufferPointer(rebasing: buffer[..<line.utf8.count])
        #expect(JSONValue.members(of: line, into: &spans))
        return spans.withUnsafeBufferPointer { check.repeats($0, in: line) }
      }
      #expect(found == repeats, "\(line)")
    }
  }
}
