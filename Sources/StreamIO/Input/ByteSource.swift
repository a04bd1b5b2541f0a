import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where bytes come from: a file we opened (and must close), or a descriptor
/// we were given, such as standard input.
///
/// The descriptor is closed exactly once: at end of input, on a read error,
/// by ``close()``, or at deinit, whichever comes first. Reads retry on `EINTR`.
public final class ByteSource {
  /// The file's path, or `<stdin>`; used in error messages.
  public let path: String
  @usableFromInline
  var descriptor: FileDescriptor?
  /// Set for an async byte stream (``init(chunks:name:compression:readAhead:)``): read
  /// instead of a descriptor.
  let feed: AsyncByteFeed?
  let closesDescriptor: Bool
  /// Whether reads can block for long (pipes, terminals, sockets); async
  /// readers move those reads off the cooperative thread pool.
  public let mayBlock: Bool
  /// Set for gzip input: bytes are decompressed as they are read.
  @exclusivity(unchecked)
  var gzip: GzipDecoder?
  /// Whether `read` must first sniff the compression or hand out bytes read
  /// ahead; false on the steady path, which then costs one branch. (Unchecked:
  /// only this class's own methods touch it, never across an inout access.)
  @exclusivity(unchecked)
  var hasLookahead: Bool
  /// With `.automatic`, until the first read or peek looks at the magic bytes.
  var compressionUndecided: Bool
  /// Bytes read ahead by ``peek(_:)`` (or the sniffing), returned by the next
  /// reads before anything else: `lookahead[lookaheadStart...]`.
  var lookahead: [UInt8] = []
  var lookaheadStart = 0

  /// How a source's bytes are stored.
  public enum Compression: Sendable {
    /// gzip if the input starts with gzip's magic bytes (`1f 8b`), else as is;
    /// decided by the first read, for files and pipes alike.
    case automatic
    /// As stored, even if it looks like gzip.
    case none
    /// gzip (or zlib): anything else is an error.
    case gzip
  }

  /// Opens `path` for reading; gzip input (recognised by its first bytes, not
  /// its name) is decompressed on the fly. Python: `open(path, "rb")`, or
  /// `gzip.open(path, "rb")` for gzip.
  ///
  /// - Throws: ``StreamIOError`` with code ``StreamIOError/Code/io`` naming the path and the reason.
  public init(path: String, compression: Compression = .automatic) throws(StreamIOError) {
    self.path = path
    gzip = compression == .gzip ? try GzipDecoder(path: path) : nil
    compressionUndecided = compression == .automatic
    hasLookahead = compressionUndecided
    do {
      descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
    } catch {
      throw StreamIOError(.io, "cannot open for reading: \(error)", path: path, errno: error as? Errno)
    }
    closesDescriptor = true
    mayBlock = !ByteSource.isRegularFile(descriptor!)
    feed = nil
  }

  /// Reads from a descriptor you own; it is closed only if `closeWhenDone` is
  /// true. With `.automatic`, gzip is recognised by its first bytes, as for files.
  public init(
    descriptor: FileDescriptor, name: String, closeWhenDone: Bool, compression: Compression = .automatic
  ) throws(StreamIOError) {
    self.path = name
    gzip = compression == .gzip ? try GzipDecoder(path: path) : nil
    compressionUndecided = compression == .automatic
    hasLookahead = compressionUndecided
    self.descriptor = descriptor
    self.closesDescriptor = closeWhenDone
    self.mayBlock = !ByteSource.isRegularFile(descriptor)
    feed = nil
  }

  /// Reads any `AsyncSequence` of byte chunks: an HTTP response body
  /// (StreamNetworking), a subprocess's output, a NIO channel's reads, a
  /// message queue's payloads. Every reader then works on it as on a file:
  /// `LineReader(source:)`, `CSVReader.opening(source:)` (which reads the
  /// header off the task pool), `JSONLinesReader(lines:)`,
  /// ``ByteChunks``, gzip recognised by its first bytes (or by `compression`).
  /// Python: wrapping an async byte iterator (httpx's `aiter_bytes()`) in a
  /// line splitter, without an unbounded buffer.
  ///
  /// ```swift
  /// let chunks = AsyncStream<[UInt8]> { continuation in
  ///   continuation.yield(Array("id,qty\n1,".utf8))
  ///   continuation.yield(Array("5\n2,7\n".utf8))
  ///   continuation.finish()
  /// }
  /// let reader = try await CSVReader.opening(source: try ByteSource(chunks: chunks, name: "stream"))
  /// var total = 0
  /// for try await row in reader { total += try row["qty", as: Int.self] }
  /// print(total)  // → 12
  /// ```
  ///
  /// - Back-pressure: the sequence is iterated only as the reader needs bytes
  ///   (one chunk, or `readAhead` chunks, ahead), so a consumer that stops
  ///   pulling stops the producer; for a socket, its reading stops.
  /// - Closing (at the end, on an error, by ``close()``, at deinit, so on an
  ///   early `break`) cancels a pull in flight and releases the iterator: an
  ///   AsyncHTTPClient body then ends its request and closes its connection.
  /// - An error from the sequence is a ``StreamIOError`` (``StreamIOError/Code/io``)
  ///   naming `name` and the bytes received before it.
  /// - Reads wait for chunks: iterate with `for try await` (reads then run on
  ///   the readers' blocking-read threads); a synchronous `next()` blocks its
  ///   thread, so use it only from a thread of your own, never from a task.
  public init<Chunks: AsyncSequence & Sendable>(
    chunks: Chunks, name: String, compression: Compression = .automatic, readAhead: Int = 1
  ) throws(StreamIOError) where Chunks.Element: ByteChunkProtocol {
    path = name
    gzip = compression == .gzip ? try GzipDecoder(path: name) : nil
    compressionUndecided = compression == .automatic
    hasLookahead = compressionUndecided
    descriptor = nil
    closesDescriptor = false
    mayBlock = true
    feed = AsyncByteFeed(chunks: chunks, name: name, readAhead: readAhead)
  }

  /// Bytes received from an async byte stream so far (before decompression);
  /// nil for a file or descriptor. For progress and error messages.
  public var bytesReceived: Int? { feed?.bytesDelivered }

  /// Standard input (never closed by us); gzip is recognised by its first
  /// bytes unless you pass `.none`. Python: `sys.stdin.buffer`.
  public static func standardInput(compression: Compression = .automatic) throws(StreamIOError) -> ByteSource {
    try ByteSource(descriptor: .standardInput, name: "<stdin>", closeWhenDone: false, compression: compression)
  }

  deinit { close() }

  /// Whether the descriptor is still open.
  public var isOpen: Bool { descriptor != nil || (feed?.isOpen ?? false) }

  /// Whether the bytes are gzip and are being decompressed. With `.automatic`
  /// this is known once something has been read or peeked.
  public var isDecompressing: Bool { gzip != nil }

  /// Returns up to `count` of the next bytes without consuming them: the
  /// following reads return them again. Fewer at the end of input, or as
  /// soon as `enough` says the bytes so far suffice (checked after each
  /// read); otherwise blocks (on a pipe) until `count` bytes or the end have
  /// arrived. Bytes are decompressed ones for gzip input. Python:
  /// `io.BufferedReader.peek`, but never more than `count` bytes.
  ///
  /// ```swift
  /// let input = try ByteSource.standardInput()
  /// let looksLikeJSON = try input.peek(1).first == UInt8(ascii: "{")
  /// let firstLine = try input.peek(4096) { $0.contains(0x0A) }   // no waiting for 4 KiB
  /// ```
  ///
  /// - Complexity: O(`count`); the bytes are kept until read.
  /// - Throws: ``StreamIOError`` if reading fails (the source is then closed).
  public func peek(_ count: Int, until enough: ([UInt8]) -> Bool = { _ in false }) throws(StreamIOError) -> [UInt8] {
    precondition(count >= 0, "peek count must not be negative, got \(count)")
    if compressionUndecided { try decideCompression() }
    while lookahead.count - lookaheadStart < count && !enough(Array(lookahead[lookaheadStart...])) {
      let wanted = count - (lookahead.count - lookaheadStart)
      let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: wanted, alignment: 1)
      defer { chunk.deallocate() }
      let read = try readStored(into: chunk)
      if read == 0 { break }
      lookahead += chunk[..<read]
      hasLookahead = true
    }
    let available = Swift.min(count, lookahead.count - lookaheadStart)
    return Array(lookahead[lookaheadStart..<(lookaheadStart + available)])
  }

  /// Reads up to `buffer.count` bytes; 0 means end of input (and closes).
  /// Closes on error too, then throws.
  @usableFromInline
  func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamIOError) -> Int {
    if _slowPath(hasLookahead) { return try readLookahead(into: buffer) }
    return try readStored(into: buffer)
  }

  /// Sniffs the compression if still undecided, then hands out bytes read
  /// ahead; reads normally once there are none.
  @inline(never)
  func readLookahead(into buffer: UnsafeMutableRawBufferPointer) throws(StreamIOError) -> Int {
    if compressionUndecided { try decideCompression() }
    let available = lookahead.count - lookaheadStart
    guard available > 0 else {
      hasLookahead = false
      return try readStored(into: buffer)
    }
    let count = Swift.min(available, buffer.count)
    lookahead.withUnsafeBytes { bytes in
      buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + lookaheadStart, byteCount: count)
    }
    lookaheadStart += count
    if lookaheadStart == lookahead.count {
      lookahead = []
      lookaheadStart = 0
      hasLookahead = false
    }
    return count
  }

  /// Reads the first two bytes (a pipe may give them one at a time): gzip's
  /// magic `1f 8b` starts a decoder that decompresses them first; anything
  /// else is kept to be read as it is.
  func decideCompression() throws(StreamIOError) {
    compressionUndecided = false
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2, alignment: 1)
    defer { buffer.deallocate() }
    var count = 0
    while count < 2 {
      let read = try readRaw(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]))
      if read == 0 { break }
      count += read
    }
    let magic = Array(buffer[..<count])
    if magic == [0x1F, 0x8B] {
      let decoder: GzipDecoder
      do {
        decoder = try GzipDecoder(path: path)
      } catch {
        close()
        throw error
      }
      decoder.prime(with: magic)
      gzip = decoder
    } else if count > 0 {
      lookahead = magic
      lookaheadStart = 0
      hasLookahead = true
    }
  }

  /// Reads the bytes the caller sees: decompressed for gzip, else as stored.
  func readStored(into buffer: UnsafeMutableRawBufferPointer) throws(StreamIOError) -> Int {
    guard let gzip else { return try readRaw(into: buffer) }
    do {
      let count = try gzip.read(into: buffer, path: path) { (compressed) throws(StreamIOError) in
        try readRaw(into: compressed)
      }
      if count == 0 { closeDescriptor() }
      return count
    } catch {
      close()
      throw error
    }
  }

  /// Reads the bytes as stored.
  func readRaw(into buffer: UnsafeMutableRawBufferPointer) throws(StreamIOError) -> Int {
    guard let descriptor else { return try readFeed(into: buffer) }
    let wanted = buffer.count <= rawBytesLeft ? buffer : UnsafeMutableRawBufferPointer(rebasing: buffer[..<rawBytesLeft])
    let count: Int
    do {
      count = wanted.isEmpty ? 0 : try descriptor.read(into: wanted, retryOnInterrupt: true)
    } catch {
      close()
      throw StreamIOError(.io, "read failed: \(error)", path: path, errno: error as? Errno)
    }
    rawBytesRead &+= count
    rawBytesLeft &-= count
    // Bytes peeked before the end are still to be read: only the descriptor goes.
    if count == 0 { closeDescriptor() }
    return count
  }

  /// The bytes read from the descriptor so far (as stored, before any decompression).
  package private(set) var rawBytesRead = 0
  /// How many more bytes the descriptor may give (``end(afterRawBytes:)``).
  var rawBytesLeft = Int.max

  /// Makes the source end once `total` bytes were read from its descriptor,
  /// as if the file ended there: for a `--threads` range that ends where the
  /// next one starts. False, and nothing changed, if more were read already.
  package func end(afterRawBytes total: Int) -> Bool {
    guard total >= rawBytesRead else { return false }
    rawBytesLeft = total &- rawBytesRead
    return true
  }

  /// Whether the source ended at the bytes ``end(afterRawBytes:)`` allowed
  /// (not earlier: the file was shorter).
  package var endedAtRawLimit: Bool { rawBytesLeft == 0 }

  /// Closes the descriptor now (idempotent); later reads return nothing, not
  /// even bytes peeked or still buffered by the decoder.
  public func close() {
    closeDescriptor()
    compressionUndecided = false
    lookahead = []
    lookaheadStart = 0
    hasLookahead = false
    gzip?.finish()
  }

  /// Reads from an async byte stream, if this source is one; closes on error.
  @inline(never)
  func readFeed(into buffer: UnsafeMutableRawBufferPointer) throws(StreamIOError) -> Int {
    guard let feed else { return 0 }
    do throws(StreamIOError) {
      return try feed.read(into: buffer)
    } catch {
      close()
      throw error
    }
  }

  func closeDescriptor() {
    feed?.close()
    guard let open = descriptor else { return }
    descriptor = nil
    if closesDescriptor { try? open.close() }
  }

  static func isRegularFile(_ descriptor: FileDescriptor) -> Bool {
    var info = stat()
    guard fstat(descriptor.rawValue, &info) == 0 else { return false }
    return (info.st_mode & S_IFMT) == S_IFREG
  }
}
