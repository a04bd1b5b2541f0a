// The tutorial's pipeline on the tutorial's workload, written with our
// generators and CSV reader:
//   read_sales → filter_international → calculate_totals → sum
// Usage: sales-pipeline ROWS [--write-only]
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

var total = 0.0
var samples: [Double] = []
for run in 0..<6 {
  let start = now()
  var sum = 0.0
  let pipeline = calculateTotals(filterInternational(readSales(path)))
  while let value = try pipeline.next() { sum += value }
  let seconds = now() - start
  if run > 0 { samples.append(megabytes / seconds) }  // the first run warms the page cache
  total = sum
}
samples.sort()
var loopSamples: [Double] = []
for _ in 0..<5 {
  let start = now()
  let loopTotal = try plainLoop(path)
  precondition(loopTotal == total, "the plain loop must compute the same total")
  loopSamples.append(megabytes / (now() - start))
}
loopSamples.sort()
var lazySamples: [Double] = []
for _ in 0..<5 {
  let start = now()
  let lazyTotal = try lazyStages(path)
  precondition(lazyTotal == total, "the lazy pipeline must compute the same total")
  lazySamples.append(megabytes / (now() - start))
}
lazySamples.sort()
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
print("rows\t\(rows)")
print("megabytes\t\((megabytes * 10).rounded() / 10)")
print("total\t\(total)")
print("mb_per_s\t\((samples[samples.count / 2]).rounded())")
print("lazy_mb_per_s\t\((lazySamples[lazySamples.count / 2]).rounded())")
print("plain_loop_mb_per_s\t\((loopSamples[loopSamples.count / 2]).rounded())")
print("peak_rss_mib\t\((Double(usage.ru_maxrss) / 1024 * 10).rounded() / 10)")
