// Plain timings of the core generator operations, as medians over several
// runs, printed one per line as `name<TAB>value<TAB>unit`. The Python
// comparison script (compare-python.sh) runs this and CPython in one go.
// Built in release from a separate module, as a user's code would be.
import BenchmarkSupport
import Generators

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func now() -> UInt64 { monotonicNanoseconds() }

/// Median nanoseconds per unit of work over `runs` runs.
func measure(runs: Int = 7, units: Int, _ body: () throws -> Int) rethrows -> Double {
  var samples: [Double] = []
  var sink = 0
  for _ in 0..<runs {
    let start = now()
    sink &+= try body()
    samples.append(Double(now() - start) / Double(units))
  }
  if sink == 42 { print("") }  // keeps the work observable
  samples.sort()
  return samples[samples.count / 2]
}

/// `generator-timings [FILTER]` runs only the timings whose name contains FILTER.
let filter = CommandLine.arguments.dropFirst().first

func wanted(_ name: String) -> Bool { filter.map { name.contains($0) } ?? true }

func report(_ name: String, _ value: @autoclosure () throws -> Double, _ unit: String) rethrows {
  guard wanted(name) else { return }
  let value = try value()
  print("\(name)\t\((value * 100).rounded() / 100)\t\(unit)")
}

let n = 10_000_000

try report("baseline_loop_ns", measure(units: n) {
  var sum = 0
  for i in 0..<n { sum &+= i }
  return sum
}, "ns/element")

try report("yield_for_in_ns", measure(units: n) {
  var sum = 0
  for x in range(n) { sum &+= x }
  return sum
}, "ns/element")

try report("yield_next_ns", try measure(units: n) {
  var sum = 0
  let g = range(n)
  while let x = try g.next() { sum &+= x }
  return sum
}, "ns/element")

let creations = 1_000_000
try report("create_first_destroy_ns", try measure(units: creations) {
  var sum = 0
  for i in 0..<creations {
    let g = Generator<Int> { co in try co.yield(i) }
    sum &+= try g.next()!
  }
  return sum
}, "ns/generator")

if wanted("resident") {
  let count = 20_000
  let before = residentBytes()
  let generators = try suspendedGenerators(count)
  // Read while they are certainly alive: Swift may end a lifetime at its last use.
  let after = withExtendedLifetime(generators) { residentBytes() }
  report("resident_per_suspended_generator_kib", Double(after - before) / Double(count) / 1024, "KiB")
}

for depth in [1, 10, 100, 1000] {
  let elements = 2_000_000
  try report("yield_from_depth_\(depth)_ns", try measure(units: elements) {
    var sum = 0
    let g = nested(depth, elements)
    while let x = try g.next() { sum &+= x }
    return sum
  }, "ns/element")
}

// Where creation time goes: each step of create + first value + destroy alone.
try report("create_destroy_unstarted_ns", try measure(units: creations) {
  var sum = 0
  for i in 0..<creations {
    let g = Generator<Int> { co in try co.yield(i) }
    sum &+= g.state == .created ? 1 : 0
  }
  return sum
}, "ns/generator")

try report("create_run_to_end_ns", try measure(units: creations) {
  var sum = 0
  for i in 0..<creations {
    let g = Generator<Int> { _ in sum &+= i }
    _ = try g.next()
  }
  return sum
}, "ns/generator")

try report("create_exhaust_one_value_ns", try measure(units: creations) {
  var sum = 0
  for i in 0..<creations {
    let g = Generator<Int> { co in try co.yield(i) }
    sum &+= try g.next()!
    _ = try g.next()
  }
  return sum
}, "ns/generator")

// batched and windowed against the loops one would write by hand (issue 4:
// within 1.5× per element).
let streamLength = 10_000_000
try report("batched_64_ns", measure(units: streamLength) {
  var sum = 0
  for batch in (0..<streamLength).batched(64) { sum &+= batch[batch.count - 1] }
  return sum
}, "ns/element")
try report("hand_written_batches_64_ns", measure(units: streamLength) {
  var sum = 0
  var batch: [Int] = []
  batch.reserveCapacity(64)
  for i in 0..<streamLength {
    batch.append(i)
    if batch.count == 64 {
      sum &+= batch[63]
      batch = []
      batch.reserveCapacity(64)
    }
  }
  if !batch.isEmpty { sum &+= batch[batch.count - 1] }
  return sum
}, "ns/element")
try report("windowed_4_ns", measure(units: streamLength) {
  var sum = 0
  for window in (0..<streamLength).windowed(4) { sum &+= window[3] }
  return sum
}, "ns/element")
try report("hand_written_windows_4_ns", measure(units: streamLength) {
  var sum = 0
  var window: [Int] = []
  window.reserveCapacity(4)
  for i in 0..<streamLength {
    if window.count == 4 { window.removeFirst() }
    window.append(i)
    if window.count == 4 { sum &+= window[3] }
  }
  return sum
}, "ns/element")

// progress(): the per-element cost of counting, against the same loop without it.
// Silent: the same counting and clock reads, without the drawing.
if wanted("progress") {
  let plain = measure(units: n) {
    var sum = 0
    for x in range(n) { sum &+= x }
    return sum
  }
  let counted = measure(units: n) {
    var sum = 0
    for x in range(n).progress(total: n, output: .silent) { sum &+= x }
    return sum
  }
  let plainArray = measure(units: n) {
    var sum = 0
    for x in 0..<n { sum &+= x; if x & 0xFFFFF == 0 { sum &+= 1 } }
    return sum
  }
  let countedArray = measure(units: n) {
    var sum = 0
    for x in (0..<n).progress(total: n, output: .silent) {
      sum &+= x; if x & 0xFFFFF == 0 { sum &+= 1 }
    }
    return sum
  }
  report("progress_overhead_generator_ns", counted - plain, "ns/element")
  report("progress_overhead_range_ns", countedArray - plainArray, "ns/element")
}
