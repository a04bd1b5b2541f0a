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
  let closesDescriptor: Bool
  /// Whether reads can block for long (pipes, terminals, sockets); async
  /// readers move those reads off the cooperative thread pool.
  public let mayBlock: Bool
  /// Set for gzip input: bytes are decompressed as they are read.
  let gzip: GzipDecoder?

  /// How a source's bytes are stored.
  public enum Compression: Sendable {
    /// gzip if the path ends in `.gz`, else none.
    case automatic
    case none
    case gzip
  }

  /// Opens `path` for reading; a `.gz` file is decompressed on the fly.
  ///
  /// - Throws: ``StreamIOError`` with code ``StreamIOError/Code/io`` naming the path and the reason.
  public init(path: String, compression: Compression = .automatic) throws(StreamIOError) {
    self.path = path
    let decompress = compression == .gzip || (compression == .automatic && path.hasSuffix(".gz"))
    gzip = decompress ? try GzipDecoder() : nil
    do {
      descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
    } catch {
      throw StreamIOError(.io, "cannot open for reading: \(error)", path: path, errno: error as? Errno)
    }
    closesDescriptor = true
    mayBlock = !ByteSource.isRegularFile(descriptor!)
  }

  /// Reads from a descriptor you own; it is closed only if `closeWhenDone` is true.
  public init(descriptor: FileDescriptor, name: String, closeWhenDone: Bool, compression: Compression = .none)
    throws(StreamIOError)
  {
    self.path = name
    gzip = compression == .gzip ? try GzipDecoder() : nil
    self.descriptor = descriptor
    self.closesDescriptor = closeWhenDone
    self.mayBlock = !ByteSource.isRegularFile(descriptor)
  }

  /// Standard input (never closed by us).
  public static func standardInput(compression: Compression = .none) throws(StreamIOError) -> ByteSource {
    try ByteSource(descriptor: .standardInput, name: "<stdin>", closeWhenDone: false, compression: compression)
  }

  deinit { close() }

  /// Whether the descriptor is still open.
  public var isOpen: Bool { descriptor != nil }

  /// Reads up to `buffer.count` bytes; 0 means end of input (and closes).
  /// Closes on error too, then throws.
  @usableFromInline
  func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamIOError) -> Int {
    guard let gzip else { return try readRaw(into: buffer) }
    do {
      let count = try gzip.read(into: buffer, path: path) { (compressed) throws(StreamIOError) in
        try readRaw(into: compressed)
      }
      if count == 0 { close() }
      return count
    } catch {
      close()
      throw error
    }
  }

  /// Reads the bytes as stored.
  func readRaw(into buffer: UnsafeMutableRawBufferPointer) throws(StreamIOError) -> Int {
    guard let descriptor else { return 0 }
    let count: Int
    do {
      count = try descriptor.read(into: buffer, retryOnInterrupt: true)
    } catch {
      close()
      throw StreamIOError(.io, "read failed: \(error)", path: path, errno: error as? Errno)
    }
    if count == 0 { close() }
    return count
  }

  /// Closes the descriptor now (idempotent).
  public func close() {
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
