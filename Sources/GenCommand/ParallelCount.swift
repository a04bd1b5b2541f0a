import Dispatch
import StreamIO

/// `count --threads N` on a file: the ranges of ``ParallelStats/starts(_:options:threads:environment:)``
/// (verified record starts for CSV, line starts for JSON Lines and lines),
/// each counted on its own thread, the counts added up.
///
/// As for `stats`, a range that does not end exactly where the next one
/// starts, or that meets bad data, makes it nil: the caller counts on one
/// thread, which gives the one-thread answer or error, with its line numbers.
enum ParallelCount {
  static func run(_ stream: RecordStream, starts: [Int], maxLineLength: Int, environment: GenEnvironment) -> Int? {
    let results = Slots<(count: Int, endedAtStop: Bool)>(count: starts.count)
    stream.stop(at: starts[1])
    // The first range's stream is used by its thread only; the environment is only read.
    let shared = Unshared((stream, environment))
    DispatchQueue.concurrentPerform(iterations: starts.count) { index in
      let (stream, environment) = shared.value
      do {
        let range = try stream.range(index, of: starts, maxLineLength: maxLineLength, environment: environment)
        let count = try range.countRemaining()
        results.set(index, (count, range.endedAtStop))
      } catch {
        results.set(index, nil)
      }
    }
    var total = 0
    for (index, result) in results.values.enumerated() {
      guard let result, result.endedAtStop || index == starts.count - 1 else { return nil }
      total += result.count
    }
    return total
  }
}
