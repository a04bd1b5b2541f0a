#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file or stream one line at a time, in constant memory.
/// Python: `for line in open(path, "rb")`, without the line endings.
///
/// ```swift
/// let reader = try LineReader(path: "server.log")
/// while let line = try reader.next() {
///   if line.bytes.starts(with: "ERROR".utf8) { print(try line.string()) }
/// }
/// ```
///
/// - Lines end at `\n`; a `\r` before it is dropped too, so CRLF files read
///   the same as LF ones. A last line without a newline is still a line.
/// - Each ``Line`` is a value that stays valid as long as it is held; its
///   bytes are not copied (see ``Line``). The buffer grows only for a line
///   longer than itself, and never past `maxLineLength`: a longer line is an
///   error naming its line number.
/// - The file is closed at the end of input, on an error, by ``close()`` and
///   at deinit, so an early `break` out of `for line in reader` closes it as
///   soon as the reader is released.
///
/// - Complexity: O(n) in the input; each byte is searched for `\n` once.
// Stored properties are @exclusivity(unchecked): the runtime's dynamic
// exclusivity checks on a class's properties cost half the time per line.
// The reader is not Sendable and its methods never hand out inout access.
public final class LineReader {
  /// Where the bytes come from.
  public let source: ByteSource
  /// The longest line accepted, in bytes, without its line ending.
  public let maxLineLength: Int
  /// What happens to a longer line: an error (the default), or skipped and counted.
  public let errorPolicy: ReadErrorPolicy
  /// Lines skipped for being too long under `onError: .skip`.
  public internal(set) var skippedLines = 0
  /// The errors of the first 100 skipped lines, for reporting.
  public internal(set) var skippedErrors: [StreamIOError] = []
  @exclusivity(unchecked) @usableFromInline
  var buffer: ReadBuffer
  /// Where the search for `\n`s is: bytes before `newlines.scanned` are searched.
  @exclusivity(unchecked) @usableFromInline
  var newlines = ByteScan()
  @exclusivity(unchecked) @usableFromInline
  var lineNumber = 0
  @exclusivity(unchecked) @usableFromInline
  var atEnd = false
  @exclusivity(unchecked) @usableFromInline
  var asyncRead = AsyncReadState()

  /// 64 KiB: large enough that `read(2)` costs little per byte, small enough to stay in L2.
  public static var defaultBufferSize: Int { 64 * 1024 }
  /// 4 MiB: a bound on memory, not a limit a normal text file meets.
  public static var defaultMaxLineLength: Int { 4 * 1024 * 1024 }

  /// Reads lines from `source`. With `onError: .skip`, a line longer than
  /// `maxLineLength` is skipped (counted in ``skippedLines``, its error kept
  /// in ``skippedErrors``) and reading goes on after it.
  public init(
    source: ByteSource,
    bufferSize: Int = LineReader.defaultBufferSize,
    maxLineLength: Int = LineReader.defaultMaxLineLength,
    onError: ReadErrorPolicy = .throw
  ) {
    self.source = source
    self.maxLineLength = maxLineLength
    self.errorPolicy = onError
    // Room for the longest line plus its "\r\n".
    buffer = ReadBuffer(
      capacity: bufferSize, limit: Swift.max(bufferSize, maxLineLength + 2), origin: ReadOrigin(path: source.path))
  }

  /// Opens `path` and reads its lines.
  public convenience init(
    path: String,
    bufferSize: Int = LineReader.defaultBufferSize,
    maxLineLength: Int = LineReader.defaultMaxLineLength,
    onError: ReadErrorPolicy = .throw
  ) throws(StreamIOError) {
    self.init(
      source: try ByteSource(path: path), bufferSize: bufferSize, maxLineLength: maxLineLength, onError: onError)
  }

  /// The buffer's current size: it grows only for a line longer than itself.
  public var bufferCapacity: Int { buffer.capacity }

  deinit {
    source.close()
  }

  /// Closes the input now; `next()` then returns nil. (During an async read
  /// that is waiting, the input is closed when the read returns.)
  public func close() {
    if asyncRead.inFlight {
      asyncRead.closeRequested = true
      return
    }
    source.close()
    atEnd = true
    buffer.start = buffer.end
    newlines.restart(at: buffer.end)
  }

  /// The next line, or nil at the end of input.
  ///
  /// - Throws: ``StreamIOError``: ``StreamIOError/Code/lineTooLong`` for a line
  ///   over ``maxLineLength`` (the reader then stops; under `onError: .skip`
  ///   the line is skipped instead), or ``StreamIOError/Code/io``.
  @inlinable
  public func next() throws(StreamIOError) -> Line? {
    // Inline: a line whose `\n` is already found (most lines, as one scan
    // of 64 bytes finds several) and not too long. The rest out of line.
    if _fastPath(newlines.bits != 0) {
      let newline = newlines.bitsBase &+ newlines.bits.trailingZeroBitCount
      let base = buffer.base, start = buffer.start
      var end = newline
      if end > start && base.load(fromByteOffset: end &- 1, as: UInt8.self) == 0x0D { end &-= 1 }
      if _fastPath(end &- start <= maxLineLength) {
        newlines.bits &= newlines.bits &- 1
        lineNumber &+= 1
        buffer.start = newline &+ 1
        return Line(segment: buffer.segment, start: start, length: end &- start, number: lineNumber)
      }
    }
    return try nextScanning()
  }

  /// `next()` when no `\n` is found yet: scans on, reading as needed.
  @usableFromInline
  func nextScanning() throws(StreamIOError) -> Line? {
    try asyncRead.check(source.path)
    while true {
      if let line = try nextBuffered() { return line }
      if atEnd {
        guard buffer.start < buffer.end else { return nil }
        return try makeLine(endingAt: buffer.end, next: buffer.end, in: buffer.segment)  // nil if skipped
      }
      try refill()
    }
  }

  /// The line from `buffer.start` to `newline` (a trailing `\r` dropped);
  /// consumption resumes at `next`. Nil if the line is too long and skipped.
  @inlinable @inline(__always)
  func makeLine(endingAt newline: Int, next: Int, in segment: ReadSegment) throws(StreamIOError) -> Line? {
    guard let (start, length) = try takeLine(endingAt: newline, next: next) else { return nil }
    return Line(segment: segment, start: start, length: length, number: lineNumber)
  }

  /// ``makeLine(endingAt:next:in:)``'s place in the buffer, with no line made.
  @inlinable @inline(__always)
  func takeLine(endingAt newline: Int, next: Int) throws(StreamIOError) -> (start: Int, length: Int)? {
    let base = buffer.base
    let start = buffer.start
    // Offsets are within the buffer, so wrapping arithmetic cannot wrap.
    var end = newline
    if end > start && base.load(fromByteOffset: end &- 1, as: UInt8.self) == 0x0D { end &-= 1 }
    let length = end &- start
    guard length <= maxLineLength else {
      try rejectLongLine()
      buffer.start = next
      return nil
    }
    lineNumber &+= 1
    buffer.start = next
    return (start, length)
  }

  /// Reads more input; sets `atEnd` at its end.
  @usableFromInline
  func refill() throws(StreamIOError) {
    // The line in progress has no newline yet; past the limit (plus room for
    // a "\r"), it can only be too long.
    if buffer.unconsumed > maxLineLength + 1 { return try skipLongLine() }
    let consumed = buffer.start
    let read = try buffer.refill(from: source)
    // Compaction (or a new segment) moved the unscanned bytes down with the rest.
    newlines.moveDown(by: consumed &- buffer.start)
    if read < 0 { return try skipLongLine() }
    if read == 0 { atEnd = true }
  }

  /// The line in progress is too long: throws, or under `.skip` counts it.
  /// (Never inlined: inlined in this module's line loops, its checked
  /// accesses to `skippedLines` and `skippedErrors` ran once a line.)
  @usableFromInline @inline(never)
  func rejectLongLine() throws(StreamIOError) {
    let error = lineTooLong()
    guard errorPolicy == .skip else {
      close()
      throw error
    }
    lineNumber += 1
    skippedLines += 1
    if skippedErrors.count < 100 { skippedErrors.append(error) }
  }

  /// The line in progress is too long and has no newline in the buffer yet:
  /// throws, or under `.skip` counts it and drops it through its newline.
  func skipLongLine() throws(StreamIOError) {
    try rejectLongLine()
    while true {
      if let newline = ByteSearch.first(0x0A, in: buffer.base, from: buffer.start, to: buffer.end) {
        buffer.start = newline + 1
        newlines.restart(at: buffer.start)
        return
      }
      buffer.start = buffer.end
      if atEnd { break }
      if try buffer.refill(from: source) == 0 { atEnd = true }
    }
    newlines.restart(at: buffer.start)
  }

  /// Describes the line in progress, which is too long.
  func lineTooLong() -> StreamIOError {
    StreamIOError(
      .lineTooLong,
      "line is longer than the maximum of \(maxLineLength) bytes; "
        + "pass a larger maxLineLength if such lines are expected",
      path: source.path, line: lineNumber + 1, column: maxLineLength + 1,
      byteOffset: buffer.discarded + buffer.start + maxLineLength)
  }
}
