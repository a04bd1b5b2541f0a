/// One line read by ``LineReader``, without its line ending (`\n` or `\r\n`).
///
/// A value: it stays valid and unchanged for as long as you hold it, after
/// later reads and after the reader is gone (`Array(reader)` and
/// `reader.prefix(3)` give distinct lines). Its bytes are not copied: the
/// line keeps the block of input it lies in alive, and the reader moves on
/// to a new block only when a kept line still holds the current one.
@_eagerMove
public struct Line {
  @usableFromInline
  let segment: ReadSegment
  @usableFromInline
  let start: Int
  @usableFromInline
  let length: Int
  /// 1-based line number.
  public let number: Int

  @inlinable
  init(segment: ReadSegment, start: Int, length: Int, number: Int) {
    self.segment = segment
    self.start = start
    self.length = length
    self.number = number
  }

  /// The line's bytes, without the line ending. They stay valid while the
  /// line is alive: keep the line (not just the pointer) for as long as you
  /// use them, or use ``withBytes(_:)``.
  @inlinable
  public var bytes: UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: segment.base + start, count: length)
  }

  /// Calls `body` with the line's bytes, keeping the line alive meanwhile.
  @inlinable
  public func withBytes<Result, Failure: Error>(
    _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    try withExtendedLifetime(self) { () throws(Failure) -> Result in try body(bytes) }
  }

  /// 0-based offset in the input of the line's first byte.
  @inlinable
  public var byteOffset: Int { segment.discarded &+ start }

  /// The line as a `String`, checking that it is valid UTF-8.
  /// Python: `line.decode("utf-8")` (strict).
  ///
  /// - Throws: ``StreamIOError`` with code ``StreamIOError/Code/invalidUTF8``,
  ///   naming the file, line, column and byte of the first invalid byte.
  @inlinable
  public func string() throws(StreamIOError) -> String {
    if let text = validatedString(bytes) { return text }
    throw invalidUTF8()
  }

  /// The line as a `String`, invalid UTF-8 replaced by U+FFFD.
  /// Python: `line.decode("utf-8", errors="replace")`.
  @inlinable
  public var lossyString: String { String(decoding: bytes, as: UTF8.self) }

  @usableFromInline
  func invalidUTF8() -> StreamIOError {
    let bytes = self.bytes
    let column = firstInvalidUTF8(in: bytes) ?? 0
    return StreamIOError(
      .invalidUTF8, "invalid UTF-8 where text was expected (byte 0x\(String(bytes[column], radix: 16)))",
      path: segment.origin.path, line: number, column: column + 1,
      byteOffset: byteOffset + column)
  }
}

/// The index of the first byte that starts an invalid UTF-8 sequence.
func firstInvalidUTF8(in bytes: UnsafeRawBufferPointer) -> Int? {
  var i = 0
  let n = bytes.count
  while i < n {
    let lead = bytes[i]
    let length: Int
    switch lead {
    case 0x00...0x7F: i += 1; continue
    case 0xC2...0xDF: length = 2
    case 0xE0...0xEF: length = 3
    case 0xF0...0xF4: length = 4
    default: return i
    }
    guard i + length <= n else { return i }
    for k in 1..<length where bytes[i + k] & 0xC0 != 0x80 { return i }
    let second = bytes[i + 1]
    if lead == 0xE0 && second < 0xA0 { return i }  // overlong
    if lead == 0xED && second > 0x9F { return i }  // surrogate
    if lead == 0xF0 && second < 0x90 { return i }  // overlong
    if lead == 0xF4 && second > 0x8F { return i }  // above U+10FFFF
    i += length
  }
  return nil
}
