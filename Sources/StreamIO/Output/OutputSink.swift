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
/// Writing to a path never damages what is there:
/// - A regular file (or a new one) is written to a temporary file beside it,
///   flushed to disk (`fsync`) and renamed over the path by ``close()``, then
///   the directory is flushed too. If `close()` is never reached (an error,
///   an early return, a crash), the temporary file is removed at deinit (or
///   by ``discard()``) and the path is untouched: a failed run never leaves
///   half an output behind. The scoped form, ``write(to:bufferSize:_:)``,
///   closes when its closure returns and discards when it throws.
///   A replaced file keeps its permissions and owner (where allowed); a new
///   one gets `0666` less the umask, as `open(2)` would give it.
/// - A symbolic link is followed: its target is replaced atomically, the link stays.
/// - A descriptor named as a path (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`,
///   `/proc/self/fd/N`) is written through a copy of that descriptor, at its
///   offset (appending if it appends): nothing it already holds is cut.
/// - A character device (`/dev/null`, a terminal) or a FIFO is written to
///   directly, as the shell's `>` does: not atomic, by nature.
/// - A directory, a block device, a socket or an empty path is refused
///   (``StreamIOError/Code/cannotCreate``) before anything is written.
///
/// Python: writing to a `tempfile.NamedTemporaryFile` and `os.replace`-ing it.
public final class OutputSink {
  /// Where the output goes, for error messages.
  public let path: String
  @usableFromInline
  var descriptor: FileDescriptor?
  let closesDescriptor: Bool
  /// The temporary file that `close()` renames into place (atomic writes
  /// only), for a program that must remove it when interrupted by a signal.
  /// (As a `String`: a directory name that is not UTF-8 shows replaced bytes.)
  public var temporaryPath: String? { temporary.map { String(decoding: $0, as: UTF8.self) } }
  /// The temporary file's path as bytes.
  let temporary: [UInt8]?
  /// The file the temporary one replaces: `path` with symbolic links followed.
  let destination: [UInt8]?
  /// Set by ``close()`` and ``discard()``: a write after them is an error, not lost.
  // (Unchecked, as buffer and count: read on every write, by one thread.)
  @exclusivity(unchecked) @usableFromInline
  var finished = false
  @exclusivity(unchecked) @usableFromInline
  var buffer: UnsafeMutableRawBufferPointer
  @exclusivity(unchecked) @usableFromInline
  var count = 0
  /// A holding sink's: offered what it holds when its buffer is full (see
  /// ``init(holding:growingTo:release:)``).
  @usableFromInline
  let release: ((UnsafeRawBufferPointer) throws(StreamIOError) -> Bool)?
  /// How large a holding sink's buffer grows by doubling.
  let holdingLimit: Int
  /// How many of the next bytes to drop instead of writing (``skipNext(_:)``).
  @exclusivity(unchecked)
  var skipping = 0

  /// Writes to `path`: atomically for a regular or new file (nothing appears
  /// there until ``close()``), directly for a descriptor, a character device or a FIFO.
  ///
  /// - Throws: ``StreamIOError`` with code ``StreamIOError/Code/cannotCreate``
  ///   for a directory, a block device, a socket, a missing directory, a
  ///   permission denied or an empty path.
  public init(path: String, bufferSize: Int = 64 * 1024) throws(StreamIOError) {
    self.path = path
    let opened = try Self.openTarget(path)
    descriptor = FileDescriptor(rawValue: opened.fd)
    closesDescriptor = true
    temporary = opened.temporary
    destination = opened.destination
    release = nil
    holdingLimit = 0
    buffer = .allocate(byteCount: bufferSize, alignment: 16)
  }

  /// Opens what `path` names for writing: the descriptor to write to, and
  /// for an atomic write the temporary file and the file it will replace.
  static func openTarget(_ path: String) throws(StreamIOError) -> (fd: Int32, temporary: [UInt8]?, destination: [UInt8]?) {
    let target = try OutputTarget(path)
    switch target.kind {
    case .descriptor(let number):
      let fd = fcntl(number, F_DUPFD_CLOEXEC, 0)
      guard fd >= 0 else {
        let error = Errno(rawValue: errno)
        throw StreamIOError(.cannotCreate, "cannot write to descriptor \(number): \(error)", path: path, errno: error)
      }
      return (fd, nil, nil)
    case .writeThrough:
      let fd = withCPath(target.path) { open($0, O_WRONLY | O_CLOEXEC | O_NOCTTY) }
      guard fd >= 0 else {
        let error = Errno(rawValue: errno)
        throw StreamIOError(.cannotCreate, "cannot open for writing: \(error)", path: path, errno: error)
      }
      return (fd, nil, nil)
    case .replace(let mode, let owner):
      let (fd, temporary) = createTemporary(beside: target.path)
      guard fd >= 0 else {
        let error = Errno(rawValue: errno)
        throw StreamIOError(.cannotCreate, "cannot create a temporary file beside it: \(error)", path: path, errno: error)
      }
      // The owner first: changing it clears the set-user-ID and set-group-ID bits.
      if let owner { _ = fchown(fd, owner.user, owner.group) }  // as root, or to one's own group; else the default
      _ = fchmod(fd, mode)
      return (fd, temporary, target.path)
    }
  }

  /// Creates `<name>.tmp-XXXXXX` beside `target` (X random; close-on-exec,
  /// mode 0600 until set), shortening the name so that it fits wherever `target`'s does.
  static func createTemporary(beside target: [UInt8]) -> (Int32, [UInt8]) {
    let slash = target.lastIndex(of: UInt8(ascii: "/"))
    let directory = slash.map { Array(target[...$0]) } ?? []
    var name = Array(slash.map { target[($0 + 1)...] } ?? target[...])
    let suffix = Array(".tmp-XXXXXX".utf8)
    let maximum = 255 - suffix.count  // NAME_MAX on Linux and macOS file systems
    if name.count > maximum {
      var cut = maximum
      while cut > 0 && name[cut] & 0xC0 == 0x80 { cut -= 1 }  // not inside a UTF-8 sequence
      name.removeSubrange(cut...)
    }
    // mkstemp's way, with O_CLOEXEC from the start (mkostemp is a GNU extension).
    let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
    var generator = SystemRandomNumberGenerator()
    var fd: Int32 = -1
    var temporary: [UInt8] = []
    for _ in 0..<100 {
      temporary = directory + name + suffix
      for i in (temporary.count - 6)..<temporary.count { temporary[i] = letters.randomElement(using: &generator)! }
      fd = withCPath(temporary) { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
      if fd >= 0 || errno != EEXIST { break }
    }
    return (fd, temporary)
  }

  /// Writes to a descriptor you own (standard output, a pipe); closed only if `closeWhenDone`.
  public init(descriptor: FileDescriptor, name: String, closeWhenDone: Bool, bufferSize: Int = 64 * 1024) {
    self.path = name
    self.descriptor = descriptor
    self.closesDescriptor = closeWhenDone
    self.temporary = nil
    self.destination = nil
    release = nil
    holdingLimit = 0
    buffer = .allocate(byteCount: bufferSize, alignment: 16)
  }

  /// A sink that holds what is written in memory (for `--threads`: a piece
  /// of the input whose output must wait for the pieces before it; for
  /// `gen batch`, with `release` always false: a batch held whole). When
  /// its buffer is full, `release` is offered the bytes held: it returns
  /// true if it took them (they are forgotten), false to have them kept
  /// (the buffer grows, doubling up to `limit`). ``held`` and ``forget()``
  /// take the rest.
  package init(
    holding bufferSize: Int, growingTo limit: Int,
    release: @escaping (UnsafeRawBufferPointer) throws(StreamIOError) -> Bool
  ) {
    path = "a piece of the output"
    descriptor = nil
    closesDescriptor = false
    temporary = nil
    destination = nil
    self.release = release
    holdingLimit = limit
    // (At least a byte: write(byte:) flushes, which grows, only a full buffer with bytes in it.)
    buffer = .allocate(byteCount: Swift.max(bufferSize, 1), alignment: 16)
  }

  /// A holding sink's bytes not yet released.
  package var held: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: buffer[..<count]) }

  /// Forgets the held bytes (the buffer keeps its size).
  package func forget() { count = 0 }

  /// The bytes a holding sink's buffer takes (what it can hold before it grows).
  package var capacity: Int { buffer.count }

  /// A holding sink's buffer, twice as large (up to its limit), or large
  /// enough for `room` more bytes.
  @usableFromInline
  func grow(room: Int = 0) {
    let size = Swift.max(Swift.min(buffer.count &* 2, holdingLimit), count &+ room, buffer.count &+ 1)
    let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
    if count > 0 { grown.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: count) }
    buffer.deallocate()
    buffer = grown
  }

  /// Drops the next `count` bytes written instead of writing them, after
  /// writing out what is buffered. For `--threads`: when pieces of the
  /// output were written and the input must then be read again on one
  /// thread, its output's first `count` bytes are the ones already written.
  package func skipNext(_ count: Int) throws(StreamIOError) {
    try flush()
    skipping = count
  }

  /// Standard output (never closed by us).
  public static func standardOutput() -> OutputSink {
    OutputSink(descriptor: .standardOutput, name: "<stdout>", closeWhenDone: false)
  }

  deinit {
    if let temporary, !finished {
      // Not finished: discard, leaving the destination as it was.
      if let descriptor { try? descriptor.close() }
      withCPath(temporary) { _ = unlink($0) }
    } else if descriptor != nil {
      try? flush()
      if closesDescriptor { try? descriptor?.close() }
    }
    buffer.deallocate()
  }

  /// Appends bytes, writing the buffer out when it fills.
  @inlinable
  public func write(_ bytes: UnsafeRawBufferPointer) throws(StreamIOError) {
    if count + bytes.count > buffer.count || finished {
      try flush()
      if count + bytes.count > buffer.count {
        guard release != nil else { return try writeOut(bytes) }
        grow(room: bytes.count)  // (a holding sink that kept its bytes)
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

  /// Lets `body` write up to `capacity` bytes straight into the buffer
  /// (written out first if they would not fit) and return how many it wrote:
  /// one check for a whole record's pieces. False, and nothing written, if
  /// `capacity` is more than the buffer holds (never for a holding sink, whose
  /// buffer grows).
  @inlinable @inline(__always)
  package func writeInPlace(upTo capacity: Int, _ body: (UnsafeMutableRawPointer) -> Int) throws(StreamIOError) -> Bool {
    guard capacity <= buffer.count || release != nil else { return false }
    if count + capacity > buffer.count || finished {
      try flush()
      // (A holding sink that kept its bytes may still lack the room.)
      if count + capacity > buffer.count { grow(room: capacity) }
    }
    count += body(buffer.baseAddress! + count)
    return true
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
    if finished { throw StreamIOError(.writeFailed, "write after the output was finished", path: path) }
    guard count > 0 else { return }
    if let release {  // a holding sink: released, or kept in a larger buffer
      if try release(held) { count = 0 } else { grow() }
      return
    }
    let pending = UnsafeRawBufferPointer(rebasing: buffer[..<count])
    count = 0
    try writeOut(pending)
  }

  @usableFromInline
  func writeOut(_ bytes: UnsafeRawBufferPointer) throws(StreamIOError) {
    guard let descriptor else {
      throw StreamIOError(.writeFailed, "write after the output was finished", path: path)
    }
    var bytes = bytes
    if skipping > 0 {
      let dropped = Swift.min(skipping, bytes.count)
      skipping -= dropped
      bytes = UnsafeRawBufferPointer(rebasing: bytes[dropped...])
      if bytes.isEmpty { return }
    }
    do {
      _ = try descriptor.writeAll(bytes)
    } catch {
      throw StreamIOError(.writeFailed, "write failed: \(error)", path: path, errno: error as? Errno)
    }
  }

  /// Ends the output: flushes, closes, and (for a file) makes it durable and
  /// puts it in place: `fsync` of the file, rename over the destination,
  /// `fsync` of its directory. A second call does nothing; a write after it
  /// throws. Python: `f.close()` at the end of a `with open(...)` block, then
  /// `os.fsync` and `os.replace`.
  public func close() throws(StreamIOError) {
    guard !finished else { return }
    try flush()
    finished = true
    // No room left: a later write goes to flush(), which refuses it.
    buffer.deallocate()
    buffer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    guard let file = descriptor else { return }
    descriptor = nil
    guard let temporary, let destination else {
      if closesDescriptor {
        do {
          try file.close()
        } catch {
          throw StreamIOError(.writeFailed, "close failed: \(error)", path: path, errno: error as? Errno)
        }
      }
      return
    }
    func fail(_ what: String, _ error: Errno) -> StreamIOError {
      withCPath(temporary) { _ = unlink($0) }
      return StreamIOError(.writeFailed, "\(what): \(error)", path: path, errno: error)
    }
    if fsync(file.rawValue) != 0 {
      let error = Errno(rawValue: errno)
      try? file.close()
      throw fail("cannot flush the file to disk", error)
    }
    do {
      try file.close()
    } catch {
      throw fail("close failed", error as? Errno ?? .ioError)
    }
    let renamed = withCPath(temporary) { from in withCPath(destination) { to in rename(from, to) } }
    guard renamed == 0 else { throw fail("cannot move the written file into place", Errno(rawValue: errno)) }
    // The rename is durable once the directory is.
    let slash = destination.lastIndex(of: UInt8(ascii: "/"))
    let directory = slash.map { $0 == 0 ? [UInt8(ascii: "/")] : Array(destination[..<$0]) } ?? [UInt8(ascii: ".")]
    let fd = withCPath(directory) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    if fd >= 0 {
      defer { try? FileDescriptor(rawValue: fd).close() }
      if fsync(fd) != 0 && errno != EINVAL {  // some file systems cannot sync a directory
        let error = Errno(rawValue: errno)
        throw StreamIOError(.writeFailed, "cannot flush the directory to disk: \(error)", path: path, errno: error)
      }
    }
  }
}

extension OutputSink {
  /// Ends the output without keeping it: for a file, the temporary file is
  /// removed and the path keeps what it held; for a descriptor, a device or a
  /// FIFO, what is still buffered is dropped (what was already written there
  /// cannot be taken back). A write after it throws; ``close()`` after it does
  /// nothing. Python: leaving a `tempfile.NamedTemporaryFile` block on an error.
  public func discard() {
    guard !finished else { return }
    finished = true
    count = 0
    buffer.deallocate()
    buffer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    guard let file = descriptor else { return }
    descriptor = nil
    if let temporary {
      try? file.close()
      withCPath(temporary) { _ = unlink($0) }
    } else if closesDescriptor {
      try? file.close()
    }
  }

  /// The former name of ``close()``.
  @available(*, deprecated, renamed: "close()")
  public func finish() throws(StreamIOError) { try close() }
}

/// Calls `body` with `path` as a C string (a path is bytes, not always UTF-8).
func withCPath<Result>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> Result) -> Result {
  (path + [0]).withUnsafeBufferPointer { bytes in
    bytes.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
  }
}

/// What is at an output path, with symbolic links followed, and how to write there.
struct OutputTarget {
  enum Kind {
    /// Replace atomically, with this mode and (for an existing file) owner.
    case replace(mode: mode_t, owner: (user: uid_t, group: gid_t)?)
    /// Write to it as it is: a character device or a FIFO.
    case writeThrough
    /// Write through a copy of this open descriptor.
    case descriptor(Int32)
  }

  /// The path with symbolic links followed (the file to write or replace), as bytes.
  let path: [UInt8]
  let kind: Kind

  init(_ requested: String) throws(StreamIOError) {
    guard !requested.isEmpty else { throw StreamIOError(.cannotCreate, "no file named: the path is empty", path: requested) }
    if let number = OutputTarget.descriptorNamed(requested) {
      path = Array(requested.utf8)
      kind = .descriptor(number)
      return
    }
    // What is there, links followed.
    var info = stat()
    if stat(requested, &info) == 0 {
      switch info.st_mode & S_IFMT {
      case S_IFCHR, S_IFIFO:
        path = Array(requested.utf8)
        kind = .writeThrough
        return
      case S_IFDIR:
        throw StreamIOError(.cannotCreate, "is a directory; name a file to write", path: requested, errno: .isDirectory)
      case S_IFREG:
        break
      default:
        throw StreamIOError(
          .cannotCreate, "is a block device or a socket; write to a file, a character device or a FIFO",
          path: requested)
      }
    } else if errno != ENOENT {
      let error = Errno(rawValue: errno)
      throw StreamIOError(.cannotCreate, "cannot write here: \(error)", path: requested, errno: error)
    }
    // A regular file, or none yet (perhaps at the end of a dangling link):
    // the links are followed by hand, to put the temporary file beside the
    // file itself and rename over it, not over a link.
    var path = Array(requested.utf8)
    for _ in 0..<40 {  // as the kernel's limit on links followed (ELOOP)
      guard withCPath(path, { lstat($0, &info) }) == 0 else {
        self.path = path
        kind = .replace(mode: 0o666 & ~OutputTarget.currentUmask, owner: nil)
        return
      }
      if info.st_mode & S_IFMT == S_IFLNK {
        path = try OutputTarget.readLink(path, requested: requested)
        continue
      }
      self.path = path
      kind = .replace(mode: info.st_mode & 0o7777, owner: (info.st_uid, info.st_gid))
      return
    }
    throw StreamIOError(.cannotCreate, "too many levels of symbolic links", path: requested, errno: .tooManySymbolicLinkLevels)
  }

  /// The descriptor a path names (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`,
  /// `/proc/self/fd/N`), if it names one.
  static func descriptorNamed(_ path: String) -> Int32? {
    switch path {
    case "/dev/stdout": return 1
    case "/dev/stderr": return 2
    default:
      for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
        return Int32(path.dropFirst(prefix.count))
      }
      return nil
    }
  }

  /// Where the symbolic link at `path` points, relative to its directory.
  static func readLink(_ path: [UInt8], requested: String) throws(StreamIOError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = withCPath(path) { link in
      bytes.withUnsafeMutableBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { readlink(link, $0.baseAddress!, $0.count - 1) }
      }
    }
    guard count >= 0 else {
      let error = Errno(rawValue: errno)
      throw StreamIOError(.cannotCreate, "cannot read the symbolic link: \(error)", path: requested, errno: error)
    }
    let target = Array(bytes[..<count])
    if target.first == UInt8(ascii: "/") { return target }
    guard let slash = path.lastIndex(of: UInt8(ascii: "/")) else { return target }
    return Array(path[...slash]) + target
  }

  /// The process's umask, read without changing it where the system allows.
  static var currentUmask: mode_t {
    #if os(Linux)
    if let status = fopen("/proc/self/status", "r") {
      defer { fclose(status) }
      var line = [CChar](repeating: 0, count: 256)
      while fgets(&line, Int32(line.count), status) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("Umask:"), let value = mode_t(text.dropFirst(6).filter { $0.isNumber }, radix: 8) {
          return value
        }
      }
    }
    #endif
    let mask = umask(0o022)  // (changes it for a moment: only where /proc is missing)
    _ = umask(mask)
    return mask
  }
}
