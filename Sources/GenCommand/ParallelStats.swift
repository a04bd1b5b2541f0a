import Dispatch
import StreamIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `stats --threads N` on a CSV file: the file split into N byte ranges at
/// probable record starts (``CSVSplit``), each range summed on its own
/// thread, the totals combined in file order. Sums are exact (ExactSum), so
/// the table is the one-thread table byte for byte.
///
/// Each range's reader verifies the split after it: its rows must end
/// exactly where the next range starts. If one does not (the split fell
/// inside a quoted field and both readings looked plausible), or any range
/// meets bad data, nil is returned and the caller reads the file on one
/// thread, which gives the one-thread answer or error, with its line numbers.
enum ParallelStats {
  /// How many threads to use by default: the machine's cores.
  static var cores: Int { Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

  /// Below this size one thread is as fast: starting threads and readers costs more.
  static let minimumBytes = 8 << 20

  /// The ranges' starts for `stream` (its header read), or nil when the input
  /// cannot be split: standard input, a URL, gzip, a small file, one thread.
  static func starts(
    _ stream: RecordStream, options: InputOptions, threads: Int, environment: GenEnvironment
  ) throws -> [Int]? {
    if let offsets = environment.splitOffsets { return [0] + offsets }
    guard threads > 1, options.input != "-", !options.skipBad, !Companion.isURL(options.input),
      let size = RecordStream.fileSize(options.input), size >= minimumBytes, !isGzip(options.input)
    else { return nil }
    if stream.format != .csv {  // JSON Lines and plain lines: every line break ends a record
      let starts = try LineSplit.starts(path: options.input, count: threads)
      return starts.count > 1 ? starts : nil
    }
    let starts = try CSVSplit.starts(
      path: options.input, count: threads, firstRecord: 0, dialect: stream.dialect, columns: stream.header?.count)
    return starts.count > 1 ? starts : nil
  }

  static func isGzip(_ path: String) -> Bool {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var magic: [UInt8] = [0, 0]
    return read(fd, &magic, 2) == 2 && magic == [0x1F, 0x8B]
  }

  /// The combined totals and expressions, or nil: read on one thread instead.
  static func run(
    _ stream: RecordStream, starts: [Int], groupBy: String?, expressions: StatsExpressions, sketching: StatsSketching,
    memory: StatsMemory, maxLineLength: Int, environment: GenEnvironment
  ) -> (StatsTotals, StatsExpressions)? {
    let results = Slots<(StatsTotals, StatsExpressions, Bool)>(count: starts.count)
    stream.stop(at: starts[1])
    // The first range's stream is used by its thread only; the environment
    // is only read (no range writes to stderr: no progress, names already
    // unique); the expressions are not compiled yet, each range compiles its own.
    let shared = Unshared((stream, environment, expressions))
    DispatchQueue.concurrentPerform(iterations: starts.count) { index in
      let (stream, environment, expressions) = shared.value
      do {
        let range = try stream.range(index, of: starts, maxLineLength: maxLineLength, environment: environment)
        var totals = StatsTotals()
        totals.sketching = sketching
        totals.spill = memory.spill(parts: starts.count)  // (each range spills on its own)
        var own = expressions
        totals.records = try totals.addCSV(range, groupBy: groupBy, expressions: &own)
        results.set(index, (totals, own, range.endedAtStop))
      } catch {
        results.set(index, nil)
      }
    }
    var combined: (StatsTotals, StatsExpressions)?
    for (index, result) in results.values.enumerated() {
      // Every range but the last must end exactly where the next one starts.
      guard let (totals, own, endedAtStop) = result, endedAtStop || index == starts.count - 1 else { return nil }
      if combined == nil {
        combined = (totals, own)
      } else {
        combined!.0.merge(totals)
        combined!.1.absorb(own)
      }
    }
    return combined
  }

  /// JSON Lines: the ranges' totals and expressions combined, or nil: read
  /// on one thread instead. The first range's first record (`first`) is
  /// already read, and `expressions` compiled against its keys (each other
  /// range compiles its own, against the same keys).
  static func runJSONLines(
    _ stream: RecordStream, starts: [Int], first: Record, groupBy: String?, expressions: StatsExpressions,
    sketching: StatsSketching, memory: StatsMemory, maxLineLength: Int, environment: GenEnvironment
  ) -> (StatsTotals, StatsExpressions)? {
    let results = Slots<(StatsTotals, StatsExpressions, Bool, RepeatedKeyNote)>(count: starts.count)
    stream.stop(at: starts[1])
    // As in run(…): the first range's stream is its thread's only, the environment only read.
    let shared = Unshared((stream, environment, first, expressions))
    let columns = stream.columns
    DispatchQueue.concurrentPerform(iterations: starts.count) { index in
      let (stream, environment, first, expressions) = shared.value
      do {
        let range = try stream.range(index, of: starts, maxLineLength: maxLineLength, environment: environment)
        var totals = StatsTotals()
        totals.sketching = sketching
        totals.spill = memory.spill(parts: starts.count)  // (each range spills on its own)
        var own = expressions
        if index > 0 {
          own = StatsExpressions(conditions: expressions.conditionTexts, assignments: expressions.assignmentTexts)
          try own.compile(columns: columns)
        }
        if let record = index == 0 ? first : try range.next() {
          totals.records = try totals.addJSONLines(range, first: record, groupBy: groupBy, expressions: own)
        }
        results.set(index, (totals, own, range.endedAtStop, range.repeatedKeys))
      } catch {
        results.set(index, nil)
      }
    }
    var combined: (StatsTotals, StatsExpressions)?
    var repeatedKeys = RepeatedKeyNote()
    for (index, result) in results.values.enumerated() {
      guard let (totals, own, endedAtStop, repeated) = result, endedAtStop || index == starts.count - 1 else { return nil }
      if index > 0 { repeatedKeys.add(repeated) }  // (the first range's stream is `stream`)
      if combined == nil {
        combined = (totals, own)
      } else {
        combined!.0.merge(totals)
        combined!.1.absorb(own)
      }
    }
    stream.addRepeatedKeys(repeatedKeys)
    return combined
  }
}
