// Benchmarks of the StreamIO readers on the tutorial's sales.csv (1M rows,
// 27 MB, generated once in $TMPDIR), importing StreamIO from another module
// as a user does. Run from Benchmarks/:
//   swift package --allow-writing-to-package-directory benchmark --target StreamIOBenchmarks
// Each iteration reads the whole file. Besides time and throughput, the
// malloc count shows that no record or line allocates when records are not
// kept (a few allocations per file, for the reader), and peak resident memory
// that nothing grows; keeping every record shows what keeping costs.
import Benchmark
import BenchmarkSupport
import StreamIO

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
    warmupIterations: 1,
    maxDuration: .seconds(5),
    maxIterations: 10)

  let path = salesCSV(rows: 1_000_000)

  Benchmark("LineReader: every line of the sales file") { benchmark in
    for _ in benchmark.scaledIterations {
      let reader = try LineReader(path: path)
      var bytes = 0
      while let line = try reader.next() { bytes &+= line.bytes.count }
      blackHole(bytes)
    }
  }

  Benchmark("LineReader: every line, lent (forEachLine)") { benchmark in
    for _ in benchmark.scaledIterations {
      var bytes = 0
      try LineReader(path: path).forEachLine { line in bytes &+= line.bytes.count }
      blackHole(bytes)
    }
  }

  Benchmark("CSVReader: every record, fields located") { benchmark in
    for _ in benchmark.scaledIterations {
      let reader = try CSVReader(path: path)
      var fields = 0
      while let record = try reader.next() { fields &+= record.count &+ record.field(0).count }
      blackHole(fields)
    }
  }

  // Keeping every record keeps the blocks of input they lie in: one
  // allocation per 64 KiB block, memory as large as the file.
  Benchmark("CSVReader: every record kept (Array(reader))") { benchmark in
    for _ in benchmark.scaledIterations { blackHole(Array(try CSVReader(path: path)).count) }
  }

  Benchmark("Sales pipeline: three Generator stages (the tutorial's form)") { benchmark in
    for _ in benchmark.scaledIterations { blackHole(try threeStages(path)) }
  }

  Benchmark("Sales pipeline: one Generator + lazy filter/map") { benchmark in
    for _ in benchmark.scaledIterations { blackHole(try lazyStages(path)) }
  }

  Benchmark("Sales pipeline: CSVReader in a plain loop") { benchmark in
    for _ in benchmark.scaledIterations { blackHole(try plainLoop(path)) }
  }

  Benchmark("Sales pipeline: CSVReader, records lent (forEachRecord)") { benchmark in
    for _ in benchmark.scaledIterations { blackHole(try lentLoop(path)) }
  }
}
