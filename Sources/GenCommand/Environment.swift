import StreamIO
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a command reads and writes: the process's standard streams, or, in
/// tests, files and buffers.
public struct GenEnvironment {
  /// Standard output, buffered.
  public var stdout: OutputSink
  /// Diagnostics and progress.
  public var stderr: (String) -> Void
  /// Opens standard input (once, when a command reads `-`).
  public var stdin: () throws(StreamIOError) -> ByteSource
  /// Draw progress bars (only when standard error is a terminal).
  public var stderrIsTerminal: Bool
  /// The Python interpreter `gen bench` compares with; nil to skip it.
  public var python: String?
  /// Whether the verbs read CSV rows (see CSVFastPaths.swift) and `stats`
  /// JSON Lines records (StatsJSONLines.swift) from their bytes, the
  /// default; false sends every record through the general path, which the
  /// tests compare them with.
  public var byteLevel = true
  /// Where `--threads` splits a CSV file (the tests': every offset of an
  /// adversarial file); nil: near even offsets, as ``CSVSplit`` finds them.
  public var splitOffsets: [Int]? = nil
  /// Where `stats` writes the groups past `--memory-limit`; nil: TMPDIR, or /tmp.
  public var temporaryDirectory: String? = nil
  /// Told how many byte ranges `--threads` combined (1: read on one thread
  /// after a split was found wrong), for the tests.
  public var rangesRead: ((Int) -> Void)? = nil
  /// Called on a piece's thread when `--threads` has read the piece (its
  /// index), before its output waits for its turn: a test slows a piece.
  public var pieceRead: (@Sendable (Int) -> Void)? = nil
  /// Told the most pieces that were parked at once (see ParallelRecords), for the tests.
  public var mostParked: ((Int) -> Void)? = nil
  /// Given `gen demo`'s totals (country, orders, total) once its pipeline
  /// ran: how `gen demo --into DATABASE` (run by gen-db) loads them. Part of
  /// the environment, not a global, so that runs in one process do not meet.
  package var demoTotals: ((_ rows: [(country: String, orders: Int, total: Double)]) throws -> Void)?
  /// Opens an `http://` or `https://` input: set by the `gen-net` companion
  /// (StreamNetworking), which `gen` runs for URLs; nil in `gen` itself, which
  /// links no networking. Returns the body as a source and its `Content-Type`.
  public var openURL: ((String) throws -> (source: ByteSource, contentType: String?))?

  public init(
    stdout: OutputSink, stderr: @escaping (String) -> Void,
    stdin: @escaping () throws(StreamIOError) -> ByteSource, stderrIsTerminal: Bool, python: String?
  ) {
    self.stdout = stdout
    self.stderr = stderr
    self.stdin = stdin
    self.stderrIsTerminal = stderrIsTerminal
    self.python = python
  }

  /// The real process: file descriptors 0, 1 and 2, `python3` from `PATH`.
  public static func process() -> GenEnvironment {
    GenEnvironment(
      stdout: .standardOutput(),
      stderr: { text in
        var text = text
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
      },
      stdin: { () throws(StreamIOError) in try ByteSource.standardInput() },
      stderrIsTerminal: isatty(2) == 1,
      python: findExecutable("python3"))
  }

  /// The first `name` on `PATH`, if any.
  public static func findExecutable(_ name: String) -> String? {
    guard let path = getenv("PATH") else { return nil }
    for directory in String(cString: path).split(separator: ":") {
      let candidate = "\(directory)/\(name)"
      if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
  }

  package func print(_ text: String) throws(StreamIOError) {
    try stdout.write(text)
    try stdout.write("\n")
  }
}
