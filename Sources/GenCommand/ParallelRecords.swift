import Dispatch
import Foundation
import Generators
import StreamIO
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `filter`, `select`, `convert` and `derive` with `--threads N` on a CSV or
/// JSON Lines file: the file cut into pieces of about ``pieceBytes`` (1 MiB) at
/// probable record starts (``CSVSplit``, ``LineSplit``), which N threads take
/// in file order. Each piece's output is held in memory until the pieces
/// before it are written; the piece whose turn it is writes to the output
/// as it goes. So the output is written once, in order, and memory stays
/// bounded: a piece holds at most ``PieceOrder/holdLimit`` bytes of output,
/// then waits for its turn.
///
/// A piece's turn comes only once the piece before it checked out: it
/// ended exactly where this one starts (its last record ended at the split)
/// and met no bad data. So the piece whose turn it is reads true records
/// from a true start, and whatever was written is, byte for byte, the start
/// of the one-thread output, even if that piece then fails. If a piece fails (a split inside a
/// quoted field, bad data), the threads stop, and the caller reads the
/// file again on one thread into the same output, which drops that many
/// bytes first (``OutputSink/skipNext(_:)``): the output, or the error with
/// its line number, is the one-thread run's exactly, and nothing written is
/// ever taken back (standard output may be a pipe, or a file shared with
/// another writer).
enum ParallelRecords {
  /// What one piece gave: its summary for the report, and its ragged rows.
  struct Range<Summary> {
    var summary: Summary
    var raggedRows: Int
  }

  /// About how many input bytes a piece holds: small enough that most
  /// pieces' output fits in what a piece may hold (CSV to JSON Lines makes
  /// 2.5 times as much), large enough that finding its start costs little.
  static let pieceBytes = 1 << 20

  /// Runs `body(pieceStream, pieceSink, index)` over every piece of the
  /// file that the thread `starts` split (one per thread) and writes their
  /// output to `output` in order. Nil: read the file again on one thread
  /// (the output then skips what was written; see above). With `combine`,
  /// the pieces after the first are combined as their output is written, in
  /// order (memory stays constant however many pieces), and two ranges are
  /// returned: the first piece's, and the rest's.
  static func run<Summary>(
    _ stream: RecordStream, starts: [Int], maxLineLength: Int, environment: GenEnvironment, output: OutputSink,
    combine: ((Summary, Summary) -> Summary)? = nil,
    body: @escaping (RecordStream, OutputSink, Int) throws -> Summary
  ) throws -> [Range<Summary>]? {
    let threads = starts.count
    let pieces = try Self.pieces(of: stream, threadStarts: starts, environment: environment)
    let results = Slots<Range<Summary>>(count: pieces.count)
    let order = PieceOrder(output: output)
    stream.stop(at: pieces[1])
    // The first piece's stream is used by the thread that takes piece 0
    // only; the environment is only read (pieces write nothing to stderr:
    // the body returns what to report); the output is written by the piece
    // whose turn it is only (see PieceOrder).
    let job = PieceJob(stream: stream, environment: environment, body: body, combine: combine)
    DispatchQueue.concurrentPerform(iterations: threads) { _ in
      let stream = job.stream, environment = job.environment, body = job.body, combine = job.combine
      var index = order.claim(of: pieces.count)
      guard index != nil else { return }
      // A holding sink, reused from piece to piece; another one when this
      // one's piece is left waiting for its turn (parked).
      var sink = PieceSink(order: order)
      while let claimed = index {
        sink.piece = claimed
        sink.sink.forget()  // (what a failed piece left)
        do {
          let range = try stream.range(claimed, of: pieces, maxLineLength: maxLineLength, environment: environment)
          let summary = try body(range, sink.sink, claimed)
          environment.pieceRead?(claimed)
          let verified = range.endedAtStop || claimed == pieces.count - 1
          let piece = Range(summary: summary, raggedRows: range.raggedRows)
          // (What the turn needs, taken now: a parked piece's range is let go.)
          let repeatedKeys = range !== stream ? range.repeatedKeys : nil
          let replacement = try order.finish(claimed, sink: sink, verified: verified) {
            // (Its turn, so in file order, one piece at a time: the first
            // piece's stream, `stream`, is done with.)
            if let repeatedKeys { stream.addRepeatedKeys(repeatedKeys) }
            guard let combine, claimed > 1, let rest = results.values[1] else { return results.set(claimed, piece) }
            results.set(1, Range(summary: combine(rest.summary, summary), raggedRows: rest.raggedRows + piece.raggedRows))
            results.set(claimed, nil)
          }
          if let replacement { sink = replacement }  // (this one was parked)
        } catch {
          order.fail()  // bad data, a wrong split or an output error: one thread will tell
        }
        index = order.claim(of: pieces.count)
      }
    }
    environment.mostParked?(order.mostParked)
    guard order.allWritten(pieces.count) else {
      try output.skipNext(order.written)
      return nil
    }
    return results.values.compactMap { $0 }
  }

  /// The pieces' starts: the thread split's, cut finer to about
  /// ``pieceBytes`` each (the given starts as they are when a test set them).
  static func pieces(of stream: RecordStream, threadStarts starts: [Int], environment: GenEnvironment) throws -> [Int] {
    guard environment.splitOffsets == nil, let size = RecordStream.fileSize(stream.path) else { return starts }
    let count = size / pieceBytes
    guard count > starts.count else { return starts }
    let pieces =
      stream.format == .csv
      ? try CSVSplit.starts(
        path: stream.path, count: count, firstRecord: starts[0], dialect: stream.dialect, columns: stream.header?.count,
        threads: starts.count)
      : try LineSplit.starts(path: stream.path, count: count, firstLine: starts[0])
    return pieces.count > starts.count ? pieces : starts
  }
}

/// What every piece's thread reads (see the comment at its use).
private final class PieceJob<Summary>: @unchecked Sendable {
  let stream: RecordStream
  let environment: GenEnvironment
  let body: (RecordStream, OutputSink, Int) throws -> Summary
  let combine: ((Summary, Summary) -> Summary)?
  init(
    stream: RecordStream, environment: GenEnvironment, body: @escaping (RecordStream, OutputSink, Int) throws -> Summary,
    combine: ((Summary, Summary) -> Summary)?
  ) {
    self.stream = stream
    self.environment = environment
    self.body = body
    self.combine = combine
  }
}

/// A holding sink and the piece it holds the output of.
private final class PieceSink: @unchecked Sendable {
  var piece = 0
  private(set) var sink: OutputSink! = nil

  init(order: PieceOrder) {
    sink = OutputSink(holding: PieceOrder.holdLimit / 4, growingTo: PieceOrder.holdLimit) {
      [unowned self, unowned order] (held) throws(StreamIOError) -> Bool in try order.forward(held, ifTurnOf: self.piece)
    }
  }
}

/// Which piece's output goes next, and what was written: pieces are
/// claimed in file order and written in it. The piece whose turn it is
/// forwards its output as it fills its buffer; a later one keeps it until
/// its turn comes. A later piece that ends before its turn is parked with
/// its sink, and its thread takes the next piece with another sink: the
/// thread that writes a piece writes the parked ones that follow it. So a
/// thread waits only when too much is parked, not at each piece that ends a
/// little before the one ahead of it. Memory: a sink per thread (up to
/// ``holdLimit`` each), and the spare sinks (parked, or written and kept for
/// the next parking) within ``parkLimit`` in all.
private final class PieceOrder: @unchecked Sendable {
  private let output: OutputSink
  private let condition = NSCondition()
  private var nextClaim = 0
  /// The piece whose output is written next.
  private var turn = 0
  private var failed = false
  /// Bytes written to the output (for ``OutputSink/skipNext(_:)``).
  private(set) var written = 0
  /// Pieces that ended before their turn: their sinks and what their turn runs.
  private var parked: [Int: (sink: PieceSink, inTurn: () -> Void)] = [:]
  private(set) var mostParked = 0
  /// Sinks that held parked pieces now written, for the next parking.
  private var free: [PieceSink] = []
  /// The bytes that the parked and the free sinks' buffers take.
  private var spareBytes = 0

  init(output: OutputSink) { self.output = output }

  /// The next piece to read, nil when none is left or one failed.
  func claim(of count: Int) -> Int? {
    condition.lock()
    defer { condition.unlock() }
    guard !failed, nextClaim < count else { return nil }
    nextClaim += 1
    return nextClaim - 1
  }

  /// The most output a piece holds while it waits for its turn: 3 MiB, so
  /// that with two threads (a sink each, and the spare ones: ``parkLimit``)
  /// gen stays under 32 MiB whatever a verb makes of its input. (A record
  /// longer than half of it is held whole, past it.)
  static let holdLimit = 3 << 20

  /// The most the spare sinks' buffers take in all, and the most pieces
  /// parked at once. (2 MiB: the piece of a `filter` or a `select` parks; one
  /// of a `convert` to JSON Lines, 2.5 MiB of output for a MiB of CSV, waits
  /// for its turn, as all did before pieces were parked: with 3 MiB, that
  /// `convert` peaked at 31.7 MiB, against 29 MiB without parking.)
  static let parkLimit = 2 << 20, parkedPieces = 8


  /// Writes `held` if it is `index`'s turn (true); else it is kept (false),
  /// unless its buffer reached ``holdLimit`` (it doubles up to it: more than
  /// half the limit is held only then): then it waits for its turn. Throws if
  /// another piece failed meanwhile (the run is over). (The piece whose turn
  /// it is is the only one to write until it ends, so the writing itself
  /// needs no lock.)
  func forward(_ held: UnsafeRawBufferPointer, ifTurnOf index: Int) throws(StreamIOError) -> Bool {
    condition.lock()
    if held.count > Self.holdLimit / 2 {
      while turn != index && !failed { condition.wait() }
    }
    let mine = turn == index && !failed, stopped = failed
    condition.unlock()
    if stopped { throw StreamIOError(.writeFailed, "stopped: another piece of the input failed", path: output.path) }
    guard mine else { return false }
    try output.write(held)
    written += held.count
    return true
  }

  /// Whether all `count` pieces were written, none failing.
  func allWritten(_ count: Int) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    return turn == count && !failed
  }

  /// Piece `index` ended, verified or not (then the run failed). In its
  /// turn: writes what its sink holds, runs `inTurn`, then the parked
  /// pieces that follow, and hands the turn on. Before its turn: parks it
  /// with its sink if the spare sinks stay within ``parkLimit`` (then
  /// returns the sink the thread goes on with: a free one, or a new one),
  /// else waits for its turn (nil: the thread keeps its sink).
  func finish(
    _ index: Int, sink: PieceSink, verified: Bool, inTurn: @escaping () -> Void
  ) throws(StreamIOError) -> PieceSink? {
    condition.lock()
    guard verified else {
      failed = true
      condition.broadcast()
      condition.unlock()
      return nil
    }
    if turn != index && !failed && parked.count < Self.parkedPieces {
      // The sink parked, a free one (if any) taken in its place.
      let replacement = free.popLast()
      let spare = spareBytes + sink.sink.capacity - (replacement?.sink.capacity ?? 0)
      if spare <= Self.parkLimit {
        parked[index] = (sink, inTurn)
        spareBytes = spare
        mostParked = Swift.max(mostParked, parked.count)
        condition.unlock()
        return replacement ?? PieceSink(order: self)
      }
      if let replacement { free.append(replacement) }
    }
    while turn != index && !failed { condition.wait() }
    var next: (sink: PieceSink, inTurn: () -> Void)? = (sink, inTurn)
    while let (writing, inTurn) = next, !failed {
      condition.unlock()
      let held = writing.sink.held
      try output.write(held)  // (in turn: no other thread writes)
      inTurn()
      condition.lock()
      written += held.count
      turn += 1
      writing.sink.forget()
      if writing !== sink { free.append(writing) }  // (a parked piece's, still spare; the caller keeps its own)
      next = parked.removeValue(forKey: turn)
    }
    condition.broadcast()
    condition.unlock()
    return nil
  }

  func fail() {
    condition.lock()
    failed = true
    condition.broadcast()
    condition.unlock()
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
