// The tutorial's pipeline on the tutorial's workload, written with our
// generators and CSV reader:
//   read_sales → filter_international → calculate_totals → sum
// Usage: sales-pipeline ROWS [--write-only] [--only generators|lazy|loop]
// Writes sales-ROWS.csv in $TMPDIR once (BenchmarkSupport's salesCSV: the
// tutorial's columns, about 2% of names quoted with a comma inside, US about
// 40%), reads it once to warm the page cache, then prints MB/s (median of 5
// runs) and the process's peak resident memory.
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
let path = salesCSV(rows: rows)
if writeOnly {
  print(path)
  exit(0)
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

// `--only generators|lazy|loop|lent` runs one form (for a profiler).
let only = CommandLine.arguments.firstIndex(of: "--only").map { CommandLine.arguments[$0 + 1] }
let forms: [(name: String, key: String, run: () throws -> Double)] = [
  ("generators", "mb_per_s", { try threeStages(path) }),
  ("lazy", "lazy_mb_per_s", { try lazyStages(path) }),
  ("loop", "plain_loop_mb_per_s", { try plainLoop(path) }),
  ("lent", "lent_loop_mb_per_s", { try lentLoop(path) }),
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
