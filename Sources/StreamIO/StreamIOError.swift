import SystemPackage

/// An error reading or parsing a stream, with where it happened: the file,
/// the 1-based line and column, and the 0-based byte offset from the start.
///
/// Its description reads like a compiler diagnostic:
/// `sales.csv:12:7: unterminated quoted field (byte 4711)`.
public struct StreamIOError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What went wrong.
  public enum Code: Sendable, Hashable {
    /// Opening, reading or closing an input failed; ``errno`` says why.
    case io
    /// An output cannot be created or opened: a directory, a missing
    /// directory, no permission, a block device or a socket.
    case cannotCreate
    /// Writing, flushing or renaming an output failed; ``errno`` says why.
    case writeFailed
    /// A reader was used while its async read was still waiting (a
    /// reentrant actor method, or two tasks sharing it).
    case concurrentUse
    /// A line was longer than the reader's `maxLineLength`.
    case lineTooLong
    /// Bytes that are not valid UTF-8 where a `String` was asked for.
    case invalidUTF8
    /// A quoted CSV field with no closing quote before the end of input.
    case unterminatedQuote
    /// A quote character inside an unquoted CSV field.
    case quoteInUnquotedField
    /// Something other than a delimiter or line end after a closing quote.
    case textAfterClosingQuote
    /// A CSV record larger than the reader's `maxRecordSize`.
    case recordTooLarge
    /// A CSV column name that the header does not have.
    case missingColumn
    /// A CSV field that does not convert to the type asked for.
    case invalidField
    /// A JSON Lines line that is not JSON, or not the type asked for.
    case invalidJSON
  }

  public var code: Code
  /// What went wrong, in words, with what was expected.
  public var message: String
  /// The file, or `<stdin>`.
  public var path: String
  /// 1-based line number, when the error is in a line.
  public var line: Int?
  /// 1-based column (in bytes), when known.
  public var column: Int?
  /// 0-based offset in bytes from the start of the input, when known.
  public var byteOffset: Int?
  /// The system error behind an ``Code/io``, ``Code/cannotCreate`` or ``Code/writeFailed`` error.
  public var errno: Errno?

  public init(
    _ code: Code, _ message: String, path: String, line: Int? = nil, column: Int? = nil,
    byteOffset: Int? = nil, errno: Errno? = nil
  ) {
    self.code = code
    self.message = message
    self.path = path
    self.line = line
    self.column = column
    self.byteOffset = byteOffset
    self.errno = errno
  }

  public var description: String {
    var location = path
    if let line {
      location += ":\(line)"
      if let column { location += ":\(column)" }
    }
    var text = "\(location): \(message)"
    if let byteOffset { text += " (byte \(byteOffset))" }
    return text
  }
}
