import Synchronization

/// Runs reads that may block (pipes, terminals, sockets) on threads of their
/// own (``BlockingReadThreads``), so async readers never hold a thread of the
/// cooperative pool, and a reader waiting on a quiet pipe never holds up
/// another reader.
enum BlockingReads {
  /// Runs `work(reader)` on a blocking-read thread and waits for it. The
  /// caller is suspended meanwhile, so the reader is never used by two
  /// threads at once even though it is not Sendable.
  static func run<Reader: AnyObject>(
    isolation: isolated (any Actor)? = #isolation,
    _ reader: Reader, _ work: @escaping (Reader) throws(StreamIOError) -> Void
  ) async throws(StreamIOError) {
    nonisolated(unsafe) let handoff = Handoff(reader, work)
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      BlockingReadThreads.shared.run {
        handoff.run()
        continuation.resume()
      }
    }
    try handoff.takeResult().get()
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
