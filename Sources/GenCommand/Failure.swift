import StreamIO
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The exit codes of BSD's sysexits.h, which `gen` uses.
public enum ExitStatus: Int32, Sendable {
  case success = 0
  /// Bad arguments (EX_USAGE).
  case usage = 64
  /// Bad data in the input (EX_DATAERR).
  case dataError = 65
  /// The input does not exist or cannot be read (EX_NOINPUT).
  case noInput = 66
  /// An output cannot be created: a directory, no permission (EX_CANTCREAT).
  case cannotCreate = 73
  /// A network input cannot be reached: no connection, or an HTTP error
  /// status after the retries (EX_UNAVAILABLE).
  case unavailable = 69
  /// Reading or writing failed (EX_IOERR).
  case ioError = 74
  /// Interrupted by Ctrl-C (128 + SIGINT), as shells report it; SIGTERM and
  /// SIGHUP exit with 128 + their number.
  case interrupted = 130
}

/// A URL input that cannot be read: no connection, or an HTTP error after
/// the retries. `gen` exits 69 (EX_UNAVAILABLE) with the message, which names
/// the URL and the bytes received.
public struct InputUnavailable: Error {
  public var message: String
  public init(_ message: String) { self.message = message }
}

/// A failure with its exit status and what to print.
package struct GenFailure: Error {
  package var status: ExitStatus
  package var message: String

  package init(status: ExitStatus, message: String) {
    self.status = status
    self.message = message
  }

  package static func usage(_ message: String) -> GenFailure { GenFailure(status: .usage, message: message) }
}

extension StreamIOError {
  /// The write end of a pipe closed (`gen … | head`): stop quietly.
  package var isBrokenPipe: Bool { (code == .io || code == .writeFailed) && errno == .brokenPipe }

  package var exitStatus: ExitStatus {
    switch code {
    case .io:
      switch errno {
      case .noSuchFileOrDirectory?, .permissionDenied?, .notDirectory?, .isDirectory?: .noInput
      default: .ioError
      }
    case .cannotCreate: .cannotCreate
    case .writeFailed, .concurrentUse: .ioError
    case .missingColumn: .usage
    case .lineTooLong, .invalidUTF8, .unterminatedQuote, .quoteInUnquotedField, .textAfterClosingQuote,
      .recordTooLarge, .invalidField, .invalidJSON:
      .dataError
    }
  }

  /// `file:line:column: message`, then the offending line and a caret under
  /// the spot, when the file can be read again at that place.
  package var report: String {
    var text = "gen: \(escapingControls(description))\n"
    if code == .lineTooLong || code == .recordTooLarge { text += "  (gen: raise the limit with --max-line-length BYTES, or --skip-bad to skip such lines)\n" }
    guard let (lineText, caretColumn) = offendingLine() else { return text }
    text += "  \(lineText)\n"
    text += "  " + String(repeating: " ", count: caretColumn) + "^\n"
    return text
  }

  /// The line the error is on, read back from the file, and the caret's
  /// position in characters (the column is in bytes).
  func offendingLine() -> (String, Int)? {
    guard let column, let byteOffset, column >= 1, !path.hasPrefix("<") else { return nil }
    let lineStart = byteOffset - (column - 1)
    guard lineStart >= 0, let descriptor = try? FileDescriptor.open(FilePath(path), .readOnly) else { return nil }
    defer { try? descriptor.close() }
    // Offsets count decompressed bytes: a gzip file (known by its magic bytes,
    // whatever its name) cannot be read back at them.
    var magic: [UInt8] = [0, 0]
    let magicCount = (try? magic.withUnsafeMutableBytes { try descriptor.read(fromAbsoluteOffset: 0, into: $0) }) ?? 0
    if magicCount == 2 && magic == [0x1F, 0x8B] { return nil }
    var bytes = [UInt8](repeating: 0, count: 240)
    let count = (try? bytes.withUnsafeMutableBytes { try descriptor.read(fromAbsoluteOffset: Int64(lineStart), into: $0) }) ?? 0
    var line = Array(bytes[0..<count])
    if let end = line.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) { line = Array(line[..<end]) }
    let prefix = escapingControls(String(decoding: line.prefix(column - 1), as: UTF8.self).map { $0 == "\t" ? " " : $0 })
    let shown = escapingControls(String(decoding: line, as: UTF8.self).map { $0 == "\t" ? " " : $0 })
    return (shown, prefix.count)
  }
}

/// `text` with terminal control characters (C0 but tab and line feed, DEL,
/// C1, bidirectional overrides) shown as escapes, so that input quoted in a
/// message cannot move the cursor, clear the screen, retitle the terminal or
/// reorder what is shown.
package func escapingControls(_ text: some Sequence<Character>) -> String {
  var result = ""
  for character in text {
    guard character.unicodeScalars.contains(where: isControl) else {
      result.append(character)
      continue
    }
    for scalar in character.unicodeScalars {
      if isControl(scalar) {
        result += scalar.value < 0x80 ? "\\x" + hex(scalar.value) : "\\u{" + hex(scalar.value) + "}"
      } else {
        result.unicodeScalars.append(scalar)
      }
    }
  }
  return result
}

private func isControl(_ scalar: Unicode.Scalar) -> Bool {
  (scalar.value < 0x20 && scalar != "\t" && scalar != "\n") || (0x7F...0x9F).contains(scalar.value)
    || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)  // bidirectional overrides
}

private func hex(_ value: UInt32) -> String {
  let digits = String(value, radix: 16, uppercase: true)
  return digits.count < 2 ? "0" + digits : digits
}
