// Per-element cost of handing values from an async producer to a consumer, in
// one run, as medians: AsyncGenerator unbuffered and buffered(64), AsyncStream
// (unbounded buffer, its default) and swift-async-algorithms' AsyncChannel
// (back-pressure, like ours). The work is the same everywhere: yield 0..<n,
// sum on the consuming side. Printed as `name<TAB>ns/element`, then the ratios.
import AsyncAlgorithms
import BenchmarkSupport
import Generators

func median(runs: Int, units: Int, _ body: () async throws -> Int) async rethrows -> Double {
  var samples: [Double] = []
  var sink = 0
  for _ in 0..<runs {
    let start = monotonicNanoseconds()
    sink &+= try await body()
    samples.append(Double(monotonicNanoseconds() - start) / Double(units))
  }
  if sink == 42 { print("") }
  samples.sort()
  return samples[samples.count / 2]
}

func numbers(_ n: Int) -> AsyncGenerator<Int> {
  AsyncGenerator { co in
    for i in 0..<n { try await co.yield(i) }
  }
}

func sumAsyncGenerator(_ n: Int) async throws -> Int {
  var sum = 0
  for try await x in numbers(n) { sum &+= x }
  return sum
}

func sumBuffered(_ n: Int) async throws -> Int {
  var sum = 0
  for try await x in numbers(n).buffered(64) { sum &+= x }
  return sum
}

func sumAsyncStream(_ n: Int) async -> Int {
  let (stream, continuation) = AsyncStream<Int>.makeStream()
  let producer = Task {
    for i in 0..<n { continuation.yield(i) }
    continuation.finish()
  }
  var sum = 0
  for await x in stream { sum &+= x }
  await producer.value
  return sum
}

func sumAsyncChannel(_ n: Int) async -> Int {
  let channel = AsyncChannel<Int>()
  let producer = Task {
    for i in 0..<n { await channel.send(i) }
    channel.finish()
  }
  var sum = 0
  for await x in channel { sum &+= x }
  await producer.value
  return sum
}

func sumSyncGeneratorAsync(_ n: Int) async throws -> Int {
  var sum = 0
  for try await x in range(n) { sum &+= x }
  return sum
}

let scale = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1_000_000
let only = CommandLine.arguments.dropFirst(2).first  // run only the timings whose name contains this
let runs = 5

func timing(_ name: String, _ body: () async throws -> Double) async rethrows -> (String, Double)? {
  if let only, !name.contains(only) { return nil }
  return (name, try await body())
}

// Run from a task that is not the main actor's, as a server's handler would.
let results = try await Task.detached { () async throws -> [(String, Double)] in
  [
    try await timing("async_generator_unbuffered") {
      try await median(runs: runs, units: scale) { try await sumAsyncGenerator(scale) }
    },
    try await timing("async_generator_buffered64") {
      try await median(runs: runs, units: scale) { try await sumBuffered(scale) }
    },
    await timing("async_stream") { await median(runs: runs, units: scale) { await sumAsyncStream(scale) } },
    await timing("async_channel") {
      await median(runs: runs, units: scale / 5) { await sumAsyncChannel(scale / 5) }
    },
    try await timing("sync_generator_for_try_await") {
      try await median(runs: runs, units: scale) { try await sumSyncGeneratorAsync(scale) }
    },
  ].compactMap { $0 }
}.value

for (name, value) in results { print("\(name)\t\((value * 10).rounded() / 10)\tns/element") }
let table = Dictionary(uniqueKeysWithValues: results)
func ratio(_ a: String, _ b: String) -> String { "\((table[b]! / table[a]! * 10).rounded() / 10)" }
if only == nil {
print("AsyncStream / AsyncGenerator unbuffered\t\(ratio("async_generator_unbuffered", "async_stream"))x")
print("AsyncChannel / AsyncGenerator unbuffered\t\(ratio("async_generator_unbuffered", "async_channel"))x")
print("AsyncStream / AsyncGenerator buffered(64)\t\(ratio("async_generator_buffered64", "async_stream"))x")
}
