// The tutorial's pipeline on the tutorial's workload, written with our
// generators and CSV reader:
//   read_sales → filter_international → calculate_totals → sum
// Usage: sales-pipeline ROWS [--write-only] [--only generators|lazy|loop]
// Writes sales-ROWS.csv in $TMPDIR once (name,country,qty,price; about 2% of
// names quoted with a comma inside; US about 40%), reads it once to warm the
// page cache, then prints MB/s (median of 5 runs) and the process's peak
// resident memory.
import BenchmarkSupport
import Generators
import StreamIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let rows = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000
let writeOnly = CommandLine.arguments.contains("--write-only")
let directory = String(cString: getenv("TMPDIR") ?? strdup("/tmp"))
let path = "\(directory)/sales-v2-\(rows).csv"

func writeSales() {
  guard access(path, R_OK) != 0 else { return }
  let file = fopen(path, "w")!
  defer { fclose(file) }
  fputs("name,country,qty,price\n", file)
  let countries = ["US", "DE", "FR", "JP", "GB", "BR", "IN", "CA", "MX", "AU", "ES", "IT"]
  var seed: UInt64 = 42
  func random(_ n: UInt64) -> Int {
    seed = seed &* 6364136223846793005 &+ 1442695040888963407
    return Int((seed >> 33) % n)
  }
  for row in 0..<rows {
    let name = random(50) == 0 ? "\"Smith, \(row)\"" : "Customer \(row)"
    let country = random(100) < 40 ? "US" : countries[1 + random(11)]
    fputs("\(name),\(country),\(1 + random(20)),\(random(10000) / 100).\(random(100))\n", file)
  }
}

writeSales()
if writeOnly {
  print(path)
  exit(0)
}

// The tutorial's three stages, each a generator.
func readSales(_ path: String) -> Generator<CSVRecord> {
  Generator { co in
    let reader = try CSVReader(path: path)
    while let row = try reader.next() { try co.yield(row) }
  }
}

func filterInternational(_ rows: Generator<CSVRecord>) -> Generator<CSVRecord> {
  Generator { co in
    while let row = try rows.next() {
      if !row.field(1, equals: "US") { try co.yield(row) }
    }
  }
}

func calculateTotals(_ rows: Generator<CSVRecord>) -> Generator<Double> {
  Generator { co in
    while let row = try rows.next() {
      try co.yield(Double(try row[2, as: Int.self]) * (try row[3, as: Double.self]))
    }
  }
}

/// One generator and Swift's lazy operators (Python: a generator expression
/// over `read_sales`), as a middle way.
func lazyStages(_ path: String) throws -> Double {
  var sum = 0.0
  let totals = readSales(path).lazy
    .filter { !$0.field(1, equals: "US") }
    .map { row in Double((try? row[2, as: Int.self]) ?? 0) * ((try? row[3, as: Double.self]) ?? 0) }
  for value in totals { sum += value }
  return sum
}

/// The same work as one loop over the reader, to show what the stages cost.
func plainLoop(_ path: String) throws -> Double {
  let reader = try CSVReader(path: path)
  var sum = 0.0
  while let row = try reader.next() {
    if row.field(1, equals: "US") { continue }
    sum += Double(try row[2, as: Int.self]) * (try row[3, as: Double.self])
  }
  return sum
}

func now() -> Double { monotonicSeconds() }

var info = stat()
stat(path, &info)
let megabytes = Double(info.st_size) / 1e6

/// Runs `body` once to warm the page cache, then `runs` times; the total
/// and the median MB/s.
func measure(runs: Int = 5, _ body: () throws -> Double) rethrows -> (total: Double, mbPerSecond: Double) {
  var total = try body()
  var samples: [Double] = []
  for _ in 0..<runs {
    let start = now()
    total = try body()
    samples.append(megabytes / (now() - start))
  }
  samples.sort()
  return (total, samples[samples.count / 2])
}

/// The tutorial's way: three generators chained.
func threeStages() throws -> Double {
  var sum = 0.0
  let pipeline = calculateTotals(filterInternational(readSales(path)))
  while let value = try pipeline.next() { sum += value }
  return sum
}

// `--only generators|lazy|loop` runs one form (for a profiler).
let only = CommandLine.arguments.firstIndex(of: "--only").map { CommandLine.arguments[$0 + 1] }
let forms: [(name: String, key: String, run: () throws -> Double)] = [
  ("generators", "mb_per_s", threeStages),
  ("lazy", "lazy_mb_per_s", { try lazyStages(path) }),
  ("loop", "plain_loop_mb_per_s", { try plainLoop(path) }),
]
var results: [(key: String, total: Double, mbPerSecond: Double)] = []
for form in forms where only == nil || only == form.name {
  let (total, speed) = try measure(form.run)
  if let first = results.first {
    precondition(total == first.total, "\(form.name) must compute the same total as \(forms[0].name)")
  }
  results.append((form.key, total, speed))
}
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
print("rows\t\(rows)")
print("megabytes\t\((megabytes * 10).rounded() / 10)")
print("total\t\(results[0].total)")
for result in results { print("\(result.key)\t\(result.mbPerSecond.rounded())") }
print("peak_rss_mib\t\((Double(usage.ru_maxrss) / 1024 * 10).rounded() / 10)")
