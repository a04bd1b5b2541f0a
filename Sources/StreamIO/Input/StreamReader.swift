import Generators

/// What every StreamIO reader has: a throwing `next()` and an async one.
/// `for x in reader` and `for try await x in reader` are built on these.
public protocol StreamReader<Item>: AnyObject {
  associatedtype Item
  /// The next item, or nil at the end of input.
  func next() throws(StreamIOError) -> Item?
  /// The same on the caller's actor, with blocking reads moved off the
  /// cooperative thread pool.
  func nextAsync(isolation: isolated (any Actor)?) async throws(StreamIOError) -> Item?
}

/// `for x in reader`: a sync iterator cannot throw, so an error stops the
/// program with a message naming it and saying how to handle it instead
/// (`while let x = try reader.next()` or `for try await x in reader`).
/// Errors are never swallowed and iteration never silently stops early.
public struct StreamReaderIterator<Reader: StreamReader>: IteratorProtocol {
  @usableFromInline
  let reader: Reader

  @inlinable
  public init(_ reader: Reader) { self.reader = reader }

  @inlinable
  public mutating func next() -> Reader.Item? {
    do {
      return try reader.next()
    } catch {
      fatalError(
        "\(error). `for x in \(Reader.self)` cannot throw; iterate with "
          + "`while let x = try reader.next()` or `for try await x in reader` to handle errors.")
    }
  }
}

/// `for try await x in reader`, carrying errors to the caller.
public struct StreamReaderAsyncIterator<Reader: StreamReader>: AsyncIteratorProtocol {
  @usableFromInline
  let reader: Reader

  @inlinable
  public init(_ reader: Reader) { self.reader = reader }

  @inlinable
  public mutating func next() async throws -> Reader.Item? {
    try await reader.nextAsync(isolation: nil)
  }

  @inlinable
  public mutating func next(isolation actor: isolated (any Actor)?) async throws(any Error) -> Reader.Item? {
    try await reader.nextAsync(isolation: actor)
  }
}

// The readers are sequences and async sequences both: `let batches =
// reader.batched(500)` picks the `Sequence` operator (see Generators'
// `SyncAndAsyncSequence`), `for try await batch in reader.batched(500)` the async one.
extension LineReader: SyncAndAsyncSequence {}
extension CSVReader: SyncAndAsyncSequence {}
extension ByteChunks: SyncAndAsyncSequence {}
