// Benchmarks of the sync Generator, importing Generators from another module
// as a user does. Run from Benchmarks/:
//   swift package --allow-writing-to-package-directory benchmark --filter Generator
// Scaled benchmarks report time per element (or per generator); compare the
// rows with each other (ratios), not with numbers from another run.
import Benchmark
import BenchmarkSupport
import Generators

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
    "Suspended generators: resident bytes each (10,000 alive)",
    configuration: .init(
      metrics: [.custom("resident bytes per suspended generator", useScalingFactor: false), .peakMemoryResident],
      scalingFactor: .one, maxIterations: 5)
  ) { benchmark in
    let count = 10_000
    let before = residentBytes()
    let generators = try suspendedGenerators(count)
    // Read while they are certainly alive: Swift may end a lifetime at its last use.
    let after = withExtendedLifetime(generators) { residentBytes() }
    benchmark.measurement(
      .custom("resident bytes per suspended generator", useScalingFactor: false),
      (after - before) / count)
  }
}
