// Benchmarks of the sync Generator, importing Generators from another module
// as a user does. Run from Benchmarks/:
//   swift package --allow-writing-to-package-directory benchmark --filter Generator
// Scaled benchmarks report time per element (or per generator); compare the
// rows with each other (ratios), not with numbers from another run.
import Benchmark
import Generators

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func range(_ n: Int) -> Generator<Int> {
  Generator { co in
    var i = 0
    while i < n {
      try co.yield(i)
      i += 1
    }
  }
}

func nested(_ depth: Int, _ n: Int) -> Generator<Int> {
  Generator(stackSize: 64 * 1024) { co in
    if depth == 0 { try co.yield(from: range(n)) } else { try co.yield(from: nested(depth - 1, n)) }
  }
}

/// Resident bytes of this process (Linux /proc; 0 elsewhere).
func residentBytes() -> Int {
  #if os(Linux)
  guard let file = fopen("/proc/self/statm", "r") else { return 0 }
  defer { fclose(file) }
  var buffer = [CChar](repeating: 0, count: 128)
  guard fgets(&buffer, 128, file) != nil else { return 0 }
  let fields = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    .split(separator: " ")
  return (Int(fields.count > 1 ? fields[1] : "0") ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
  #else
  return 0
  #endif
}

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
    warmupIterations: 1,
    scalingFactor: .mega,
    maxDuration: .seconds(3),
    maxIterations: 15)

  Benchmark("Baseline: hand-written loop, per element") { benchmark in
    var sum = 0
    for i in benchmark.scaledIterations { sum &+= i }
    blackHole(sum)
  }

  Benchmark("Generator: for x in g, per element") { benchmark in
    var sum = 0
    for x in range(benchmark.scaledIterations.count) { sum &+= x }
    blackHole(sum)
  }

  Benchmark("Generator: while let x = try g.next(), per element") { benchmark in
    var sum = 0
    let g = range(benchmark.scaledIterations.count)
    while let x = try g.next() { sum &+= x }
    blackHole(sum)
  }

  Benchmark("Coroutine: send, per element") { benchmark in
    let acc = Coroutine<Int, Int, Void> { co in
      var total = 0
      while true { total &+= try co.yield(total) }
    }
    _ = try acc.next()
    for i in benchmark.scaledIterations { blackHole(try acc.send(i)) }
  }

  Benchmark(
    "Generator: create + first value + destroy",
    configuration: .init(scalingFactor: .kilo)
  ) { benchmark in
    for i in benchmark.scaledIterations {
      let g = Generator<Int> { co in try co.yield(i) }
      blackHole(try g.next())
    }
  }

  for depth in [1, 10, 100, 1000] {
    Benchmark("yield(from:) depth \(depth), per element") { benchmark in
      var sum = 0
      let g = nested(depth, benchmark.scaledIterations.count)
      while let x = try g.next() { sum &+= x }
      blackHole(sum)
    }
  }

  Benchmark(
    "Suspended generators: resident KiB each (10,000 alive)",
    configuration: .init(
      metrics: [.custom("resident KiB per suspended generator", useScalingFactor: false), .peakMemoryResident],
      scalingFactor: .one, maxIterations: 5)
  ) { benchmark in
    let count = 10_000
    var generators: [Generator<Int>] = []
    generators.reserveCapacity(count)
    let before = residentBytes()
    for i in 0..<count {
      let g = Generator<Int> { co in
        var local = i
        while true {
          try co.yield(local)
          local &+= 1
        }
      }
      _ = try g.next()
      generators.append(g)
    }
    benchmark.measurement(
      .custom("resident KiB per suspended generator", useScalingFactor: false),
      (residentBytes() - before) / count * 1000 / 1024)  // milli-KiB, as an integer
    generators.removeAll()
    GeneratorRuntime.releasePooledStacks()
  }
}
