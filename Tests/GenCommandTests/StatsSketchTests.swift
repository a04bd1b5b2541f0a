// stats --percentiles and --distinct: within their stated bounds of the
// exact answers, the same however the data is split, and in every output format.
import Foundation
@testable import GenCommand
import Generators
import StreamIO
import Testing

@Suite struct StatsSketchTests {
  /// Numbers of every shape: wide magnitudes, negatives, zeros, repeats, skew.
  static func numbers(_ count: Int, seed: UInt64) -> [Double] {
    var random = SplitMix64(seed: seed)
    return (0..<count).map { index in
      let u = Double(random.next() % 1_000_000) / 1_000_000
      switch index % 5 {
      case 0: return u * 100
      case 1: return -u * 1e6
      case 2: return index % 10 == 2 ? 0 : Foundation.exp(u * 40 - 20)  // 2e-9 … 5e8
      case 3: return Double(random.next() % 7)
      default: return 1e-3 * Double(index)
      }
    }
  }

  @Test(arguments: [1, 2, 10, 1000, 100_000])
  func quantilesAreWithinOnePercentOfTheExactValueAtTheirRank(count: Int) {
    let values = Self.numbers(count, seed: UInt64(count))
    var sketch = QuantileSketch()
    for value in values { sketch.add(value) }
    let sorted = values.sorted()
    for q in [0, 1, 10, 25, 29, 50, 57, 75, 90, 99, 99.9, 100] {
      let exact = sorted[QuantileSketch.rank(percent: q, count: count)]
      let estimate = sketch.quantile(percent: q)!
      #expect(abs(estimate - exact) <= 0.01 * abs(exact) + 1e-300, "q \(q): \(estimate) vs \(exact)")
    }
  }

  /// Ranks from whole percents are exact: ⌊29·100/100⌋ is 29 (0.29·100 is 28.999… in floats).
  @Test func ranksAndExtremes() {
    #expect(QuantileSketch.rank(percent: 29, count: 101) == 29)
    #expect(QuantileSketch.rank(percent: 57, count: 101) == 57)
    #expect(QuantileSketch.rank(percent: 99.9, count: 1001) == 999)
    // Infinity and magnitudes 300 orders apart leave every other value within 1%.
    var sketch = QuantileSketch()
    for value in 1...1000 { sketch.add(Double(value)) }
    sketch.add(.infinity)
    sketch.add(-.infinity)
    sketch.add(1e300)
    sketch.add(1e-299)
    for (percent, exact) in [(10.0, 100.0), (50, 500), (90, 900)] {
      let rank = QuantileSketch.rank(percent: percent, count: 1004)
      let sorted = [-Double.infinity, 1e-299] + (1...1000).map(Double.init) + [1e300, .infinity]
      #expect(abs(sketch.quantile(percent: percent)! - sorted[rank]) <= 0.01 * sorted[rank], "\(percent): \(exact)")
    }
    #expect(sketch.quantile(percent: 100) == .infinity)
    #expect(sketch.quantile(percent: 0) == -.infinity)
  }

  @Test func quantileSketchesMergeToTheOnePassSketch() {
    let values = Self.numbers(20_000, seed: 7)
    var whole = QuantileSketch(), first = QuantileSketch(), second = QuantileSketch()
    for value in values { whole.add(value) }
    for value in values.prefix(7_000).reversed() { first.add(value) }
    for value in values.dropFirst(7_000) { second.add(value) }
    second.merge(first)
    #expect(second.serialized == whole.serialized)
  }

  @Test(arguments: [0, 1, 5, 100, 1_000, 10_000, 100_000, 400_000])
  func distinctCountsAreWithinThreeStandardErrors(count: Int) {
    var sketch = DistinctSketch()
    for index in 0..<count {
      sketch.add("user-\(index)")
      if index % 3 == 0 { sketch.add("user-\(index)") }  // repeats do not count
    }
    let error = abs(sketch.estimate - Double(count))
    #expect(error <= 3 * 1.04 / 64 * Double(count) + 0.5, "\(sketch.estimate) for \(count)")
    if count <= 100 { #expect(abs(sketch.estimate.rounded() - Double(count)) <= 1, "small counts are nearly exact") }
  }

  @Test func threadsAndPartialsGiveTheSameTable() throws {
    let dir = try TemporaryDirectory()
    var text = "name,country,qty,price\n"
    var random = SplitMix64(seed: 3)
    for index in 0..<30_000 {
      text += "n\(random.next() % 5000),\(["US", "DE", "FR"][index % 3]),\(random.next() % 50),\(Double(random.next() % 10_000) / 100)\n"
    }
    let csv = try dir.file("sales.csv", text)
    let arguments = ["stats", csv, "--group-by", "country", "--percentiles", "50,90,99.9", "--distinct"]
    let one = try gen(arguments + ["--threads", "1"])
    #expect(one.status == 0, "\(one.stderr)")
    #expect(one.stdout.contains("| p99.9 |") || one.stdout.contains("p99.9"))
    // Split where --threads 3 would split a big file.
    let starts = try CSVSplit.starts(path: csv, count: 3, firstRecord: 0, columns: 4)
    #expect(starts.count == 3)
    var ranges = 0
    let split = try genSplit(arguments, at: Array(starts.dropFirst())) { ranges = $0 }
    #expect(ranges == 3)
    #expect(split.stdout == one.stdout)
    // Two partitions as Spark would give them, merged.
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let partA = try dir.file("a.csv", lines[1..<15_000].joined(separator: "\n") + "\n")
    let partB = try dir.file("b.csv", lines[15_000...].joined(separator: "\n"))
    var partials: [String] = []
    for part in [partA, partB] {
      let run = try gen(["stats", part, "--partial", "--header", "name,country,qty,price", "--group-by", "country", "--percentiles", "50", "--distinct"])
      #expect(run.status == 0, "\(run.stderr)")
      partials.append(try dir.file(URL(fileURLWithPath: part).lastPathComponent + ".jsonl", run.stdout))
    }
    let merged = try gen(["stats", "--merge", "--percentiles", "50,90,99.9", "--distinct"] + partials)
    #expect(merged.status == 0, "\(merged.stderr)")
    #expect(merged.stdout == one.stdout)
    // Partials without the sketches cannot give them.
    let bare = try dir.file("bare.jsonl", try gen(["stats", partA, "--partial", "--header", "name,country,qty,price"]).stdout)
    let refused = try gen(["stats", "--merge", "--median", bare])
    #expect(refused.status == 64)
    #expect(refused.stderr.contains("without --percentiles"))
  }

  @Test func csvAndJSONLinesCarryTheSameNumbers() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("sales.csv", salesCSV)
    let json = try gen(["stats", csv, "--group-by", "country", "--median", "--distinct", "--to", "jsonl"])
    let table = try gen(["stats", csv, "--group-by", "country", "--median", "--distinct", "--to", "csv"])
    #expect(json.status == 0 && table.status == 0)
    let objects = try json.stdout.split(separator: "\n").map {
      try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
    }
    let rows = try CSVRows(table.stdout)
    #expect(rows[0] == ["country", "column", "count", "sum", "mean", "min", "max", "p50", "distinct", "non_numeric"])
    #expect(rows.count == objects.count + 1)
    for (row, object) in zip(rows.dropFirst(), objects) {
      #expect(row[1] == object["column"] as? String)
      #expect(Double(row[3]) == (object["sum"] as? NSNumber)?.doubleValue)
      #expect(Int(row[8]) == (object["distinct"] as? NSNumber)?.intValue)
    }
    // Every exact sum reads back as the table's.
    let sums = objects.compactMap { ($0["sum"] as? NSNumber)?.doubleValue }
    #expect(!sums.isEmpty)
  }
}

@Suite struct DecimalSumTests {
  @Test func moneyAddsUpToTheCent() throws {
    let dir = try TemporaryDirectory()
    // As floats 0.1 + 0.2 is 0.30000000000000004 (math.fsum too); as decimals 0.3.
    let small = try dir.file("small.csv", "amount,rate\n0.1,1e-1\n0.2,2\n")
    let run = try gen(["stats", small, "--to", "csv"])
    #expect(try CSVRows(run.stdout)[1] == ["amount", "2", "0.3", "0.15", "0.1", "0.2", "0"])
    // A column with a non-decimal (1e-1) has the float sum, exactly rounded, as before.
    #expect(try CSVRows(run.stdout)[2][2] == "2.1")
    // Past 2^53 cents a Double cannot hold the cents; the decimal sum can.
    let big = try dir.file("big.csv", "amount\n" + String(repeating: "90071992547409.93\n", count: 1000))
    let bigRun = try gen(["stats", big, "--to", "jsonl"])
    #expect(bigRun.stdout.contains(#""sum":90071992547409930,"#), "\(bigRun.stdout)")
    // Partials carry the decimal sum, so merged is still exact.
    let lines = String(repeating: "90071992547409.93\n", count: 500)
    var partials: [String] = []
    for name in ["a", "b"] {
      let part = try dir.file("\(name).csv", lines)
      partials.append(try dir.file("\(name).jsonl", try gen(["stats", part, "--partial", "--header", "amount"]).stdout))
    }
    #expect(try gen(["stats", "--merge", "--to", "jsonl"] + partials).stdout == bigRun.stdout)
  }

  /// The text, the nearest Double and the mean, on both sides of 2^53, of
  /// 2^64 and of 2^128 (where the carries begin), against Python's exact
  /// `Decimal` and `Fraction`.
  @Test func textValueAndMeanAreExact() throws {
    var generator = SystemRandomNumberGenerator()
    var cases: [(text: String, sum: DecimalSum, count: Int)] = []
    for round in 0..<3000 {
      let digits = [1, 3, 15, 16, 17, 19, 20, 25, 38, 39, 45, 57][round % 12]
      var text = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
      text = String(text.drop(while: { $0 == "0" }))
      if text.isEmpty { text = "7" }
      let scale = Int.random(in: 0...min(DecimalSum.maxScale, text.count), using: &generator)
      if scale > 0 {
        if scale == text.count { text = "0" + text }
        text.insert(".", at: text.index(text.endIndex, offsetBy: -scale))
      }
      if Bool.random(using: &generator) { text = "-" + text }
      let count = [1, 3, 7, 1000, 999_983, 1 << 40][Int.random(in: 0..<6, using: &generator)]
      let sum = try #require(DecimalSum(text: text), "\(text)")
      cases.append((text, sum, count))
    }
    #expect(cases.contains { $0.sum.carries != 0 })
    let dir = try TemporaryDirectory()
    let input = try dir.file("sums.txt", cases.map { "\($0.text) \($0.count)\n" }.joined())
    let python = try shell(
      "python3 -c 'import sys, decimal\nfrom decimal import Decimal\nfrom fractions import Fraction\ndecimal.getcontext().prec = 100\n"
        + "for l in open(sys.argv[1]):\n t, c = l.split()\n d = Decimal(t)\n"
        + " print(format(d, \"f\"), repr(float(Fraction(d))), repr(float(Fraction(d) / int(c))))' '\(input)'")
    try #require(python.status == 0, "python3 must be installed to run this test: \(python.stderr)")
    for ((text, sum, count), line) in zip(cases, python.stdout.split(separator: "\n")) {
      let expected = line.split(separator: " ")
      #expect(sum.text == expected[0], "\(text)")
      #expect(sum.value == Double(expected[1])!, "\(text)")
      #expect(sum.mean(over: count) == Double(expected[2])!, "\(text) / \(count)")
    }
  }

  /// Past 128 bits the sum carries on: the same values in any order, on one
  /// thread or two, or merged from partials, give the same exact sum (it
  /// was the binary sum in one order and the decimal one in another).
  @Test func decimalSumDoesNotDependOnOrder() throws {
    let dir = try TemporaryDirectory()
    // 0.1 + 0.2 + 1e-17 is 0.30000000000000001 in decimal, 0.30000000000000004 in floats;
    // ±9e17 at 17 decimals pass 2^128 when 20,000 of one sign come first.
    let head = ["0.1", "0.2", "0.00000000000000001"]
    let grouped = head + Array(repeating: "900000000000000000", count: 20_000)
      + Array(repeating: "-900000000000000000", count: 20_000)
    let interleaved = head + Array(repeating: ["900000000000000000", "-900000000000000000"], count: 20_000).flatMap { $0 }
    var tables: [String] = []
    for values in [grouped, interleaved, grouped.reversed()] {
      let text = "v\n" + values.joined(separator: "\n") + "\n"
      let path = try dir.file("v\(tables.count).csv", text)
      let one = try gen(["stats", path, "--to", "csv"])
      #expect(one.status == 0, "\(one.stderr)")
      let two = try gen(["stats", path, "--to", "csv", "--threads", "2"], splitOffsets: [StatsSpillTests.middleLineStart(text)])
      #expect(two.stdout == one.stdout)
      tables.append(one.stdout)
    }
    #expect(tables.allSatisfy { $0 == tables[0] })
    #expect(try CSVRows(tables[0])[1][2] == "0.30000000000000001", "\(tables[0])")
    // A partial's decimal text past 2^128 reads back and merges exactly.
    var partials: [String] = []
    for (index, values) in [grouped[..<20_003], grouped[20_003...]].enumerated() {
      let part = try dir.file("part\(index).csv", "v\n" + values.joined(separator: "\n") + "\n")
      partials.append(try dir.file("p\(index).jsonl", try gen(["stats", part, "--partial"]).stdout))
    }
    #expect(try String(contentsOfFile: partials[0], encoding: .utf8).contains(#""decimal":"18000000000000000000000.30000000000000001""#))
    #expect(try gen(["stats", "--merge", "--to", "csv"] + partials).stdout == tables[0])
  }

  /// A column of plain decimals and other numbers: the plain decimals at
  /// their decimal value, the others at their float's, rounded once, as
  /// Python's `float(sum(Fraction(Decimal(d))) + sum(Fraction(float(x))))`,
  /// and the mean that total over the count, rounded once (so a sum past the
  /// largest Double still has a mean); the same in any order, on two
  /// threads, merged from partials, spilled.
  @Test func mixedColumnsAreExactInAnyOrder() throws {
    var random = SplitMix64(seed: 77)
    func pick(_ bound: Int) -> Int { Int(random.next() % UInt64(bound)) }
    let others = ["1e-1", "2.5e3", "-7E-5", "1e300", "-1e300", "3.14159e0", "1e-310", "123456789012345678901", "0x"]
    var rows: [(group: String, value: String)] = []
    for index in 0..<6_000 {
      let group = "g\(pick(60))"
      if index % 7 == 0 {
        rows.append((group, others[pick(others.count)]))  // ("0x" is text: non-numeric)
      } else {
        let scale = pick(19)
        var digits = String(pick(1_000_000_000)) + String(pick(1_000_000_000))
        digits = String(digits.prefix(18))
        if scale > 0 && scale < digits.count { digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale)) }
        rows.append((group, (pick(3) == 0 ? "-" : "") + digits))
      }
    }
    rows.append(("decimals only", "0.1"))
    rows.append(("decimals only", "0.2"))
    rows += [("past the largest", "1e308"), ("past the largest", "1e308"), ("past the largest", "0.5")]
    rows += [("tiny", "5e-324"), ("tiny", "0.1"), ("tiny", "-0.1"), ("tiny", "5e-324"), ("tiny", "5e-324")]
    let dir = try TemporaryDirectory()
    let body = rows.map { "\($0.group),\($0.value)\n" }.joined()
    let path = try dir.file("mixed.csv", "group,v\n" + body)
    let python = try shell(
      "python3 -c 'import sys, re\nfrom decimal import Decimal\nfrom fractions import Fraction\ntotals = {}\ncounts = {}\n"
        + "plain = re.compile(r\"[+-]?(?=[0-9.]*[0-9])([0-9]*[.]?[0-9]*)$\")\n"
        + "for line in list(open(sys.argv[1]))[1:]:\n g, v = line.rstrip(\"\\n\").split(\",\")\n"
        + " m = plain.match(v)\n"
        + " if m and sum(c.isdigit() for c in v) <= 18: x = Fraction(Decimal(v))\n"
        + " else:\n  try: x = Fraction(float(v))\n  except ValueError: continue\n"
        + " totals[g] = totals.get(g, 0) + x\n counts[g] = counts.get(g, 0) + 1\n"
        + "def f(x):\n try: return repr(float(x))\n except OverflowError: return \"inf\"\n"
        + "for g in sorted(totals): print(g, f(totals[g]), f(totals[g] / counts[g]))' '\(path)'")
    try #require(python.status == 0, "python3 must be installed to run this test: \(python.stderr)")
    let expected = Dictionary(uniqueKeysWithValues: python.stdout.split(separator: "\n").map {
      let parts = $0.split(separator: " ")
      return (parts.dropLast(2).joined(separator: " "), (sum: String(parts[parts.count - 2]), mean: String(parts.last!)))
    })
    let arguments = ["stats", path, "--group-by", "group", "--to", "csv"]
    let one = try gen(arguments)
    #expect(one.status == 0, "\(one.stderr)")
    let table = try CSVRows(one.stdout)
    var checked = 0
    for row in table.dropFirst() {
      let want = try #require(expected[row[0]], "\(row)")
      if row[0] == "decimals only" {
        #expect(row[3] == "0.3", "\(row)")  // (exactly 0.3: a decimal sum, shown as it is)
      } else {
        #expect(Double(row[3].replacingOccurrences(of: "Infinity", with: "inf")) == Double(want.sum), "\(row): Python \(want)")
      }
      #expect(Double(row[4]) == Double(want.mean), "\(row): Python \(want)")
      checked += 1
    }
    #expect(checked == 63)
    // The same table from the rows in reverse, two threads, partials merged and a spill.
    let reversed = try dir.file("reversed.csv", "group,v\n" + rows.reversed().map { "\($0.group),\($0.value)\n" }.joined())
    #expect(try gen(["stats", reversed, "--group-by", "group", "--to", "csv"]).stdout == one.stdout)
    let two = try gen(arguments + ["--threads", "2"], splitOffsets: [StatsSpillTests.middleLineStart("group,v\n" + body)])
    #expect(two.stdout == one.stdout)
    var partials: [String] = []
    for (index, part) in [rows[..<2_500], rows[2_500...]].enumerated() {
      let file = try dir.file("part\(index).csv", "group,v\n" + part.map { "\($0.group),\($0.value)\n" }.joined())
      partials.append(try dir.file("p\(index).jsonl", try gen(["stats", file, "--group-by", "group", "--partial"]).stdout))
    }
    #expect(try gen(["stats", "--merge", "--to", "csv"] + partials).stdout == one.stdout)
    let spilled = try gen(arguments + ["--memory-limit", "4KiB"], temporaryDirectory: dir.path)
    #expect(spilled.stderr.contains("--memory-limit"))
    #expect(spilled.stdout == one.stdout)
  }

  /// Numbers in the table are Python's repr: plain digits up to below 1e16
  /// (where Swift's description writes an exponent from 2^53 up).
  @Test func tableNumbersAreReprs() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("big.csv", "v,w\n9774790497981190,1e16\n9007199254740994,2.5e-05\n")
    let run = try gen(["stats", csv, "--to", "csv"])
    // (w: 1e16 has no plain-decimal text, so w's sum is the binary one, math.fsum's.)
    let python = try shell(
      "python3 -c 'import math\ns = math.fsum([1e16, 2.5e-05])\nprint(f\"w,2,{s!r},{s / 2!r},{2.5e-05!r},{1e16!r},0\")'")
    try #require(python.status == 0, "python3 must be installed to run this test: \(python.stderr)")
    #expect(
      run.stdout == "column,count,sum,mean,min,max,non_numeric\n"
        + "v,2,18781989752722184,9390994876361092.0,9007199254740994.0,9774790497981190.0,0\n" + python.stdout)
  }

  @Test func parsesOnlyPlainDecimals() {
    #expect(DecimalSum.parse("-12.50")! == (-1250, 2))
    #expect(DecimalSum.parse("7")! == (7, 0))
    #expect(DecimalSum.parse(".5")! == (5, 1))
    for text in ["1e3", "inf", "1.2.3", "", "-", ".", " 5", "0x10", "1234567890123456789"] {
      #expect(DecimalSum.parse(text) == nil, "\(text)")
    }
    var sum = DecimalSum()
    #expect(sum.add(mantissa: 150, scale: 2) && sum.add(mantissa: -3, scale: 0))
    #expect(sum.text == "-1.50")
    #expect(DecimalSum(text: "-1.50") == sum)
    #expect(DecimalSum(text: "1.") == nil && DecimalSum(text: "x") == nil)
  }
}

@Suite struct ManyGroupsTests {
  /// Memory grows with the groups up to --memory-limit (1 GiB unless
  /// given), which 100,000 small groups do not reach; past it, stats says
  /// that it spilled them to disk.
  @Test func manyGroupsAreReported() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("ids.csv", "id,n\n" + (0..<100_000).map { "u\($0),\($0 % 10)\n" }.joined())
    let run = try gen(["stats", csv, "--group-by", "id", "--to", "csv"])
    #expect(run.status == 0)
    #expect(run.stdout.split(separator: "\n").count == 100_001)
    #expect(run.stderr.isEmpty)
    let spilled = try gen(["stats", csv, "--group-by", "id", "--to", "csv", "--memory-limit", "4MiB"], temporaryDirectory: dir.path)
    #expect(spilled.stdout == run.stdout)
    #expect(spilled.stderr.contains("gen: the groups passed --memory-limit 4 MiB: stats wrote "), "\(spilled.stderr)")
    #expect(spilled.stderr.contains("merged them into 100,000 groups (peak "), "\(spilled.stderr)")
  }
}
