extension CSVReader {
  /// Makes a reader in async code: the header is read on a blocking-read
  /// thread, so a source that waits (a pipe, an HTTP body) never holds one of
  /// Swift's cooperative threads. (``init(source:dialect:bufferSize:maxRecordSize:onError:)``
  /// reads the header where it is called.) Python: `csv.reader(…)` in an async
  /// function, whose first `next()` would block the event loop.
  public static func opening(
    source: ByteSource, dialect: CSVDialect = .standard, bufferSize: Int = CSVReader.defaultBufferSize,
    maxRecordSize: Int = CSVReader.defaultMaxRecordSize, onError: CSVErrorPolicy = .throw
  ) async throws(StreamIOError) -> CSVReader {
    if !source.mayBlock {
      return try CSVReader(
        source: source, dialect: dialect, bufferSize: bufferSize, maxRecordSize: maxRecordSize, onError: onError)
    }
    // The source is handed to the thread and the reader back: one side at a time.
    nonisolated(unsafe) let source = source
    let made = await withCheckedContinuation { (continuation: CheckedContinuation<UncheckedReader, Never>) in
      BlockingReadThreads.shared.run {
        let result: Result<CSVReader, StreamIOError>
        do throws(StreamIOError) {
          result = .success(
            try CSVReader(
              source: source, dialect: dialect, bufferSize: bufferSize, maxRecordSize: maxRecordSize, onError: onError))
        } catch {
          result = .failure(error)
        }
        continuation.resume(returning: UncheckedReader(result: result))
      }
    }
    return try made.result.get()
  }
}

/// A reader made on another thread, handed over once.
private struct UncheckedReader: @unchecked Sendable {
  let result: Result<CSVReader, StreamIOError>
}
