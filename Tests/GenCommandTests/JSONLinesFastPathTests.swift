// stats, select and convert over JSON Lines from the records' bytes
// (StatsJSONLines.swift, JSONLinesFastPaths.swift) give what the general path
// gives from parsed records, whatever the values.
import Foundation
@testable import GenCommand
import Generators
import Testing

@Suite struct JSONLinesFastPathTests {
  /// Values of every JSON kind, numbers and number-like text of every shape,
  /// escapes and non-ASCII text, keys that come, go, repeat and change order.
  static let values = [
    "1", "-0", "0.5", "-12.75", "1e3", "2.5E-3", "1e400", "-1e400", "NaN", "Infinity", "-Infinity", "123456789012345678901",
    "\"4\"", "\" 12 \"", "\"1_000\"", "\"0x10\"", "\"inf\"", "\"-nan\"", "\"1e5\"", "\"-0.0\"", "\"\"", "\"abc\"",
    "\"Zoë\"", "\"a\\\"b\"", "\"\\u0031\\u0032\"", "null", "true", "false", "[1, 2]", "{\"x\": 1}", "\"9.99\"", "\"  \"",
  ]
  static let groups = ["\"US\"", "\"DE\"", "\"a long group name\"", "null", "7", "\"Zoë\"", "\"D\\u0045\"", "true", "[1]", "\"\""]

  static func lines(seed: UInt64, count: Int) -> String {
    var random = SplitMix64(seed: seed)
    func pick<T>(_ array: [T]) -> T { array[Int(random.next() % UInt64(array.count))] }
    var text = "\u{FEFF}{\"country\": \"US\", \"qty\": 1, \"price\": \"2.50\"}\n"
    for index in 0..<count {
      var members: [String] = []
      if random.next() % 10 != 0 { members.append("\"country\": \(pick(groups))") }
      members.append("\"qty\": \(pick(values))")
      if random.next() % 4 != 0 { members.append("\"price\":\(pick(values))") }
      if index > count / 2 && random.next() % 3 == 0 { members.append("\"late\": \(pick(values))") }
      if random.next() % 20 == 0 { members.append("\"qty\": \(pick(values))") }  // a repeated key
      if random.next() % 30 == 0 { members.append("\"k\\u00e9y\": \(pick(values))") }  // an escaped key
      // Keys of eight bytes and more that differ only in their last byte, or in a byte past the eighth.
      if random.next() % 8 == 0 {
        members.append("\"\(pick(["quantity", "quantitz", "quantity_in_stock", "quantity_in_stack"]))\": \(pick(values))")
      }
      if random.next() % 5 == 0 { members.shuffle(using: &random) }
      text += "{" + members.joined(separator: random.next() % 2 == 0 ? ", " : ",") + "}\n"
      if random.next() % 50 == 0 { text += index % 2 == 0 ? "\n" : "   \n" }
    }
    return text
  }

  @Test(arguments: [
    ["--group-by", "country"], [], ["--group-by", "qty"], ["--group-by", "country", "--to", "jsonl", "--distinct", "--percentiles", "50,90"],
    ["--group-by", "price", "--to", "csv"], ["--group-by", "country", "--partial"],
    ["--where", "qty > 1 or country == 'DE'", "--group-by", "country"], ["--derive", "t=qty * price", "--group-by", "country"],
    ["--derive", "qty=qty * 2", "--derive", "c=upper(str(country))", "--group-by", "c", "--where", "price is not null"],
    ["--derive", "country=lower(str(country))", "--group-by", "country", "--distinct"], ["--where", "price != 'abc'", "--group-by", "qty"],
  ])
  func bytesGiveTheParsedRecordsTable(options: [String]) throws {
    let dir = try TemporaryDirectory()
    for seed in 1...4 as ClosedRange<UInt64> {
      let path = try dir.file("values\(seed).jsonl", Self.lines(seed: seed, count: 3_000))
      let general = try gen(["stats", path, "--threads", "1"] + options, byteLevel: false)
      let bytes = try gen(["stats", path, "--threads", "1"] + options)
      #expect(general.status == 0, "\(general.stderr)")
      #expect(bytes.stdout == general.stdout, "seed \(seed)")
      #expect(bytes.stderr == general.stderr)
    }
  }

  /// Bad lines: the same error (file and line), or with --skip-bad the same count of skipped records.
  @Test func badLinesAsTheGeneralPath() throws {
    let dir = try TemporaryDirectory()
    let text = "{\"g\": \"a\", \"n\": 1}\n{\"g\": \"b\", \"n\": 2}\n{\"g\": \"a\", \"n\": 01}\n[1]\n{\"g\": \"a\", \"n\": 3}\n{\"g\": \"a\", \"n\": \"\\ud800\"}\n"
    let path = try dir.file("bad.jsonl", text)
    for options in [["--group-by", "g"], ["--group-by", "g", "--skip-bad"]] {
      let general = try gen(["stats", path] + options, byteLevel: false)
      let bytes = try gen(["stats", path] + options)
      #expect(bytes.stdout == general.stdout)
      #expect(bytes.stderr == general.stderr)
      #expect(bytes.status == general.status)
    }
    #expect(try gen(["stats", path, "--group-by", "g"]).stderr.contains("bad.jsonl:3"))
  }

  /// --threads: a split at any byte of a JSON Lines file gives the one-thread output.
  @Test(arguments: [
    ["stats", "--group-by", "country"], ["stats", "--group-by", "country", "--to", "jsonl", "--distinct", "--percentiles", "50"],
    ["filter", "--where", "qty > 0.5 or country == 'US'"], ["select", "price,country"], ["convert", "--to", "csv"],
    ["stats", "--derive", "t=qty * price", "--where", "qty != 1", "--group-by", "country"],
    ["derive", "t=qty * price", "c=upper(country)"],
  ])
  func everySplitOffsetGivesTheOneThreadOutput(arguments: [String]) throws {
    let dir = try TemporaryDirectory()
    let text = Self.lines(seed: 9, count: 40)
    let path = try dir.file("split.jsonl", text)
    let one = try gen(arguments + [path, "--threads", "1"])
    #expect(one.status == 0, "\(one.stderr)")
    let bytes = Array(text.utf8)
    var differing: [Int] = [], wronglySequential: [Int] = []
    for offset in 1..<bytes.count {
      var ranges = 0
      let split = try genSplit(arguments + [path], at: [offset]) { ranges = $0 }
      if split.stdout != one.stdout || split.stderr != one.stderr || split.status != one.status { differing.append(offset) }
      if bytes[offset - 1] == 0x0A && ranges != 2 { wronglySequential.append(offset) }
    }
    #expect(differing.isEmpty, "offsets \(differing.prefix(10)) gave another output")
    #expect(wronglySequential.isEmpty, "\(wronglySequential.prefix(10))")
  }

  /// A bad line in a later range: the one-thread error, with the file's line.
  @Test func badLineInALaterRange() throws {
    let dir = try TemporaryDirectory()
    var text = ""
    for index in 0..<40 { text += "{\"g\": \"\(index % 3)\", \"n\": \(index)}\n" }
    text += "{\"g\": 1, \"n\": tru}\n{\"g\": 1}\n"
    let path = try dir.file("bad.jsonl", text)
    let one = try gen(["stats", path, "--group-by", "g", "--threads", "1"])
    #expect(one.status == 65)
    #expect(one.stderr.contains("bad.jsonl:41"), "\(one.stderr)")
    for offset in [text.utf8.count / 4, text.utf8.count / 2, text.utf8.count - 12] {
      let split = try genSplit(["stats", path, "--group-by", "g"], at: [offset])
      #expect(split.status == one.status)
      #expect(split.stderr == one.stderr)
      #expect(split.stdout == one.stdout)
    }
  }

  @Test(arguments: [
    ["select", "qty,country"], ["select", "price,missing,qty"], ["convert", "--to", "csv"], ["select", "late"],
    ["filter", "--where", "qty > 1"], ["filter", "--where", "price * 2 >= 5 or country == 'US'"],
    ["filter", "--where", "lower(country) ~ 'z|^d' and qty is not null"], ["filter", "--where", "len(country) > 2"],
    ["filter", "--where", "qty in (1, '4', 0.5) or price is null"], ["filter", "--where", "late != 'abc'"],
    ["filter", "--where", "qty // 1 == 1 or startswith(str(price), '-')"], ["filter", "--where", "country=US"],
    ["batch", "--size", "7"], ["batch", "--size", "1"], ["head", "-n", "2000"], ["head", "-n", "1"],
    ["derive", "t=qty * price", "u=concat(country, late)", "qty=qty + 1"], ["derive", "late=price / qty", "z=late > 1"],
    // Every kind of derived value (written in place, or not: text, NaN, infinity).
    ["derive", "b=qty > 1", "n=null", "i=len(str(country))", "f=price * 1.5", "s=str(qty)", "g=2 * qty", "h=qty - 0.25"],
  ])
  func selectAndConvertFromBytesAsFromRecords(arguments: [String]) throws {
    let dir = try TemporaryDirectory()
    for seed in 1...4 as ClosedRange<UInt64> {
      let path = try dir.file("values\(seed).jsonl", Self.lines(seed: seed, count: 3_000))
      let general = try gen(arguments + [path, "--threads", "1"], byteLevel: false)
      let bytes = try gen(arguments + [path, "--threads", "1"])
      #expect(bytes.stdout == general.stdout, "seed \(seed)")
      #expect(bytes.stderr == general.stderr)
      #expect(bytes.status == general.status)
    }
    // Records whose keys are those of the first, in its order: the rows CSV writes from bytes.
    var text = "{\"a\": \"x\", \"b\": 1.50}\n"
    for value in Self.values { text += "{\"a\": \(value), \"b\": \(value)}\n" }
    text += "{\"a\": \"\"}\n{\"b\": 2, \"a\": 1}\n{\"a\": \"q,\\\"\", \"b\": \"line\\nbreak\"}\n"
    let path = try dir.file("same-keys.jsonl", text)
    let general = try gen(arguments + [path], byteLevel: false)
    #expect(try gen(arguments + [path]).stdout == general.stdout)
    let one = try dir.file("one-key.jsonl", "{\"a\": null}\n{\"a\": \"\"}\n{\"a\": 0}\n")
    #expect(try gen(["convert", "--to", "csv", one]).stdout == (try gen(["convert", "--to", "csv", one], byteLevel: false)).stdout)
  }

  /// `head` copies a line that is plainly an object as read: as the general
  /// path writes it also with a CRLF ending, spaces, a blank line and, past
  /// a bad line, its error (or, with --skip-bad, the lines after it).
  @Test func headWritesLinesAsTheGeneralPath() throws {
    let dir = try TemporaryDirectory()
    let text = "{\"a\": 1}\r\n  {\"a\":2 }\t\n\n{\"b\": \"x\\ny\"}\r\n\r\n{\"a\": x}\n{\"a\": 5}\n[1]\n{\"a\": 6}\n"
    let path = try dir.file("head.jsonl", text)
    for arguments in [["-n", "2"], ["-n", "4"], ["-n", "9"], ["-n", "9", "--skip-bad"], ["-n", "3", "--skip-bad"]] {
      let fast = try gen(["head"] + arguments + [path])
      let general = try gen(["head"] + arguments + [path], byteLevel: false)
      #expect(fast.stdout == general.stdout, "\(arguments)")
      #expect(fast.stderr == general.stderr, "\(arguments)")
      #expect(fast.status == general.status, "\(arguments)")
    }
  }

  /// A batch that bad input cuts short is not written: the output holds whole batches only.
  @Test func batchCutShortByBadInputIsNotWritten() throws {
    let dir = try TemporaryDirectory()
    let jsonl = try dir.file("cut.jsonl", "{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3}\n{\"a\": x}\n{\"a\": 5}\n")
    let csv = try dir.file("cut.csv", "a\n1\n2\n3\n\"4\n")
    for (path, byteLevel) in [(jsonl, true), (jsonl, false), (csv, true), (csv, false)] {
      let run = try gen(["batch", "--size", "2", path], byteLevel: byteLevel)
      #expect(run.status == 65, "\(path)")
      #expect(run.stdout == "[{\"a\":1},{\"a\":2}]\n" || run.stdout == "[{\"a\":\"1\"},{\"a\":\"2\"}]\n", "\(run.stdout)")
    }
    let skipped = try gen(["batch", "--size", "2", "--skip-bad", jsonl])
    #expect(skipped.stdout == "[{\"a\":1},{\"a\":2}]\n[{\"a\":3},{\"a\":5}]\n")
    #expect(skipped.stderr.contains("skipped 1 bad record"))
  }

  /// Keys the bytes could get wrong: an empty key (once taken for the group
  /// column), and é written precomposed or as e + U+0301, and the Kelvin
  /// sign, which Swift's `String ==` finds equal to K: two keys each, on
  /// both paths (ExactNameTests checks them against Python).
  @Test(arguments: [
    ["stats"], ["stats", "--group-by", "g"], ["stats", "--group-by", "café"], ["select", "café,g"], ["select", ""],
    ["filter", "--where", "`café` == 2"], ["convert", "--to", "csv"], ["batch", "--size", "2"],
    ["derive", "café=g", "n=len(g)"], ["derive", "x=g", "x=1"], ["derive", "\u{212A}=1", "t=2.5"],
  ])
  func emptyAndEquivalentKeysAsTheGeneralPath(arguments: [String]) throws {
    let dir = try TemporaryDirectory()
    let text = "{\"g\":\"A\",\"café\":1,\"\":5}\n{\"a\":2,\"\":\"x\"}\n{\"\":7,\"g\":\"A\",\"cafe\u{301}\":2}\n"
      + "{\"cafe\u{301}\":2,\"\\u0078\":0}\n{\"g\":\"B\",\"café\":3}\n{}\n{\"K\":4,\"g\":\"C\"}\n{ }\n"
    let path = try dir.file("keys.jsonl", text)
    let general = try gen(arguments + [path], byteLevel: false)
    let bytes = try gen(arguments + [path])
    #expect(bytes.stdout == general.stdout)
    #expect(bytes.stderr == general.stderr)
    #expect(bytes.status == general.status)
  }
}
