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

  /// Opens `path` for reading.
  ///
  /// - Throws: ``StreamIOError`` with code ``StreamIOError/Code/io`` naming the path and the reason.
  public init(path: String) throws(StreamIOError) {
    self.path = path
    do {
      descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
    } catch {
      throw StreamIOError(.io, "cannot open for reading: \(error)", path: path, errno: error as? Errno)
    }
    closesDescriptor = true
    mayBlock = !ByteSource.isRegularFile(descriptor!)
  }

  /// Reads from a descriptor you own; it is closed only if `closeWhenDone` is true.
  public init(descriptor: FileDescriptor, name: String, closeWhenDone: Bool) {
    self.path = name
    self.descriptor = descriptor
    self.closesDescriptor = closeWhenDone
    self.mayBlock = !ByteSource.isRegularFile(descriptor)
  }

  /// Standard input (never closed by us).
  public static func standardInput() -> ByteSource {
    ByteSource(descriptor: .standardInput, name: "<stdin>", closeWhenDone: false)
  }

  deinit { close() }

  /// Whether the descriptor is still open.
  public var isOpen: Bool { descriptor != nil }

  /// Reads up to `buffer.count` bytes; 0 means end of input (and closes).
  /// Closes on error too, then throws.
  @usableFromInline
  func read(into buffer: UnsafeMutableRawBufferPointer) throws(StreamIOError) -> Int {
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
