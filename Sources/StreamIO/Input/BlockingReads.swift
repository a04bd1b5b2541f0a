import Dispatch

/// Runs reads that may block (pipes, terminals, sockets) on a dedicated
/// thread, so async readers never hold a thread of the cooperative pool.
enum BlockingReads {
  private static let queue = DispatchQueue(label: "swift-generators.StreamIO.blocking-reads")

  /// Runs `work(reader)` on the blocking-read queue and waits for it. The
  /// caller is suspended meanwhile, so the reader is never used by two
  /// threads at once even though it is not Sendable.
  static func run<Reader: AnyObject>(
    isolation: isolated (any Actor)? = #isolation,
    _ reader: Reader, _ work: @escaping (Reader) throws(StreamIOError) -> Void
  ) async throws(StreamIOError) {
    nonisolated(unsafe) let handoff = Handoff(reader, work)
    let result: Result<Void, StreamIOError> = await withCheckedContinuation { continuation in
      queue.async {
        continuation.resume(returning: handoff.run())
      }
    }
    try result.get()
  }

  /// Carries the reader across the thread hop; only one side touches it at a time.
  private final class Handoff<Reader: AnyObject> {
    let reader: Reader
    let work: (Reader) throws(StreamIOError) -> Void
    init(_ reader: Reader, _ work: @escaping (Reader) throws(StreamIOError) -> Void) {
      self.reader = reader
      self.work = work
    }
    func run() -> Result<Void, StreamIOError> {
      do throws(StreamIOError) {
        try work(reader)
        return .success(())
      } catch {
        return .failure(error)
      }
    }
  }
}
