import Foundation
import Generators
import Testing

/// `filter`, `stats`, `derive` and the other verbs on CSV read rows as bytes; every result must equal
/// the general path's (each row through Strings and JSON values), on rows
/// that exercise its fallbacks: non-ASCII text, ragged rows, a repeated
/// column, spaces around numbers, quoted fields, text in a numeric column.
@Suite struct ByteLevelCSVTests {
  static let nasty = #"""
    name,country,qty,price,note,qty
    Ann,DE,3,2.50,,7
    "Smith, John",US,12,10,"said ""hi""",1
    Zoë,FR,5,1e3,ünï,2
    Bob,US, 7 ,3.25,x,3
    Cy,JP,-4,0.1,"two
    lines",4
    Di,DE,many,9.99,y,5
    short,GB
    long,IN,1,2,3,4,5,6
    ,,,,,
    Ed,FR,20,49.5,x;y,9
    Fay,DE,10,.5,plain,10

    """# + "Gus,DE,1,2,\"x\r\ny\",11\n"

  static let invalidUTF8: [UInt8] = Array("name,qty\nok,1\n".utf8) + [0xFF, 0x2C, 0x32, 0x0A] + Array("fine,3\n".utf8)

  static let arguments: [[String]] = [
    ["stats"], ["stats", "--group-by", "country"], ["stats", "--group-by", "note"], ["stats", "--group-by", "qty"],
    ["filter", "--where", "country!=US"], ["filter", "--where", "qty>=10"], ["filter", "--where", "qty>4", "--where", "country=DE"],
    ["filter", "--where", "name~Smith"], ["filter", "--where", "note!~x"], ["filter", "--where", "note~ü"],
    ["filter", "--where", "price<50"], ["filter", "--where", "name>Bob"], ["filter", "--where", "country="],
    ["filter", "--where", "qty=7"], ["filter", "--where", "missing=1"], ["filter", "--where", "name~"],
    ["stats", "--no-header"], ["filter", "--no-header", "--where", "2=DE"],
    ["filter", "--where", "note~o\nl"], ["filter", "--where", "note~\n"], ["filter", "--where", "note!~\r"],
    // The expression language: each value kind on both paths.
    ["filter", "--where", "qty * price > 20 or note ~ '^ü'"], ["filter", "--where", "qty is null or price // 1 == 2"],
    ["filter", "--where", "lower(name) < 'c' and not country in ('US', 'JP')"], ["filter", "--where", "len(note) >= 2"],
    ["filter", "--where", "qty % 4 == 3 or `qty_2` > 4"], ["filter", "--where", "contains(note, 'i') or startswith(name, 'Z')"],
    ["filter", "--where", "price == 1000"], ["filter", "--where", "qty != ''"], ["filter", "--where", "coalesce(qty, 0) < 5"],
    ["filter", "--where", "name >= 'Zo'"], ["filter", "--where", "upper(note) == 'ÜNÏ'"],
    ["filter", "--no-header", "--where", "`3` * 2 >= 10"], ["filter", "--no-header", "--where", "3>=5"],
    ["derive", "t=qty * price", "u=lower(note)", "name=concat(name, '!')"], ["derive", "--no-header", "x=`3` // 2"],
    ["derive", "r=round(price / 3, 2)", "q=qty ** 2 % 7", "z=price / (qty - 3)"],
    ["stats", "--derive", "t=qty * price", "--where", "country != 'US'", "--group-by", "country"],
    ["stats", "--derive", "c=upper(country)", "--derive", "qty=qty * 2", "--group-by", "c"],
    ["stats", "--where", "note is not null and note != ''"],
    ["convert", "--to", "jsonl"], ["convert", "--to", "jsonl", "--no-header"],
    ["select", "name,qty"], ["select", "note"], ["select", "qty,name,qty"], ["select", "note,country"],
    ["batch", "--size", "3"], ["batch", "--size", "1", "--no-header"], ["batch", "--size", "1000"],
    ["head", "-n", "4"], ["head", "-n", "1000"], ["head", "-n", "3", "--no-header"], ["head", "-n", "0"],
    // derive: new columns only (rows copied as read before them), and one replacing an input column.
    ["derive", "t=qty * price"], ["derive", "t=qty * price", "u=lower(note)"], ["derive", "--no-header", "x=`3` // 2"],
    ["derive", "note=upper(note)", "t=1"],
  ]

  @Test(arguments: arguments)
  func sameAsTheGeneralPath(arguments: [String]) throws {
    let directory = try TemporaryDirectory()
    // With the repeated column, and with unique names (rows copied as bytes).
    let unique = Self.nasty.replacingOccurrences(of: "note,qty\n", with: "note,qty2\n")
    for file in [try directory.file("sales.csv", Self.nasty), try directory.file("unique.csv", unique)] {
      let fast = try gen(arguments + [file])
      let general = try gen(arguments + [file], byteLevel: false)
      #expect(fast.status == general.status)
      #expect(fast.stdout == general.stdout, "\(file)")
      #expect(fast.stderr == general.stderr)
      #expect(!fast.stdout.isEmpty || fast.status != 0)
    }
  }

  @Test(arguments: [
    ["stats"], ["filter", "--where", "qty>0"], ["stats", "--skip-bad"], ["filter", "--skip-bad", "--where", "qty>0"],
    ["convert", "--to", "jsonl"], ["convert", "--to", "jsonl", "--skip-bad"],
    ["select", "qty,name"], ["select", "name", "--skip-bad"], ["batch", "--size", "2"], ["batch", "--size", "2", "--skip-bad"],
    ["head", "-n", "100"], ["head", "-n", "100", "--skip-bad"],
  ])
  func invalidUTF8IsReportedTheSameWay(arguments: [String]) throws {
    let directory = try TemporaryDirectory()
    let file = directory.path + "/bad.csv"
    try Data(Self.invalidUTF8).write(to: URL(fileURLWithPath: file))
    let fast = try gen(arguments + [file])
    let general = try gen(arguments + [file], byteLevel: false)
    #expect(fast.status == general.status)
    #expect(fast.stdout == general.stdout)
    #expect(fast.stderr == general.stderr)
    #expect(fast.status != 0 || fast.stderr.contains("skipped 1 bad record"))
  }

  /// Random ASCII (every control character, quotes, backslashes, delimiters,
  /// line breaks) and some non-ASCII rows: the byte path writes the same JSON
  /// Lines as the general one.
  @Test func convertToJSONLinesMatchesTheGeneralPathOnRandomRows() throws {
    var random = SplitMix64(seed: 11)
    let alphabet = (1..<128).map { Character(Unicode.Scalar(UInt8($0))) } + ["é", "日", "😀"]
    func field() -> String {
      let text = String((0..<Int(random.next() % 6)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
      return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    var lines = [#"a,"b ""q"" \ x",c,"d"# + "\t" + #"e""#]
    for _ in 0..<400 { lines.append((0..<Int(1 + random.next() % 5)).map { _ in field() }.joined(separator: ",")) }
    let directory = try TemporaryDirectory()
    let file = try directory.file("random.csv", lines.joined(separator: "\r\n") + "\r\n")
    let fast = try gen(["convert", "--to", "jsonl", file])
    let general = try gen(["convert", "--to", "jsonl", file], byteLevel: false)
    #expect(fast.status == 0, "\(fast.stderr)")
    #expect(fast.stdout == general.stdout)
    #expect(fast.stderr == general.stderr)
    #expect(fast.stdout.split(separator: "\n").count >= 390)
  }

  /// Unquoted fields of every length from 0 to 20 (copied eight bytes at a
  /// time), short and long rows, and some rows with a quote, a backslash or
  /// a control byte: the byte path writes the same JSON Lines as the general one.
  @Test func convertToJSONLinesCopiesPlainRowsAsTheGeneralPathWritesThem() throws {
    var random = SplitMix64(seed: 29)
    let plain = Array("abcXYZ019 .-_:;/{}[]")
    func field() -> String {
      switch random.next() % 12 {
      case 0: return "\"q\"\"x\""
      case 1: return "a\\b"
      case 2: return "t\tb"
      default: return String((0..<Int(random.next() % 21)).map { _ in plain[Int(random.next() % UInt64(plain.count))] })
      }
    }
    var lines = ["name,count,note,when"]
    for _ in 0..<600 { lines.append((0..<Int(1 + random.next() % 6)).map { _ in field() }.joined(separator: ",")) }
    let directory = try TemporaryDirectory()
    let file = try directory.file("plain.csv", lines.joined(separator: "\n") + "\n")
    for extra in [[], ["--no-header"]] {
      let fast = try gen(["convert", "--to", "jsonl", file] + extra)
      let general = try gen(["convert", "--to", "jsonl", file] + extra, byteLevel: false)
      #expect(fast.status == 0, "\(fast.stderr)")
      #expect(fast.stdout == general.stdout)
      #expect(fast.stderr == general.stderr)
      #expect(fast.stdout.split(separator: "\n").count >= 590)
    }
  }

  /// A delimiter or quote that a number's text can hold (`.`, `-`, `e`):
  /// computed numbers are quoted on the byte path as the writer quotes them.
  @Test(arguments: [".", "-", "e", "5"])
  func numbersAreQuotedWhenTheyHoldTheDelimiter(delimiter: String) throws {
    let directory = try TemporaryDirectory()
    let text = ["a", "1", "\"3\"", "-5", "7"].joined(separator: "\n") + "\n"
    let file = try directory.file("numbers.csv", text)
    let arguments = ["derive", "--delimiter", delimiter, file, "h=a / 2", "n=0 - a", "e=a * 1e300 * 1e300", "m=a * 2"]
    let fast = try gen(arguments)
    let general = try gen(arguments, byteLevel: false)
    #expect(fast.status == 0, "\(fast.stderr)")
    #expect(fast.stdout == general.stdout)
    #expect(fast.stdout.contains("\""))  // (some value held the delimiter)
  }

  /// `count` on JSON Lines checks each line without building its values; it
  /// must count, fail and skip exactly as the parsing path (`head`) does.
  @Test func countingJSONLinesAgreesWithParsingThem() throws {
    let good = [
      #"{"a":1,"b":[true,null,{"c":"d"}],"e":"\u00e9\n\ud83d\ude00"}"#, "  {}  ", #"{"x":NaN,"y":-Infinity}"#,
      #"{"name":"Zoë","note":"日本"}"#, "", "   ", "\t",
    ]
    let bad = [
      #"[1,2]"#, #"{"a":01}"#, #"{"a":"\ud800"}"#, #"{"a" 1}"#, "{\"a\":\"\u{1}\"}", #"{"a":tru}"#, #"{"a":1}x"#,
      #"{"a":"\q"}"#, "\"text\"", "42",
    ]
    var random = SplitMix64(seed: 5)
    for round in 0..<6 {
      var lines = (0..<40).map { _ in good[Int(random.next() % UInt64(good.count))] }
      if round > 0 { lines[Int(random.next() % 40)] = bad[(round - 1) * 2 % bad.count] }
      if round > 1 { lines[Int(random.next() % 40)] = bad[((round - 1) * 2 + 1) % bad.count] }
      var bytes = Array(lines.joined(separator: "\n").utf8) + [0x0A]
      if round == 3 { bytes = [0xEF, 0xBB, 0xBF] + bytes }
      if round == 4 { bytes += Array(#"{"k":""#.utf8) + [0xFF] + Array(#""}"#.utf8) + [0x0A] }  // invalid UTF-8 in a string
      for skip in [[], ["--skip-bad"]] {
        let counted = try gen(["count", "--format", "jsonl"] + skip, stdinBytes: bytes)
        let parsed = try gen(["head", "-n", "100000", "--format", "jsonl"] + skip, stdinBytes: bytes)
        #expect(counted.status == parsed.status, "round \(round) \(skip)")
        #expect(counted.stderr == parsed.stderr, "round \(round) \(skip)")
        if counted.status == 0 {
          #expect(Int(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == parsed.stdout.split(separator: "\n").count)
        }
      }
    }
  }

  /// `count` takes runs of plain flat JSON Lines many lines at a time: over
  /// inputs longer than the read buffer, with bad, blank, CRLF and nested
  /// lines among them, it counts, fails (naming the same line) and skips
  /// exactly as the parsing path does; and split into two ranges at line
  /// starts (`--threads 2`) it counts the same.
  @Test func countingPlainJSONLinesInBlocksAgreesWithParsingThem() throws {
    var random = SplitMix64(seed: 11)
    func pick<T>(_ array: [T]) -> T { array[Int(random.next() % UInt64(array.count))] }
    let odd = [
      #"{"a":1,}"#, #"{"a":1,"b"}"#, #"{"a" "b":1}"#, #"{1:2}"#, #"{"a":1}}"#, #"{"a":[1]}"#, #"{"a":{"b":1}}"#, "",
      "  ", "{\"a\":\"tab\there\"}", "{\"a\":1}\r", #"{"a":NaN}"#, #"{"a":01}"#, #"{"a":"x"#, #"{}"#, #" { "a" : 1 } "#,
    ]
    let directory = try TemporaryDirectory()
    for round in 0..<8 {
      var lines: [String] = []
      for index in 0..<4_000 {
        let name = String(repeating: "n", count: Int(random.next() % 70))
        lines.append(
          index % 2 == 0
            ? #"{"name":"\#(name)","qty":\#(random.next() % 100),"ok":true}"#
            : #"{"name": "\#(name)", "price": -\#(random.next() % 1000).25, "note": null}"#)
      }
      // Round 0 is all plain; the others have some odd lines, more each round.
      for _ in 0..<round * 2 { lines[Int(random.next() % UInt64(lines.count))] = pick(odd) }
      var text = lines.joined(separator: round == 5 ? "\r\n" : "\n") + "\n"
      if round == 6 { text = "\u{FEFF}" + text }
      let bytes = Array(text.utf8)
      for skip in [[], ["--skip-bad"]] {
        let counted = try gen(["count", "--format", "jsonl"] + skip, stdinBytes: bytes)
        let parsed = try gen(["head", "-n", "100000", "--format", "jsonl"] + skip, stdinBytes: bytes)
        #expect(counted.status == parsed.status, "round \(round) \(skip)")
        #expect(counted.stderr == parsed.stderr, "round \(round) \(skip)")
        if counted.status == 0 {
          #expect(
            Int(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == parsed.stdout.utf8.split(separator: 0x0A).count,
            "round \(round) \(skip)")  // (bytes: a record written with its own "\r" makes "\r\n" one Character)
        }
      }
      // Two ranges, split at a line's start somewhere in the middle.
      let path = try directory.file("round\(round).jsonl", text)
      let newlines = bytes.indices.filter { bytes[$0] == 0x0A }
      let split = newlines[newlines.count / 3 + Int(random.next() % UInt64(newlines.count / 3))] + 1
      let whole = try gen(["count", path])
      let halves = try gen(["count", path, "--threads", "2"], splitOffsets: [split])
      #expect(halves.status == whole.status && halves.stdout == whole.stdout, "round \(round): \(halves.stderr)")
    }
  }

  /// A plain line one byte over `--max-line-length` is too long on the
  /// block path too, even once an earlier long line has grown the read
  /// buffer to hold it whole (a reviewer's case): `count` and `stats` fail,
  /// or skip and count it, as `head` does.
  @Test func aLineOverTheLimitIsTooLongInBlocksToo() throws {
    let limit = 65_536
    func line(_ length: Int) -> String { #"{"a":""# + String(repeating: "x", count: length - 8) + #""}"# }
    for text in [line(limit + 1) + "\n", line(limit) + "\n" + line(limit + 1) + "\n{\"b\":1}\n", line(limit - 5) + "\n"] {
      for skip in [[], ["--skip-bad"]] {
        let options = ["--format", "jsonl", "--max-line-length", String(limit)] + skip
        let parsed = try gen(["head", "-n", "10"] + options, stdin: text)
        for verb in [["count"], ["stats"]] {
          let run = try gen(verb + options, stdin: text)
          #expect(run.status == parsed.status, "\(verb) \(skip) on lines of \(text.split(separator: "\n").map(\.count))")
          #expect(run.stderr.contains("longer") == parsed.stderr.contains("longer"), "\(verb) \(skip): \(run.stderr)")
        }
        if parsed.status == 0 {
          #expect(try gen(["count"] + options, stdin: text).stdout == "\(parsed.stdout.utf8.split(separator: 0x0A).count)\n")
        }
      }
    }
  }

  /// What Swift's Double(String) reads but Python's float() does not ("snan"
  /// in any sign or spacing, "nan(1)", hexadecimal) is text in CSV and JSON
  /// Lines alike, on the byte path and the general one.
  @Test func swiftOnlyNumberSpellingsAreTextEverywhere() throws {
    let texts = ["snan", "SNaN", "-snan", "+snan", " snan", "nan(1)", "0x10", "-0x1p3"]
    let csv = "v\n" + texts.map { "\"\($0)\"" }.joined(separator: "\n") + "\n1\n"
    let jsonl = texts.map { #"{"v":"\#($0)"}"# }.joined(separator: "\n") + "\n" + #"{"v":"1"}"# + "\n"
    let expected = "| v      |     1 |   1 |    1 |   1 |   1 | \(texts.count) non-numeric |"
    for byteLevel in [true, false] {
      let table = try gen(["stats", "--format", "csv"], stdin: csv, byteLevel: byteLevel).stdout
      #expect(table.contains(expected), "\(table)")
    }
    let table = try gen(["stats", "--format", "jsonl"], stdin: jsonl).stdout
    #expect(table.contains(expected), "\(table)")
  }
}
