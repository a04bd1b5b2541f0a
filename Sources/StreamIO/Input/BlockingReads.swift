import Synchronization

/// Runs reads that may block (pipes, terminals, sockets) on threads of their
/// own (``BlockingReadThreads``), so async readers never hold a thread of the
/// cooperative pool, and a reader waiting on a quiet pipe never holds up
/// another reader.
enum BlockingReads {
  /// Runs `work(reader)` on a blocking-read thread and waits for it. The
  /// caller is suspended meanwhile; the reader is marked as reading, so that
  /// a use of it from elsewhere meanwhile (a reentrant actor method: the
  /// actor runs other work while this one waits) is refused with an error
  /// rather than racing with the read; a `close()` then waits for the read.
  static func run<Reader: BlockingReadable>(
    isolation: isolated (any Actor)? = #isolation,
    _ reader: Reader, _ work: @escaping (Reader) throws(StreamIOError) -> Void
  ) async throws(StreamIOError) {
    try reader.asyncRead.check(reader.source.path)
    reader.asyncRead.inFlight = true
    nonisolated(unsafe) let handoff = Handoff(reader, work)
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      BlockingReadThreads.shared.run {
        handoff.run()
        continuation.resume()
      }
    }
    let result = handoff.takeResult()
    reader.asyncRead.inFlight = false
    if reader.asyncRead.closeRequested {
      reader.asyncRead.closeRequested = false
      reader.close()
    }
    try result.get()
  }

  /// Carries the reader across the thread hop; only one side touches it at a
  /// time. The result goes through a mutex: besides carrying it, the lock
  /// orders the reading thread's writes to the reader before the caller's
  /// reads in a way Thread Sanitizer sees (it does not see the ordering that
  /// resuming a continuation gives).
  private final class Handoff<Reader: AnyObject> {
    let reader: Reader
    let work: (Reader) throws(StreamIOError) -> Void
    let result = Mutex<Result<Void, StreamIOError>?>(nil)

    init(_ reader: Reader, _ work: @escaping (Reader) throws(StreamIOError) -> Void) {
      self.reader = reader
      self.work = work
    }

    func run() {
      let outcome: Result<Void, StreamIOError>
      do throws(StreamIOError) {
        try work(reader)
        outcome = .success(())
      } catch {
        outcome = .failure(error)
      }
      result.withLock { $0 = outcome }
    }

    func takeResult() -> Result<Void, StreamIOError> {
      result.withLock { $0.take()! }
    }
  }
}

/// A reader whose reads may run on a blocking-read thread.
protocol BlockingReadable: AnyObject, SendableMetatype {
  var source: ByteSource { get }
  var asyncRead: AsyncReadState { get set }
  func close()
}

/// Whether a reader's async read is waiting on a blocking-read thread: the
/// reader belongs to that thread until the read returns.
@usableFromInline
struct AsyncReadState {
  @usableFromInline
  var inFlight = false
  /// `close()` was called meanwhile: it is done when the read returns.
  var closeRequested = false

  @usableFromInline
  init() {}

  /// Throws if a read is in flight: the reader is being used again meanwhile.
  /// Python: "ValueError: generator already executing".
  @inlinable
  func check(_ path: String) throws(StreamIOError) {
    if _slowPath(inFlight) {
      throw StreamIOError(
        .concurrentUse,
        "the reader is already reading: it was used again while an async read waited (from a reentrant "
          + "actor method?); use a reader from one task at a time", path: path)
    }
  }
}
