// `stats` with NaN values: NaN sorts above +inf, as DuckDB's and polars'
// ORDER BY put it, so a column's max is nan once it has one, its min only
// when every number is nan, and a percentile is nan when its rank falls
// among them. Checked against that ordering worked out here, and the same
// table from two threads, from partials merged, and after a spill.
import Foundation
@testable import GenCommand
import Testing

@Suite struct StatsNaNTests {
  /// Groups whose values are: all nan, nan among numbers, ±inf with nan, no nan.
  static func rows(seed: UInt64 = 11) -> [(group: String, value: String)] {
    var state = seed
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    let kinds: [[String]] = [
      ["nan", "NaN", "-nan"], ["nan", "3", "-2.5", "7"], ["inf", "nan", "-inf"], ["1", "2.25", "-3"], ["nan", "", "x"],
    ]
    return (0..<3_000).map { _ in
      let group = next(40)
      return ("g\(group)", kinds[group % kinds.count][next(kinds[group % kinds.count].count)])
    }
  }

  /// A Double as stats writes it in CSV (Python's repr; NaN and ±Infinity as JSON Lines has them).
  static func text(_ value: Double) -> String {
    value.isNaN ? "NaN" : value == .infinity ? "Infinity" : value == -.infinity ? "-Infinity" : "\(value)"
  }

  /// Per group: count, min, max and the values at ranks p0, p50, p100, NaN last.
  static func expected(_ rows: [(group: String, value: String)]) -> [String: (count: Int, min: Double, max: Double, ranks: [Double])] {
    var numbers: [String: [Double]] = [:]
    for row in rows { numbers[row.group, default: []] += Double(row.value).map { [$0] } ?? [] }
    return numbers.filter { !$0.value.isEmpty }.mapValues { values in
      let sorted = values.filter { !$0.isNaN }.sorted() + values.filter(\.isNaN)
      let ranks = [0.0, 50, 100].map { sorted[QuantileSketch.rank(percent: $0, count: sorted.count)] }
      return (values.count, sorted.first!, sorted.last!, ranks)
    }
  }

  @Test func nanSortsAboveInfinityInEveryWayTheTableIsMade() throws {
    let dir = try TemporaryDirectory()
    let rows = Self.rows()
    let body = rows.map { "\($0.group),\($0.value)\n" }.joined()
    let path = try dir.file("nan.csv", "group,v\n" + body)
    let arguments = ["stats", path, "--group-by", "group", "--to", "csv", "--percentiles", "0,50,100"]
    let one = try gen(arguments)
    #expect(one.status == 0, "\(one.stderr)")

    // Against the ordering: min, max, count exactly; percentiles nan exactly, else within 1%.
    let expected = Self.expected(rows)
    var seen = 0
    for line in one.stdout.split(separator: "\n").dropFirst() {
      let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard let want = expected[cells[0]] else { continue }
      seen += 1
      #expect(Int(cells[2]) == want.count, "\(line)")
      #expect(cells[5] == Self.text(want.min) && cells[6] == Self.text(want.max), "\(line)")
      for (cell, rank) in zip(cells[7...9], want.ranks) {
        if rank.isNaN || rank.isInfinite {
          #expect(cell == Self.text(rank), "\(line)")
        } else {
          #expect(abs(Double(cell)! - rank) <= 0.01 * abs(rank), "\(line)")
        }
      }
    }
    #expect(seen == expected.count && seen == 40)  // (every group has a number, nan at least)
    #expect(one.stdout.contains(",NaN,NaN,NaN,NaN,NaN,NaN,NaN,0\n"))  // an all-nan group, whole

    // The same table: two threads, partials of two halves merged, and spilled.
    let middle = StatsSpillTests.middleLineStart("group,v\n" + body)
    let two = try gen(arguments + ["--threads", "2"], splitOffsets: [middle])
    #expect(two.stdout == one.stdout)
    let half = rows.count / 2
    let first = try dir.file("a.csv", "group,v\n" + rows[..<half].map { "\($0.group),\($0.value)\n" }.joined())
    let second = try dir.file("b.csv", "group,v\n" + rows[half...].map { "\($0.group),\($0.value)\n" }.joined())
    var partials: [String] = []
    for (index, part) in [first, second].enumerated() {
      let partial = try gen(["stats", part, "--group-by", "group", "--partial", "--percentiles", "0,50,100"])
      #expect(partial.status == 0, "\(partial.stderr)")
      partials.append(try dir.file("p\(index).jsonl", partial.stdout))
    }
    let merged = try gen(["stats", "--merge"] + partials + ["--to", "csv", "--percentiles", "0,50,100"])
    #expect(merged.stdout == one.stdout, "\(merged.stderr)")
    let spilled = try gen(arguments + ["--memory-limit", "2KiB"], temporaryDirectory: dir.path)
    #expect(spilled.stderr.contains("--memory-limit"))
    #expect(spilled.stdout == one.stdout)
  }

  /// A NaN does not unbound the percentiles: they stay within the numbers' min and max.
  @Test func percentilesStayWithinTheNumbers() throws {
    let run = try gen(
      ["stats", "--format", "csv", "--to", "csv", "--percentiles", "0,50,100"], stdin: "v,w\n5,1e18\n5,1e18\nnan,nan\n")
    #expect(run.status == 0, "\(run.stderr)")
    // Sorted: 5, 5, nan (and 1e18, 1e18, nan): p0 and p50 are the number itself, p100 nan.
    let rows = try CSVRows(run.stdout)
    #expect(rows[1][4...8] == ["5.0", "NaN", "5.0", "5.0", "NaN"], "\(rows[1])")
    #expect(rows[2][4...8] == ["1e+18", "NaN", "1e+18", "1e+18", "NaN"], "\(rows[2])")
  }
}
