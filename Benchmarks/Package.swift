// swift-tools-version: 6.1
// Benchmarks for swift-generators, in their own package so that the library's
// users never build ordo-one/benchmark. Run from this folder:
//   swift package --allow-writing-to-package-directory benchmark   (GeneratorBenchmarks, StreamIOBenchmarks)
//   swift run -c release generator-timings          (plain medians, used by compare-python.sh)
//   swift run -c release async-timings              (AsyncGenerator vs AsyncStream and AsyncChannel)
//   swift run -c release streamio-timings           (lines and CSV, GB/s)
//   swift run -c release sales-pipeline 10000000    (the tutorial's pipeline, MB/s; compare-sales.sh runs it)
import PackageDescription

let package = Package(
  name: "Benchmarks",
  platforms: [.macOS(.v15)],
  dependencies: [
    .package(name: "swift-generators", path: "../"),
    .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
  ],
  targets: [
    .target(
      name: "BenchmarkSupport",
      dependencies: [
        .product(name: "Generators", package: "swift-generators"),
        .product(name: "StreamIO", package: "swift-generators"),
      ],
      path: "Sources/BenchmarkSupport"
    ),
    .executableTarget(
      name: "GeneratorBenchmarks",
      dependencies: [
        "BenchmarkSupport",
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "Generators", package: "swift-generators"),
      ],
      path: "Benchmarks/GeneratorBenchmarks",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
    .executableTarget(
      name: "StreamIOBenchmarks",
      dependencies: [
        "BenchmarkSupport",
        .product(name: "Benchmark", package: "benchmark"),
        .product(name: "StreamIO", package: "swift-generators"),
      ],
      path: "Benchmarks/StreamIOBenchmarks",
      plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    ),
    .executableTarget(
      name: "generator-timings",
      dependencies: ["BenchmarkSupport", .product(name: "Generators", package: "swift-generators")],
      path: "Sources/GeneratorTimings"
    ),
    .executableTarget(
      name: "async-timings",
      dependencies: [
        "BenchmarkSupport",
        .product(name: "Generators", package: "swift-generators"),
        .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
      ],
      path: "Sources/AsyncTimings"
    ),
    .executableTarget(
      name: "streamio-timings",
      dependencies: ["BenchmarkSupport", .product(name: "StreamIO", package: "swift-generators")],
      path: "Sources/StreamIOTimings"
    ),
    .executableTarget(
      name: "sales-pipeline",
      dependencies: [
        "BenchmarkSupport",
        .product(name: "Generators", package: "swift-generators"),
        .product(name: "StreamIO", package: "swift-generators"),
      ],
      path: "Sources/SalesPipeline"
    ),
  ],
  swiftLanguageModes: [.v6]
)
