// `gen stats --partial` / `--merge` and `gen count --partial` / `--merge`:
// a file split anywhere into partitions (empty ones too), each summed on
// its own as Spark's rdd.pipe or a Hadoop Streaming mapper would run it,
// merges to exactly what one run over the whole file prints; and --header
// for the partitions after the first, which have no header line.
import Foundation
@testable import GenCommand
import Generators
import StreamIO
import Testing

@Suite struct StatsPartialTests {
  static let header = "name,country,qty,price,note"

  /// Rows that take every path: quoted names with commas, non-ASCII names
  /// (the general path), text and empty values in numeric columns, numbers
  /// with spaces, tiny and huge prices (the exact sum's slow path).
  static func rows(_ count: Int, seed: UInt64) -> [String] {
    var random = SplitMix64(seed: seed)
    let countries = ["US", "DE", "FR", "JP", "", "Zürich"]
    return (0..<count).map { index in
      let name =
        switch random.next() % 10 {
        case 0: "\"Smith, \(index)\""
        case 1: "Zoë \(index)"
        default: "Customer \(index)"
        }
      let country = countries[Int(random.next() % UInt64(countries.count))]
      let qty =
        switch random.next() % 20 {
        case 0: "many"
        case 1: ""
        case 2: " 7 "
        default: String(Int(random.next() % 40) - 5)
        }
      let price =
        switch random.next() % 25 {
        case 0: "1e-20"
        case 1: "-3.5e300"
        case 2: "3.5e300"
        case 3: "0.000123"
        default: String(format: "%.2f", Double(random.next() % 100_000) / 100)
        }
      return "\(name),\(country),\(qty),\(price),n\(random.next() % 3)"
    }
  }

  /// `lines` cut into `parts` pieces at random line boundaries (some empty).
  static func split(_ lines: [String], parts: Int, seed: UInt64) -> [[String]] {
    var random = SplitMix64(seed: seed)
    var cuts = (1..<parts).map { _ in Int(random.next() % UInt64(lines.count + 1)) }.sorted()
    cuts.append(lines.count)
    var start = 0
    return cuts.map { end in
      defer { start = end }
      return Array(lines[start..<end])
    }
  }

  static func text(_ lines: [String]) -> String { lines.map { $0 + "\n" }.joined() }

  @Test(arguments: [[], ["--group-by", "country"], ["--group-by", "note"]], [true, false])
  func mergedPartialsEqualOneRun(grouping: [String], byteLevel: Bool) throws {
    let dir = try TemporaryDirectory()
    let rows = Self.rows(400, seed: 16)
    let whole = try dir.file("sales.csv", Self.text([Self.header] + rows))
    let one = try gen(["stats", whole] + grouping, byteLevel: byteLevel)
    #expect(one.status == 0)
    for parts in 1...7 {
      let pieces = Self.split(rows, parts: parts, seed: UInt64(parts))
      var partials = ""
      var files: [String] = []
      for (index, piece) in pieces.enumerated() {
        // The first partition starts with the header line; the others name
        // the columns with --header, as Spark's later partitions must.
        let run =
          index == 0
          ? try gen(["stats", "--partial", "--format", "csv"] + grouping, stdin: Self.text([Self.header] + piece), byteLevel: byteLevel)
          : try gen(["stats", "--partial", "--header", Self.header] + grouping, stdin: Self.text(piece), byteLevel: byteLevel)
        #expect(run.status == 0, "\(run.stderr)")
        partials += run.stdout
        files.append(try dir.file("part-\(index).jsonl", run.stdout))
      }
      let fromStdin = try gen(["stats", "--merge"], stdin: partials)
      #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
      #expect(fromStdin.stdout == one.stdout, "\(parts) parts")
      #expect(fromStdin.stderr == one.stderr)
      let fromFiles = try gen(["stats", "--merge"] + files + grouping)
      #expect(fromFiles.stdout == one.stdout, "\(parts) parts, as files")
      // Hadoop's shuffle sorts the lines: CSV partials that share a header merge the same.
      let sorted = partials.split(separator: "\n").sorted().map { $0 + "\t\n" }.joined()
      #expect(try gen(["stats", "--merge", "-"], stdin: sorted).stdout == one.stdout, "\(parts) parts, sorted")
    }
  }

  /// A partial lists the columns it summed, the group column not among
  /// them: the same list from CSV (the byte path and the general one) as
  /// from the same records as JSON Lines.
  @Test func partialsListTheSameColumnsForCSVAndJSONLines() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("s.csv", "name,country,qty\nAnn,DE,3\nZoë,FR,4\n")
    let jsonl = try dir.file("s.jsonl", #"{"name":"Ann","country":"DE","qty":"3"}"# + "\n" + #"{"name":"Zoë","country":"FR","qty":"4"}"# + "\n")
    /// The partial's first line: its format, header and columns.
    func columnsLine(_ file: String, byteLevel: Bool = true) throws -> String {
      let run = try gen(["stats", "--partial", "--group-by", "country", file], byteLevel: byteLevel)
      #expect(run.status == 0, "\(run.stderr)")
      return String(run.stdout.split(separator: "\n").first ?? "")
    }
    for line in [try columnsLine(jsonl), try columnsLine(csv), try columnsLine(csv, byteLevel: false)] {
      #expect(line.contains(#""columns":["name","qty"]"#), "\(line)")
    }
  }

  @Test func everyPartitionWithHeaderAsSparkRunsIt() throws {
    // Spark's recipe: the header line filtered out, every partition told --header.
    let dir = try TemporaryDirectory()
    let rows = Self.rows(300, seed: 7)
    let whole = try dir.file("sales.csv", Self.text([Self.header] + rows))
    let one = try gen(["stats", whole, "--group-by", "country"])
    for parts in [1, 4, 7] {
      var partials = ""
      for piece in Self.split(rows, parts: parts, seed: 99) {
        partials += try gen(["stats", "--partial", "--header", Self.header, "--group-by", "country"], stdin: Self.text(piece)).stdout
      }
      #expect(try gen(["stats", "--merge", "--group-by", "country"], stdin: partials).stdout == one.stdout)
    }
  }

  @Test func jsonLinesPartialsMergeInOrder() throws {
    let dir = try TemporaryDirectory()
    let records = (0..<200).map { index in
      index % 50 == 7 ? "{\"late\":\(index),\"qty\":\(index % 9)}" : "{\"k\":\"g\(index % 4)\",\"qty\":\(index % 13),\"price\":\(Double(index) / 7)}"
    }
    let whole = try dir.file("events.jsonl", Self.text(records))
    for grouping in [[], ["--group-by", "k"]] {
      let one = try gen(["stats", whole] + grouping)
      for parts in 1...5 {
        var partials = ""
        for piece in Self.split(records, parts: parts, seed: UInt64(40 + parts)) {
          partials += try gen(["stats", "--partial", "--format", "jsonl"] + grouping, stdin: Self.text(piece)).stdout
        }
        #expect(try gen(["stats", "--merge"], stdin: partials).stdout == one.stdout, "\(parts) parts \(grouping)")
      }
    }
  }

  @Test func anEmptyPartitionGivesAnEmptyPartial() throws {
    let empty = try gen(["stats", "--partial", "--header", Self.header, "--group-by", "country"], stdin: "")
    #expect(empty.status == 0)
    #expect(empty.stdout.hasPrefix("{\"gen_stats_partial\":2,\"format\":\"csv\",\"group_by\":\"country\""))
    #expect(empty.stdout.contains("\"records\":0"))
    // Standard input with nothing to sniff, no --header: read as lines, and still merges with CSV partials.
    let bare = try gen(["stats", "--partial"], stdin: "")
    #expect(bare.status == 0)
    let full = try gen(["stats", "--partial", "--header", Self.header], stdin: Self.text(Self.rows(20, seed: 1)))
    let merged = try gen(["stats", "--merge"], stdin: bare.stdout + full.stdout + bare.stdout)
    #expect(merged.status == 0, "\(merged.stderr)")
    #expect(merged.stdout == (try gen(["stats", "--header", Self.header], stdin: Self.text(Self.rows(20, seed: 1)))).stdout)
    // All partitions empty: the empty table one run over nothing prints.
    let nothing = try gen(["stats", "--merge"], stdin: empty.stdout + empty.stdout)
    #expect(nothing.stdout == (try gen(["stats", "--header", Self.header, "--group-by", "country"], stdin: "")).stdout)
    #expect(nothing.stderr == "gen: no numeric columns in 0 records\n")
  }

  @Test func countPartialsAddUp() throws {
    let rows = Self.rows(250, seed: 3)
    for parts in 1...7 {
      var partials = ""
      for (index, piece) in Self.split(rows, parts: parts, seed: UInt64(parts)).enumerated() {
        let run = try gen(["count", "--partial", "--header", Self.header], stdin: Self.text(piece))
        #expect(run.status == 0)
        #expect(run.stdout == "{\"gen_count_partial\":1,\"count\":\(piece.count),\"skipped\":0}\n", "part \(index)")
        partials += run.stdout
      }
      #expect(try gen(["count", "--merge"], stdin: partials).stdout == "250\n")
    }
  }

  @Test func mergeRefusesPartialsThatDoNotBelongTogether() throws {
    let dir = try TemporaryDirectory()
    let rows = Self.text(Self.rows(10, seed: 5))
    let byCountry = try dir.file(
      "a.jsonl", try gen(["stats", "--partial", "--header", Self.header, "--group-by", "country"], stdin: rows).stdout)
    let ungrouped = try dir.file("b.jsonl", try gen(["stats", "--partial", "--header", Self.header], stdin: rows).stdout)
    let otherHeader = try dir.file(
      "c.jsonl", try gen(["stats", "--partial", "--header", "a,country,c,d,e", "--group-by", "country"], stdin: rows).stdout)
    let noHeader = try dir.file("d.jsonl", try gen(["stats", "--partial", "--format", "csv", "--no-header"], stdin: rows).stdout)

    let groups = try gen(["stats", "--merge", byCountry, ungrouped])
    #expect(groups.status == 65)
    #expect(groups.stderr.contains("b.jsonl:1:1: this partial is grouped by nothing, the one at \(byCountry):1 by \"country\""))
    let headers = try gen(["stats", "--merge", byCountry, otherHeader])
    #expect(headers.status == 65)
    #expect(headers.stderr.contains("c.jsonl:1:1: this partial's header (a,country,c,d,e) differs"), "\(headers.stderr)")
    let headerless = try gen(["stats", "--merge", ungrouped, noHeader])
    #expect(headerless.status == 65)
    #expect(headerless.stderr.contains("d.jsonl:1:1: this partial's CSV had no header"), "\(headerless.stderr)")
    let option = try gen(["stats", "--merge", "--group-by", "note", byCountry])
    #expect(option.status == 65)
    #expect(option.stderr.contains("not by \"note\" as --group-by says"))

    let count = try gen(["stats", "--merge"], stdin: "{\"gen_count_partial\":1,\"count\":3}\n")
    #expect(count.status == 65)
    #expect(count.stderr.contains("<stdin>:1:1: not a partial of `gen stats --partial`"))
    let newer = try gen(["stats", "--merge"], stdin: "\n{\"gen_stats_partial\":3}\n")
    #expect(newer.stderr.contains("<stdin>:2:1: \"gen_stats_partial\":3 is a partial format this gen does not read (it reads 2)"))
    // (Version 1's "sum" held the plain decimals too: read as 2, they would count twice.)
    let older = try gen(["stats", "--merge"], stdin: "{\"gen_stats_partial\":1}\n")
    #expect(older.status == 65 && older.stderr.contains("\"gen_stats_partial\":1 is a partial format this gen does not read"))
    let badFlag = try gen(
      ["stats", "--merge"],
      stdin: "{\"gen_stats_partial\":2,\"column\":\"qty\",\"count\":1,\"sum\":[],\"other_numbers\":1,\"min\":1,\"max\":1,\"non_numeric\":0}\n")
    #expect(badFlag.stderr.contains("\"other_numbers\" must be true or false"))
    // Terms of the binary sum, or a nan, in a line that says there were no other numbers: refused, not dropped.
    let line = "{\"gen_stats_partial\":2,\"column\":\"v\",\"count\":1,\"min\":1,\"max\":1,\"decimal\":\"1\",\"non_numeric\":0"
    for members in [",\"sum\":[5.0]", ",\"sum\":[\"nan\"]", ",\"sum\":[],\"nan\":true", ",\"sum\":[5.0],\"other_numbers\":false"] {
      let run = try gen(["stats", "--merge"], stdin: line + members + "}\n")
      #expect(run.status == 65 && run.stderr.contains("but \"other_numbers\" is not true"), "\(members): \(run.stderr)")
    }
    let nanMinimum = try gen(
      ["stats", "--merge"], stdin: line.replacingOccurrences(of: "\"min\":1", with: "\"min\":\"nan\"") + ",\"sum\":[]}\n")
    #expect(nanMinimum.stderr.contains("\"min\" and \"max\" are the numbers other than nan"), "\(nanMinimum.stderr)")
    let broken = try gen(["stats", "--merge"], stdin: "{\"gen_stats_partial\":2,\n")
    #expect(broken.status == 65)
    #expect(broken.stderr.contains("<stdin>:1:"))
    let cut = try gen(
      ["stats", "--merge"], stdin: "{\"gen_stats_partial\":2,\"column\":\"qty\",\"count\":1,\"sum\":[1],\"other_numbers\":true,\"min\":1,\"max\":1,\"non_numeric\":0}\n")
    #expect(cut.status == 65)
    #expect(cut.stderr.contains("is a partial cut short?"))
    let badSum = try gen(["stats", "--merge"], stdin: "{\"gen_stats_partial\":2,\"column\":\"qty\",\"count\":1,\"sum\":[\"x\"],\"min\":1,\"max\":1,\"non_numeric\":0}\n")
    #expect(badSum.stderr.contains("\"sum\" must be a number"))
    let badCount = try gen(["count", "--merge"], stdin: "{\"gen_count_partial\":1,\"count\":-1}\n")
    #expect(badCount.status == 65)
    #expect(badCount.stderr.contains("<stdin>:1:1: \"count\" must be a whole number of 0 or more"))

    #expect(try gen(["stats", "--partial", "--merge"]).status == 64)
    #expect(try gen(["stats", "a.csv", "b.csv"]).status == 64)
    #expect(try gen(["count", "--merge", "/no/such/partial"]).status == 66)
  }

  @Test func headerNamesTheColumnsOfEveryVerb() throws {
    let dir = try TemporaryDirectory()
    let body = "Alice,US,3,2.50\n\"Smith, Bob\",DE,12,1.25\nCarol,FR,10,4\n"
    let named = "name,country,qty,price\n" + body
    let headerFile = try dir.file("whole.csv", named)
    let cases: [([String], String)] = [
      (["count"], "3\n"),
      (["head", "-n", "1"], "Alice,US,3,2.50\n"),
      (["select", "name,qty"], "Alice,3\n\"Smith, Bob\",12\nCarol,10\n"),
      (["filter", "--where", "country!=US"], "\"Smith, Bob\",DE,12,1.25\nCarol,FR,10,4\n"),
      (["convert", "--to", "jsonl"], try gen(["convert", "--to", "jsonl"], stdin: named).stdout),
      (["batch", "--size", "2"], try gen(["batch", "--size", "2"], stdin: named).stdout),
      (["stats", "--group-by", "country"], try gen(["stats", "--group-by", "country"], stdin: named).stdout),
    ]
    for (arguments, expected) in cases {
      for names in [["--header", "name,country,qty,price"], ["--header-from", headerFile]] {
        let run = try gen(arguments + names, stdin: body)
        #expect(run.status == 0, "\(arguments) \(run.stderr)")
        #expect(run.stdout == expected, "\(arguments + names)")
      }
    }
    // The general (String) path too, and a file rather than standard input.
    let file = try dir.file("part-00001", body)
    #expect(try gen(["filter", "--where", "qty>5", "--header", "name,country,qty,price", file], byteLevel: false).stdout
      == "\"Smith, Bob\",DE,12,1.25\nCarol,FR,10,4\n")
    // Names checked as a header line's are: repeated and empty ones renamed, with the warning.
    let renamed = try gen(["convert", "--to", "jsonl", "--header", "a,a,"], stdin: "1,2,3\n")
    #expect(renamed.stdout == "{\"a\":\"1\",\"a_2\":\"2\",\"column_3\":\"3\"}\n")
    #expect(renamed.stderr.contains("renamed \"a\" → \"a_2\" (column 2)"))
    #expect(try gen(["convert", "--to", "jsonl", "--header", "\"x, y\",z"], stdin: "1,2\n").stdout == "{\"x, y\":\"1\",\"z\":\"2\"}\n")
    #expect(try gen(["select", "nope", "--header", "a,b"], stdin: "1,2\n").status == 64)
    #expect(try gen(["count", "--header", "a", "--no-header"], stdin: "1\n").status == 64)
    #expect(try gen(["count", "--header", "a", "--header-from", headerFile], stdin: "1\n").status == 64)
    #expect(try gen(["count", "--header", "a", "--format", "jsonl"], stdin: "1\n").status == 64)
    #expect(try gen(["count", "--header", ""], stdin: "1\n").status == 64)
    let empty = try dir.file("empty.csv", "")
    #expect(try gen(["count", "--header-from", empty], stdin: "1\n").status == 64)
    #expect(try gen(["count", "--header-from", dir.path + "/missing.csv"], stdin: "1\n").status == 66)
  }

  /// --merge keeps only the sketches it shows: the others would take memory
  /// (4 KiB a column for --distinct) that --memory-limit does not count.
  @Test func mergeKeepsOnlyTheSketchesItShows() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("s.csv", salesCSV)
    let partial = try gen(["stats", csv, "--partial", "--median", "--distinct"])
    let lines = try Self.summaryLines(partial.stdout)
    let qty = try #require(lines.first { if case .string("qty")? = $0.value("column") { true } else { false } })
    let none = try StatsPartial.summary(qty, keeping: StatsSketching())
    #expect(none.quantiles == nil && none.distinct == nil && none.count == 5)
    let both = try StatsPartial.summary(qty, keeping: StatsSketching(quantiles: true, distinct: true))
    #expect(both.quantiles?.count == 5 && both.distinct != nil)
  }

  /// A partial's summary lines, as `--merge` reads them.
  static func summaryLines(_ text: String) throws -> [PartialLine] {
    try text.split(separator: "\n").enumerated().compactMap { index, line in
      guard case .object(let members) = try JSONValue(parsing: Array(line.utf8)), members.contains(where: { $0.name == "column" })
      else { return nil }
      return PartialLine(path: "partial", number: index + 1, byteOffset: 0, members: members)
    }
  }

  @Test func exactSumDoesNotDependOnOrderAndMatchesPythonFsum() throws {
    var random = SplitMix64(seed: 2024)
    var values: [Double] = []
    for _ in 0..<3000 {
      let magnitude = Double(sign: .plus, exponent: Int(random.next() % 200) - 100, significand: 1)
      let value = Double(random.next() % 1_000_000) / 997 * magnitude
      values.append(random.next() % 3 == 0 ? -value : value)
    }
    values += [1e300, -1e300, 1e-300, 0.1, 0.2, 0.3, 1e16, 1, -1e16, .leastNonzeroMagnitude, 0x1p80, -0x1p80 + 1]
    var sum = ExactSum()
    for value in values { sum.add(value) }
    for round in 0..<20 {
      var shuffled = values
      shuffled.shuffle(using: &random)
      // Split into partitions, each summed alone, merged through the partial's text.
      let cut = Int(random.next() % UInt64(shuffled.count))
      var left = ExactSum(), right = ExactSum()
      for value in shuffled[..<cut] { left.add(value) }
      for value in shuffled[cut...] { right.add(value) }
      var merged = ExactSum()
      for part in [right, left] {
        let (small, hugeScaled) = part.terms
        merged.add(terms: small.map { Double(Partials.number($0))! }, hugeScaled: hugeScaled.map { Double(Partials.number($0))! })
      }
      #expect(merged.value.bitPattern == sum.value.bitPattern, "round \(round)")
    }
    // Python's math.fsum is correctly rounded too: the same bits.
    let dir = try TemporaryDirectory()
    let file = try dir.file("values.txt", values.map { "\($0)" }.joined(separator: "\n") + "\n")
    let python = try shell("python3 -c 'import math,sys; print(repr(math.fsum(float(l) for l in open(sys.argv[1]))))' '\(file)'")
    if python.status == 0 {
      #expect(Double(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines))?.bitPattern == sum.value.bitPattern)
    }
    // Running sums past ±1.8e308 stay exact, whatever the order and split:
    // 1e308 + 1e308 - 1e308 is 1e308; a total past it is ±inf, never nan.
    let huge: [Double] = [1e308, 1e308, -1e308, 1.7e308, -1.7e308, 3, 0x1p970, -0x1p970]
    for round in 0..<50 {
      var shuffled = huge
      shuffled.shuffle(using: &random)
      let cut = Int(random.next() % UInt64(huge.count + 1))
      var left = ExactSum(), right = ExactSum()
      for value in shuffled[..<cut] { left.add(value) }
      for value in shuffled[cut...] { right.add(value) }
      left.add(right)
      #expect(left.value == 1e308 + 3, "round \(round)")
    }
    var over = ExactSum()
    for _ in 0..<3 { over.add(1e308) }
    #expect(over.value == .infinity)
    over.add(-1e308)
    over.add(-1e308)
    #expect(over.value == 1e308)
    // Non-finite terms: nan wins, +inf and -inf make nan, in any order.
    var infinite = ExactSum()
    infinite.add(1)
    infinite.add(.infinity)
    #expect(infinite.value == .infinity)
    infinite.add(-.infinity)
    #expect(infinite.value.isNaN)
    #expect(ExactSum().value == 0)
  }

  /// The fixed-point path (terms that are multiples of 2^-64 under 2^73)
  /// builds each term's 128 bits from two words, shifted by 0...73: every
  /// shift, both signs, a full and a sparse significand, read back exactly,
  /// and each cancelled by its negation.
  @Test func exactSumKeepsEveryFixedPointShiftExactly() {
    for exponent in -13...62 {  // shifts -1...74: both ends and one past each
      for significand in [1.0, 1.5, 2.0 - 0x1p-52, 1 + 0x1p-52] {
        for sign in [FloatingPointSign.plus, .minus] {
          let value = Double(sign: sign, exponent: exponent, significand: significand)
          var one = ExactSum()
          one.add(value)
          #expect(one.value.bitPattern == value.bitPattern, "\(value)")
          one.add(-value)
          #expect(one.value == 0, "\(value) - itself")
          var two = ExactSum()
          two.add(value)
          two.add(value)
          #expect(two.value == value * 2, "\(value) twice")
        }
      }
    }
  }

  /// Nothing prints as 0 or inf that is not: extremes in exponent form.
  @Test func statsNumbersShowExtremesAsTheyAre() {
    let cases: [(Double, String)] = [
      (2e302, "2e+302"), (1e16, "1e+16"), (1e15, "1000000000000000"), (-1e308, "-1e+308"), (1e-7, "1e-07"), (-2e-7, "-2e-07"),
      (.leastNonzeroMagnitude, "5e-324"), (0, "0"), (-0.0, "0"), (1.5, "1.5"), (27267585.53, "27267585.53"),
      (123456.1234567, "123456.123457"), (-3, "-3"), (0.0001, "0.0001"), (.infinity, "inf"),
    ]
    for (value, text) in cases { #expect(Stats.formatNumber(value) == text, "\(value)") }
  }

  /// A JSON Lines partition whose first record lacks the group key is summed
  /// (the key is checked against the first record only in a whole-file run),
  /// and the merge equals the one run.
  @Test func jsonLinesPartitionsNeedNotStartWithTheGroupKey() throws {
    let lines = [#"{"g":"x","a":1}"#, #"{"a":2}"#, #"{"g":"y","a":3}"#, #"{"a":4,"g":"x"}"#]
    let one = try gen(["stats", "--format", "jsonl", "--group-by", "g"], stdin: lines.joined(separator: "\n") + "\n")
    #expect(one.status == 0)
    for cut in 1..<lines.count {
      let first = try gen(["stats", "--partial", "--format", "jsonl", "--group-by", "g"], stdin: lines[..<cut].joined(separator: "\n") + "\n")
      let second = try gen(["stats", "--partial", "--format", "jsonl", "--group-by", "g"], stdin: lines[cut...].joined(separator: "\n") + "\n")
      #expect(first.status == 0 && second.status == 0, "\(second.stderr)")
      let merged = try gen(["stats", "--merge"], stdin: first.stdout + second.stdout)
      #expect(merged.stdout == one.stdout, "cut \(cut)")
    }
  }
}
