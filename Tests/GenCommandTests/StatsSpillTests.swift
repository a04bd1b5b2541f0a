// `stats --memory-limit`: with a limit far below what the groups take, the
// groups go to sorted runs on disk and are merged at the end; the table must
// be the in-memory one byte for byte, in every format, for CSV and JSON
// Lines, one thread and two, and no temporary file may remain.
import Foundation
@testable import GenCommand
import Testing

@Suite struct StatsSpillTests {
  /// Rows of `names` distinct names (non-ASCII, long, empty, two spellings
  /// of "Zoë" that Swift takes as one key), and values that test the merge:
  /// 0.0 and -0.0 (min and max keep the first of equals), plain decimals
  /// (exact decimal sums), exponents and text (binary sums, non-numeric),
  /// huge numbers (scaled sums) and infinity.
  static func rows(_ count: Int, names: Int, seed: UInt64 = 7) -> [(name: String?, qty: String, price: String)] {
    var state = seed
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    let quantities = ["1", "-0.0", "0.0", "2.50", "x", "", "1e3", "0.1", "1e300", "-7", "inf", "12345678901234567890"]
    return (0..<count).map { _ in
      let n = next(names)
      let name: String? =
        switch n % 13 {
        case 0: nil
        case 1: ""
        case 2: "Zoë \(n % 50)"
        case 3: "Zoe\u{308} \(n % 50)"
        case 4: "東京-\(n)"
        case 5: "a long name that is stored out of line \(n)"
        default: "n\(n)"
        }
      return (name, quantities[next(quantities.count)], "\(next(100_000) / 100).\(next(100))")
    }
  }

  static func csv(_ rows: [(name: String?, qty: String, price: String)]) -> String {
    "name,qty,price\n" + rows.map { "\"\($0.name ?? "")\",\($0.qty),\($0.price)\n" }.joined()
  }

  /// JSON Lines with null and missing names, numbers as numbers where JSON has them.
  static func jsonLines(_ rows: [(name: String?, qty: String, price: String)]) -> String {
    rows.enumerated().map { index, row in
      let name = row.name.map { "\"\($0)\"" } ?? (index % 2 == 0 ? "null" : "")
      let qty = Double(row.qty).map { $0.isFinite && row.qty.first != "i" ? row.qty : "\"\(row.qty)\"" } ?? "\"\(row.qty)\""
      let members = (name.isEmpty ? [] : ["\"name\":\(name)"]) + ["\"qty\":\(qty)", "\"price\":\(row.price)"]
      return "{" + members.joined(separator: ",") + "}\n"
    }.joined()
  }

  /// The byte offset of the line start nearest the middle (where --threads 2 splits).
  static func middleLineStart(_ text: String) -> Int {
    let bytes = Array(text.utf8)
    var offset = bytes.count / 2
    while bytes[offset - 1] != 0x0A { offset += 1 }
    return offset
  }

  /// Runs `arguments` with and without a tiny limit, on one thread or split
  /// in two, and checks the tables are equal, the note is there, and no
  /// file is left in the temporary directory.
  static func expectSameTable(
    _ arguments: [String], input: String, limit: String, threads: Int, byteLevel: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let temporary = try TemporaryDirectory()
    func run(_ extra: [String]) throws -> GenRun {
      var ranges = 0
      let split = threads == 2 ? [middleLineStart(try String(contentsOfFile: input, encoding: .utf8))] : nil
      let run = try gen(
        arguments + [input] + extra + (threads == 2 ? ["--threads", "2"] : []), byteLevel: byteLevel, splitOffsets: split,
        rangesRead: { ranges = $0 }, temporaryDirectory: temporary.path)
      if threads == 2 && byteLevel { #expect(ranges == 2, "read in \(ranges) ranges", sourceLocation: sourceLocation) }
      return run
    }
    let whole = try run([])
    let spilled = try run(["--memory-limit", limit])
    #expect(whole.status == 0, "\(whole.stderr)", sourceLocation: sourceLocation)
    #expect(!whole.stderr.contains("--memory-limit"), sourceLocation: sourceLocation)
    #expect(spilled.status == 0, "\(spilled.stderr)", sourceLocation: sourceLocation)
    #expect(whole.stdout.count > 1000, sourceLocation: sourceLocation)
    #expect(spilled.stdout == whole.stdout, sourceLocation: sourceLocation)
    if spilled.stdout != whole.stdout {
      let a = whole.stdout.split(separator: "\n"), b = spilled.stdout.split(separator: "\n")
      if let index = a.indices.first(where: { $0 >= b.count || a[$0] != b[$0] }) {
        Issue.record("first difference, line \(index + 1):\n\(a[index])\n\(index < b.count ? b[index] : "")", sourceLocation: sourceLocation)
      }
    }
    // The note: runs written (more than one, to exercise the merge) and groups merged.
    #expect(spilled.stderr.contains("gen: the groups passed --memory-limit "), "\(spilled.stderr)", sourceLocation: sourceLocation)
    let runs = spilled.stderr.firstMatch(of: /in ([0-9,]+) sorted runs/).map { Int($0.1.replacing(",", with: ""))! } ?? 0
    #expect(runs > StatsSpill.fanIn, "\(spilled.stderr)", sourceLocation: sourceLocation)
    #expect(spilled.stderr.contains("to temporary files in \(temporary.path) "), sourceLocation: sourceLocation)
    #expect(temporary.contents.isEmpty, "left behind: \(temporary.contents)", sourceLocation: sourceLocation)
  }

  @Test(arguments: ["csv", "jsonl"], [1, 2])
  func everyFormatGivesTheInMemoryTable(input: String, threads: Int) throws {
    let dir = try TemporaryDirectory()
    let rows = Self.rows(24_000, names: 15_000)
    let path = try dir.file("groups.\(input)", input == "csv" ? Self.csv(rows) : Self.jsonLines(rows))
    for format in ["markdown", "csv", "jsonl"] {
      try Self.expectSameTable(["stats", "--group-by", "name", "--to", format], input: path, limit: "8KiB", threads: threads)
    }
  }

  /// --percentiles and --distinct: their sketches go to disk and come back.
  @Test(arguments: ["csv", "jsonl"], [1, 2])
  func sketchesGiveTheInMemoryTable(input: String, threads: Int) throws {
    let dir = try TemporaryDirectory()
    let rows = Self.rows(2_500, names: 1_200)
    let path = try dir.file("groups.\(input)", input == "csv" ? Self.csv(rows) : Self.jsonLines(rows))
    for format in ["markdown", "jsonl"] {
      try Self.expectSameTable(
        ["stats", "--group-by", "name", "--to", format, "--percentiles", "10,50,99", "--distinct"], input: path,
        limit: "128KiB", threads: threads)
    }
  }

  /// A derived group, with --where; and the records' general path (byteLevel off).
  @Test(arguments: ["csv", "jsonl"], [true, false])
  func derivedGroupsAndTheGeneralPath(input: String, byteLevel: Bool) throws {
    let dir = try TemporaryDirectory()
    let rows = Self.rows(12_000, names: 8_000)
    let path = try dir.file("groups.\(input)", input == "csv" ? Self.csv(rows) : Self.jsonLines(rows))
    try Self.expectSameTable(
      ["stats", "--group-by", "key", "--derive", "key=upper(name)", "--derive", "cost=price * 2", "--where", "price > 10", "--to", "csv"],
      input: path, limit: "4KiB", threads: 1, byteLevel: byteLevel)
    try Self.expectSameTable(["stats", "--group-by", "name", "--to", "csv"], input: path, limit: "4KiB", threads: 2, byteLevel: byteLevel)
  }

  /// --partial after a spill: merged, it gives the table of one run in memory.
  @Test func partialAfterASpillMergesToTheSameTable() throws {
    let dir = try TemporaryDirectory()
    let path = try dir.file("groups.csv", Self.csv(Self.rows(6_000, names: 4_000)))
    let whole = try gen(["stats", path, "--group-by", "name", "--to", "csv", "--percentiles", "50"])
    let partial = try gen(
      ["stats", path, "--group-by", "name", "--partial", "--percentiles", "50", "--memory-limit", "16KiB"],
      temporaryDirectory: dir.path)
    #expect(partial.stderr.contains("--memory-limit 16 KiB"))
    let merged = try gen(["stats", "--merge", try dir.file("p.jsonl", partial.stdout), "--to", "csv", "--percentiles", "50"])
    #expect(merged.status == 0, "\(merged.stderr)")
    #expect(merged.stdout == whole.stdout)
  }

  /// The README's memory per group counts 128 bytes per column: a summary's size.
  @Test func aColumnSummaryTakesWhatTheReadmeSays() {
    #expect(MemoryLayout<ColumnSummary>.stride == 128)
  }

  /// --merge holds its groups under --memory-limit too: three partials whose
  /// groups overlap, merged past a tiny limit, give the table of one run,
  /// say so, and leave no file behind. Partials without the sketches asked
  /// for are refused, naming the file.
  @Test func mergeSpillsPastTheLimit() throws {
    let dir = try TemporaryDirectory()
    let temporary = try TemporaryDirectory()
    let rows = Self.rows(9_000, names: 5_000)
    let path = try dir.file("groups.csv", Self.csv(rows))
    let sketches = ["--percentiles", "10,50", "--distinct"]
    let whole = try gen(["stats", path, "--group-by", "name", "--to", "csv"] + sketches)
    var partials: [String] = []
    for (index, start) in stride(from: 0, to: rows.count, by: 3_000).enumerated() {
      let part = try dir.file("part\(index).csv", Self.csv(Array(rows[start..<start + 3_000])))
      let partial = try gen(["stats", part, "--group-by", "name", "--partial"] + sketches)
      #expect(partial.status == 0, "\(partial.stderr)")
      partials.append(try dir.file("p\(index).jsonl", partial.stdout))
    }
    let inMemory = try gen(["stats", "--merge"] + partials + ["--to", "csv"] + sketches)
    #expect(inMemory.stdout == whole.stdout, "\(inMemory.stderr)")
    #expect(!inMemory.stderr.contains("--memory-limit"))
    let spilled = try gen(
      ["stats", "--merge"] + partials + ["--to", "csv", "--memory-limit", "16KiB"] + sketches,
      temporaryDirectory: temporary.path)
    #expect(spilled.status == 0, "\(spilled.stderr)")
    #expect(spilled.stdout == whole.stdout)
    let runs = spilled.stderr.firstMatch(of: /in ([0-9,]+) sorted runs/).map { Int($0.1.replacing(",", with: ""))! } ?? 0
    #expect(runs > StatsSpill.fanIn, "\(spilled.stderr)")
    #expect(temporary.contents.isEmpty, "left behind: \(temporary.contents)")

    let plain = try gen(["stats", path, "--group-by", "name", "--partial"])
    let unsketched = try dir.file("plain.jsonl", plain.stdout)
    let refused = try gen(["stats", "--merge", partials[0], unsketched, "--median"])
    #expect(refused.status == 64 && refused.stderr.contains("plain.jsonl: these partials were made without --percentiles"))
  }

  /// Bad data after many runs were written: the error, and no file left.
  @Test(arguments: ["csv", "jsonl"])
  func anErrorLateInTheInputLeavesNoFile(input: String) throws {
    let dir = try TemporaryDirectory()
    let temporary = try TemporaryDirectory()
    let rows = Self.rows(5_000, names: 4_000)
    let text = input == "csv" ? Self.csv(rows) + "bad,\"unterminated\n" : Self.jsonLines(rows) + "{\"name\": oops}\n"
    let path = try dir.file("bad.\(input)", text)
    let run = try gen(["stats", path, "--group-by", "name", "--memory-limit", "4KiB"], temporaryDirectory: temporary.path)
    #expect(run.status == 65, "\(run.stderr)")
    #expect(run.stderr.contains("bad.\(input):\(input == "csv" ? 5002 : 5001)"), "\(run.stderr)")
    #expect(temporary.contents.isEmpty, "left behind: \(temporary.contents)")
  }

  /// The files go where TMPDIR says: where none can be made, stats says so (exit 73).
  @Test func aTemporaryDirectoryThatIsNotThereIsAnError() throws {
    let dir = try TemporaryDirectory()
    let path = try dir.file("groups.csv", Self.csv(Self.rows(2_000, names: 1_500)))
    let run = try gen(["stats", path, "--group-by", "name", "--memory-limit", "4KiB"], temporaryDirectory: dir.path + "/missing")
    #expect(run.status == 73)
    #expect(run.stderr.contains("cannot create a temporary file in \(dir.path)/missing"), "\(run.stderr)")
    // Under the limit nothing is written, and the directory is never asked for.
    let fits = try gen(["stats", path, "--group-by", "name"], temporaryDirectory: dir.path + "/missing")
    #expect(fits.status == 0)
  }

  @Test func sizes() throws {
    #expect(Stats.bytes("1GiB") == 1 << 30)
    #expect(Stats.bytes("512m") == 512 << 20)
    #expect(Stats.bytes("64KB") == 64 << 10)
    #expect(Stats.bytes("1000") == 1000)
    for bad in ["", "0", "-1", "1.5G", "G", "1X", "99999999999T"] { #expect(Stats.bytes(bad) == nil, "\(bad)") }
    #expect(Stats.describe(bytes: 1 << 30) == "1 GiB")
    #expect(Stats.describe(bytes: 1000) == "1,000 bytes")
    let run = try gen(["stats", "--memory-limit", "lots"], stdin: "a\n1\n")
    #expect(run.status == 64)
    #expect(run.stderr.contains("--memory-limit takes a size such as 1GiB"))
  }

  /// The estimate grows with the columns, the key and the sketches.
  @Test func theEstimatePerGroup() {
    let plain = StatsSpill(limit: 1 << 20, directory: "/tmp", sketching: StatsSketching())
    let sketched = StatsSpill(limit: 1 << 20, directory: "/tmp", sketching: StatsSketching(quantiles: true, distinct: true))
    #expect(plain.estimate(key: "US", columns: 3) == StatsSpill.perGroup + 3 * MemoryLayout<ColumnSummary>.stride)
    #expect(plain.estimate(key: String(repeating: "x", count: 40), columns: 3) > plain.estimate(key: "US", columns: 3))
    #expect(sketched.estimate(key: "US", columns: 3) > plain.estimate(key: "US", columns: 3) + 3 * 4096)
    // A group alone always fits; the next one past the limit asks for a spill.
    let tiny = StatsSpill(limit: 10, directory: "/tmp", sketching: StatsSketching())
    #expect(!tiny.full(adding: "a", columns: 3))
    #expect(tiny.full(adding: "b", columns: 3))
  }
}
