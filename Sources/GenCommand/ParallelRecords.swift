import Dispatch
import Generators
import StreamIO
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `filter`, `select`, `convert` and `derive` with `--threads N` on a CSV or
/// JSON Lines file: the ranges of ``ParallelStats`` (verified record starts), each
/// read on its own thread into its own temporary file, which is unlinked at
/// once (so nothing is left behind, whatever happens); when every range has
/// ended exactly where the next one starts and none met bad data, the files
/// are copied to the output in order. Otherwise nothing has been written and
/// the caller reads the file on one thread, which gives the one-thread
/// output or error exactly.
///
/// With `--output FILE` (written atomically, to a temporary file only this
/// process writes), the first range writes to it directly, and no temporary
/// file of ours holds its part; if the ranges fail, what it wrote is cut off
/// again (``OutputSink/rewind(to:)``), so nothing has been written then
/// either. Standard output, even sent to a file, is never cut back: another
/// process may share it.
///
/// Memory stays constant; the later ranges' output waits on disk (as much as
/// their share of the output) until all are done.
enum ParallelRecords {
  /// What one range gave: its summary for the report, and its ragged rows.
  struct Range<Summary> {
    var summary: Summary
    var raggedRows: Int
  }

  /// Runs `body(rangeStream, rangeSink, index)` over every range, then
  /// copies the ranges' output to `output` in order. Nil: nothing written.
  static func run<Summary>(
    _ stream: RecordStream, starts: [Int], maxLineLength: Int, environment: GenEnvironment, output: OutputSink,
    body: @escaping (RecordStream, OutputSink, Int) throws -> Summary
  ) throws -> [Range<Summary>]? {
    // The first range straight to the output, where it can be cut back.
    let direct = try output.rewindableOffset()
    var files: [Int32] = []
    defer { for fd in files where fd >= 0 { close(fd) } }
    for index in starts.indices {
      if index == 0 && direct != nil {
        files.append(-1)
        continue
      }
      var template = Array((Self.temporaryDirectory + "/gen-range-XXXXXX").utf8CString)
      let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
      guard fd >= 0 else { return nil }  // no temporary space: one thread
      template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
      files.append(fd)
    }
    let results = Slots<Range<Summary>>(count: starts.count)
    stream.stop(at: starts[1])
    // The first range's stream is used by its thread only; the environment
    // is only read (ranges write nothing to stderr: the body returns what to report).
    // (The output is used by the first range's thread only, while this one waits.)
    let job = RangeJob(stream: stream, environment: environment, files: files, output: output, body: body)
    DispatchQueue.concurrentPerform(iterations: starts.count) { index in
      let stream = job.stream, environment = job.environment, files = job.files, body = job.body
      do {
        let range = try stream.range(index, of: starts, maxLineLength: maxLineLength, environment: environment)
        let sink =
          files[index] < 0
          ? job.output
          : OutputSink(descriptor: FileDescriptor(rawValue: files[index]), name: "a temporary file", closeWhenDone: false)
        let summary = try body(range, sink, index)
        try sink.flush()
        guard range.endedAtStop || index == starts.count - 1 else { return }
        results.set(index, Range(summary: summary, raggedRows: range.raggedRows))
      } catch {
        // Bad data, or a range read from a wrong start: one thread will tell.
      }
    }
    let ranges = results.values.compactMap { $0 }
    guard ranges.count == starts.count else {
      if let direct { try output.rewind(to: direct) }
      return nil
    }
    // All good: the output, in order.
    for fd in files where fd >= 0 {
      guard lseek(fd, 0, SEEK_SET) == 0 else { throw StreamIOError(.io, "cannot reread a temporary file", path: "") }
      try output.append(contentsOf: FileDescriptor(rawValue: fd))
    }
    return ranges
  }

  static var temporaryDirectory: String {
    if let directory = getenv("TMPDIR"), directory.pointee != 0 { return String(cString: directory) }
    return "/tmp"
  }
}

/// What every range thread reads (see the comment at its use).
private final class RangeJob<Summary>: @unchecked Sendable {
  let stream: RecordStream
  let environment: GenEnvironment
  /// Per range: its temporary file's descriptor; -1: it writes to `output`.
  let files: [Int32]
  let output: OutputSink
  let body: (RecordStream, OutputSink, Int) throws -> Summary
  init(
    stream: RecordStream, environment: GenEnvironment, files: [Int32], output: OutputSink,
    body: @escaping (RecordStream, OutputSink, Int) throws -> Summary
  ) {
    self.stream = stream
    self.environment = environment
    self.files = files
    self.output = output
    self.body = body
  }
}

/// One slot per range, each written by its own thread.
final class Slots<Value>: @unchecked Sendable {
  private(set) var values: [Value?]
  private let lock = LockedState(())
  init(count: Int) { values = Array(repeating: nil, count: count) }
  func set(_ index: Int, _ value: Value?) {
    lock.withLock { _ in values[index] = value }
  }
}

/// Values handed to the range threads as the comment at their use explains.
struct Unshared<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
