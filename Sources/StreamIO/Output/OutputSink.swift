import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered byte sink: a file written atomically, or a descriptor such as
/// standard output.
///
/// Writing to a path goes to a temporary file beside it, renamed over the
/// path by ``finish()``. If `finish()` is never reached (an error, an early
/// return, a crash), the temporary file is removed at deinit and the path is
/// untouched: a failed run never leaves half an output behind.
/// Python: writing to a `tempfile.NamedTemporaryFile` and `os.replace`-ing it.
public final class OutputSink {
  /// Where the output goes, for error messages.
  public let path: String
  @usableFromInline
  var descriptor: FileDescriptor?
  let closesDescriptor: Bool
  /// The temporary file that `finish()` renames to `path` (atomic writes
  /// only), for a program that must remove it when interrupted by a signal.
  public let temporaryPath: String?
  @exclusivity(unchecked) @usableFromInline
  var buffer: UnsafeMutableRawBufferPointer
  @exclusivity(unchecked) @usableFromInline
  var count = 0

  /// Writes to `path` atomically: nothing appears there until ``finish()``.
  public init(path: String, bufferSize: Int = 64 * 1024) throws(StreamIOError) {
    self.path = path
    var template = Array((path + ".tmp-XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else {
      let error = Errno(rawValue: errno)
      throw StreamIOError(.io, "cannot create a temporary file beside it: \(error)", path: path, errno: error)
    }
    temporaryPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    descriptor = FileDescriptor(rawValue: fd)
    closesDescriptor = true
    buffer = .allocate(byteCount: bufferSize, alignment: 16)
  }

  /// Writes to a descriptor you own (standard output, a pipe); closed only if `closeWhenDone`.
  public init(descriptor: FileDescriptor, name: String, closeWhenDone: Bool, bufferSize: Int = 64 * 1024) {
    self.path = name
    self.descriptor = descriptor
    self.closesDescriptor = closeWhenDone
    self.temporaryPath = nil
    buffer = .allocate(byteCount: bufferSize, alignment: 16)
  }

  /// Standard output (never closed by us).
  public static func standardOutput() -> OutputSink {
    OutputSink(descriptor: .standardOutput, name: "<stdout>", closeWhenDone: false)
  }

  deinit {
    if let temporaryPath {
      // Not finished: discard, leaving the destination as it was.
      if let descriptor { try? descriptor.close() }
      unlink(temporaryPath)
    } else if descriptor != nil {
      try? flush()
      if closesDescriptor { try? descriptor?.close() }
    }
    buffer.deallocate()
  }

  /// Appends bytes, writing the buffer out when it fills.
  @inlinable
  public func write(_ bytes: UnsafeRawBufferPointer) throws(StreamIOError) {
    if count + bytes.count > buffer.count {
      try flush()
      if bytes.count > buffer.count {
        try writeOut(bytes)
        return
      }
    }
    if let source = bytes.baseAddress {
      (buffer.baseAddress! + count).copyMemory(from: source, byteCount: bytes.count)
    }
    count += bytes.count
  }

  /// Appends a string's UTF-8 bytes.
  @inlinable
  public func write(_ text: String) throws(StreamIOError) {
    var text = text
    // withUTF8 rethrows untyped errors, so the typed one is carried out by hand.
    let failure: StreamIOError? = text.withUTF8 { bytes in
      do throws(StreamIOError) {
        try write(UnsafeRawBufferPointer(bytes))
        return nil
      } catch { return error }
    }
    if let failure { throw failure }
  }

  /// Appends one byte.
  @inlinable
  public func write(byte: UInt8) throws(StreamIOError) {
    if count == buffer.count { try flush() }
    buffer[count] = byte
    count += 1
  }

  /// Writes out what is buffered.
  public func flush() throws(StreamIOError) {
    guard count > 0 else { return }
    let pending = UnsafeRawBufferPointer(rebasing: buffer[..<count])
    count = 0
    try writeOut(pending)
  }

  @usableFromInline
  func writeOut(_ bytes: UnsafeRawBufferPointer) throws(StreamIOError) {
    guard let descriptor else {
      throw StreamIOError(.io, "write after the output was finished", path: path)
    }
    do {
      _ = try descriptor.writeAll(bytes)
    } catch {
      throw StreamIOError(.io, "write failed: \(error)", path: path, errno: error as? Errno)
    }
  }

  /// Flushes, closes, and (for a path) renames the temporary file into place.
  /// Python: leaving the `with open(...)` block, then `os.replace`.
  public func finish() throws(StreamIOError) {
    try flush()
    guard let open = descriptor else { return }
    descriptor = nil
    if let temporaryPath {
      do {
        try open.close()
      } catch {
        unlink(temporaryPath)
        throw StreamIOError(.io, "close failed: \(error)", path: path, errno: error as? Errno)
      }
      guard rename(temporaryPath, path) == 0 else {
        let error = Errno(rawValue: errno)
        unlink(temporaryPath)
        throw StreamIOError(.io, "cannot move the finished file into place: \(error)", path: path, errno: error)
      }
    } else if closesDescriptor {
      try? open.close()
    }
  }
}
