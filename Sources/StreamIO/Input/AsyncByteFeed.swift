import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A chunk of bytes that an async byte stream delivers: anything that can lend
/// its bytes. `[UInt8]`, `ArraySlice<UInt8>`, `Data` and ``ByteChunk`` conform
/// here; StreamNetworking adds NIO's `ByteBuffer`. Conform your own chunk type
/// (a subprocess's buffer, a Kafka message's payload) in one line to read it
/// with ``ByteSource/init(chunks:name:compression:)``.
public protocol ByteChunkProtocol {
  /// Calls `body` with the chunk's bytes, valid only during the call.
  func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ByteChunkProtocol where Element == UInt8 {}
extension ArraySlice: ByteChunkProtocol where Element == UInt8 {}
extension Data: ByteChunkProtocol {}

extension ByteChunk: ByteChunkProtocol {
  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try withExtendedLifetime(self) { try body(UnsafeRawBufferPointer(start: segment.base, count: count)) }
  }
}

/// The bytes of an `AsyncSequence` of chunks, handed to a ``ByteSource``'s
/// synchronous reads: the reader's thread waits while a task pulls the next
/// chunk from the sequence.
///
/// Back-pressure: the sequence is asked for a chunk only when the reader has
/// used up the one before it, plus one chunk read ahead (as a pipe's kernel
/// buffer holds some bytes the reader has not asked for yet); a consumer that
/// stops pulling stops the sequence being iterated, so an HTTP body's socket
/// stops being read. ``close()`` cancels a pull in flight and drops the
/// iterator, which for AsyncHTTPClient ends the request and closes its connection.
///
/// Reads block the calling thread: async readers make them on their
/// blocking-read threads (the source reports ``ByteSource/mayBlock``); a
/// synchronous `next()` blocks its caller, so call it from a thread of your
/// own (a command's main thread), never from Swift's cooperative pool.
final class AsyncByteFeed: @unchecked Sendable {
  /// Pulls the next chunk; nil at the end. Called by one task at a time.
  private let pull: @Sendable () async throws -> (any ByteChunkProtocol)?
  /// Keeps the iterator; dropped by `close()` so that it is released.
  private var puller: PullBox?
  let name: String

  // Guarded by `lock` (a pthread mutex and condition: Thread Sanitizer sees
  // the ordering they give between the pulling task and the reading thread).
  private let lock: UnsafeMutablePointer<pthread_mutex_t>
  private let arrived: UnsafeMutablePointer<pthread_cond_t>
  /// Chunks pulled and not yet read through; the first is read from `offset`.
  private var ready: [any ByteChunkProtocol] = []
  private var offset = 0
  private var pulling: Task<Void, Never>?
  private var finished = false
  private var failure: (any Error)?
  private var closed = false
  /// Bytes handed to the reader so far, for error messages.
  private(set) var bytesDelivered = 0
  /// How many chunks are kept ahead of the reader (pulled, not yet read).
  let readAhead: Int

  init<Chunks: AsyncSequence & Sendable>(chunks: Chunks, name: String, readAhead: Int = 1)
  where Chunks.Element: ByteChunkProtocol {
    let box = PullBox(chunks.makeAsyncIterator())
    puller = box
    pull = { [weak box] in
      guard let box else { return nil }
      return try await box.next()
    }
    self.name = name
    self.readAhead = max(0, readAhead)
    lock = .allocate(capacity: 1)
    lock.initialize(to: pthread_mutex_t())
    pthread_mutex_init(lock, nil)
    arrived = .allocate(capacity: 1)
    arrived.initialize(to: pthread_cond_t())
    pthread_cond_init(arrived, nil)
  }

  deinit {
    close()
    pthread_mutex_destroy(lock)
    lock.deallocate()
    pthread_cond_destroy(arrived)
    arrived.deallocate()
  }

  /// Copies up to `buffer.count` bytes; 0 at the end. Waits for a chunk if none is ready.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamIOError) -> Int {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    while ready.isEmpty {
      if closed { return 0 }
      if let failure {
        throw StreamIOError(
          .io, "the byte stream failed after \(bytesDelivered) bytes: \(failure)", path: name,
          byteOffset: bytesDelivered)
      }
      if finished { return 0 }
      startPullLocked()
      pthread_cond_wait(arrived, lock)
    }
    let copied = Self.copy(from: ready[0], at: offset, into: buffer)
    offset += copied.count
    bytesDelivered += copied.count
    if offset == copied.total {
      ready.removeFirst()
      offset = 0
    }
    // Keep one chunk (or `readAhead`) coming while the reader parses this one.
    if ready.count <= readAhead { startPullLocked() }
    return copied.count
  }

  /// Copies from `chunk[offset...]`; returns the bytes copied and the chunk's size.
  private static func copy(
    from chunk: any ByteChunkProtocol, at offset: Int, into buffer: UnsafeMutableRawBufferPointer
  ) -> (count: Int, total: Int) {
    chunk.withUnsafeBytes { bytes in
      let count = Swift.min(bytes.count - offset, buffer.count)
      if count > 0 { buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: count) }
      return (count, bytes.count)
    }
  }

  /// Starts a task pulling the next chunk, unless one is running or the stream ended.
  private func startPullLocked() {
    guard pulling == nil, !finished, failure == nil, !closed else { return }
    let pull = self.pull
    pulling = Task { [weak self] in
      let outcome: Result<(any ByteChunkProtocol)?, any Error>
      do { outcome = .success(try await pull()) } catch { outcome = .failure(error) }
      self?.deliver(outcome)
    }
  }

  private func deliver(_ outcome: Result<(any ByteChunkProtocol)?, any Error>) {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    pulling = nil
    if closed { return }
    switch outcome {
    case .success(let chunk?):
      // Empty chunks are dropped: a read returns 0 only at the end.
      if chunk.withUnsafeBytes({ $0.count }) > 0 { ready.append(chunk) }
      if ready.count <= readAhead { startPullLocked() }
    case .success(nil):
      finished = true
      puller = nil
    case .failure(let error):
      failure = error
      puller = nil
    }
    pthread_cond_broadcast(arrived)
  }

  /// Whether the stream is still open: not ended, failed or closed.
  var isOpen: Bool {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    return !closed && !finished && failure == nil
  }

  /// Stops reading: cancels a pull in flight, drops chunks read ahead and the
  /// iterator (idempotent). A read waiting meanwhile returns 0.
  func close() {
    pthread_mutex_lock(lock)
    let task = pulling
    let box = puller
    closed = true
    ready = []
    puller = nil
    pthread_cond_broadcast(arrived)
    pthread_mutex_unlock(lock)
    task?.cancel()
    // Released outside the lock: an iterator's deinit may do work of its own.
    withExtendedLifetime(box) {}
  }
}

/// Holds the type-erased iterator; one pulling task uses it at a time.
private final class PullBox: @unchecked Sendable {
  private let nextChunk: () async throws -> (any ByteChunkProtocol)?

  init<Iterator: AsyncIteratorProtocol>(_ iterator: Iterator) where Iterator.Element: ByteChunkProtocol {
    var iterator = iterator
    nextChunk = { try await iterator.next() }
  }

  func next() async throws -> (any ByteChunkProtocol)? { try await nextChunk() }
}
