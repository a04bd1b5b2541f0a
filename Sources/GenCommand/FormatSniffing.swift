/// What standard input holds, guessed from its first bytes when no
/// `--format` is given (a file's name says it otherwise).
enum SniffedFormat: Equatable {
  case csv(delimiter: UInt8)
  case jsonl
  case lines
  /// A JSON document (an array), which gen does not read as records.
  case jsonDocument

  /// Whether `bytes` are enough to decide: a first `{` or `[`, or two whole
  /// lines. Standard input may be a slow stream (`tail -f`): sniffing waits
  /// for no more than that.
  static func canDecide(_ bytes: [UInt8]) -> Bool {
    let first = bytes.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF }
    if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") { return true }
    return bytes.lazy.filter { $0 == 0x0A }.count >= 2
  }

  /// From the first bytes of the input: a `{` is JSON Lines, a `[` a JSON
  /// document; lines that split into the same number (> 1) of fields on a
  /// comma, tab, semicolon or bar are CSV with that delimiter; anything else is lines.
  static func sniff(_ bytes: [UInt8]) -> SniffedFormat {
    var start = 0
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }  // a byte-order mark
    guard let first = bytes[start...].first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D })
    else { return .lines }
    if first == UInt8(ascii: "{") { return .jsonl }
    if first == UInt8(ascii: "[") { return .jsonDocument }
    // Whole lines only: the last one may be cut by the peek.
    var lines = bytes[start...].split(separator: 0x0A, omittingEmptySubsequences: true)
    if bytes.last != 0x0A && lines.count > 1 { lines.removeLast() }
    let sample = lines.prefix(20)
    guard !sample.isEmpty else { return .lines }
    for delimiter in [UInt8(ascii: ","), 0x09, UInt8(ascii: ";"), UInt8(ascii: "|")] {
      let widths = sample.map { fieldCount(of: $0, delimiter: delimiter) }
      if widths[0] > 1 && widths.allSatisfy({ $0 == widths[0] }) { return .csv(delimiter: delimiter) }
    }
    return .lines
  }

  /// Fields in one line, quotes respected (a delimiter inside quotes does not count).
  private static func fieldCount(of line: ArraySlice<UInt8>, delimiter: UInt8) -> Int {
    var count = 1
    var quoted = false
    for byte in line {
      if byte == UInt8(ascii: "\"") { quoted.toggle() } else if byte == delimiter && !quoted { count += 1 }
    }
    return count
  }
}
