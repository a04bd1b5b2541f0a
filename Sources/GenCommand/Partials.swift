import StreamIO

// Partial results: what `gen stats --partial` and `gen count --partial`
// write for one partition of the data (a Spark `rdd.pipe` task, a Hadoop
// Streaming mapper), and `--merge` combines into the answer of one run over
// all of it. A partial is JSON Lines; every line is a JSON object that
// carries the kind and version (`"gen_stats_partial":2`) and stands on its
// own, so partials can be concatenated, and their lines sorted (Hadoop's
// shuffle), before they are merged.

/// One line of a partial: where it is, and its members.
struct PartialLine {
  let path: String
  let number: Int
  let byteOffset: Int
  let members: [Field]

  func has(_ name: String) -> Bool { members.contains { $0.name.hasSameCodePoints(as: name) } }

  func value(_ name: String) -> JSONValue? { members.first { $0.name.hasSameCodePoints(as: name) }?.value }

  /// An error at this line, as the readers report bad data.
  func error(_ message: String) -> StreamIOError {
    StreamIOError(.invalidField, message, path: path, line: number, column: 1, byteOffset: byteOffset)
  }

  /// A count: a non-negative integer.
  func count(_ name: String) throws(StreamIOError) -> Int {
    guard case .number(_, let text)? = value(name), let count = Int(text), count >= 0 else {
      throw error("\"\(name)\" must be a whole number of 0 or more")
    }
    return count
  }

  /// A double: a JSON number, or "inf", "-inf" or "nan" (which JSON has no numbers for).
  /// A true or false member; false when absent.
  func flag(_ name: String) throws(StreamIOError) -> Bool {
    switch value(name) {
    case .bool(let value)?: return value
    case nil: return false
    default: throw error("\"\(name)\" must be true or false")
    }
  }

  func double(_ value: JSONValue?, _ name: String) throws(StreamIOError) -> Double {
    switch value {
    case .number(let number, _)?: return number
    case .string("inf")?: return .infinity
    case .string("-inf")?: return -.infinity
    case .string("nan")?: return .nan
    default: throw error("\"\(name)\" must be a number (or \"inf\", \"-inf\", \"nan\")")
    }
  }

  /// A string, or nil for null or absent.
  func optionalString(_ name: String) throws(StreamIOError) -> String? {
    switch value(name) {
    case .string(let text)?: return text
    case .null?, nil: return nil
    default: throw error("\"\(name)\" must be a string or null")
    }
  }

  /// An array of strings, or nil for null or absent.
  func optionalStrings(_ name: String) throws(StreamIOError) -> [String]? {
    switch value(name) {
    case .array(let values)?:
      var strings: [String] = []
      for value in values {
        guard case .string(let text) = value else { throw error("\"\(name)\" must be an array of strings") }
        strings.append(text)
      }
      return strings
    case .null?, nil: return nil
    default: throw error("\"\(name)\" must be an array of strings or null")
    }
  }
}

enum Partials {
  /// Reads the partials in `paths` (`-` is standard input; gzip is
  /// decompressed) line by line, in order; blank lines are passed over.
  /// Each line must be a JSON object with `kind` set to `version`.
  static func read(
    _ paths: [String], kind: String, version: Int, maxLineLength: Int, environment: GenEnvironment,
    _ body: (PartialLine) throws -> Void
  ) throws {
    for path in paths {
      let source = path == "-" ? try environment.stdin() : try ByteSource(path: path)
      let lines = LineReader(source: source, maxLineLength: maxLineLength)
      while let line = try lines.next() {
        let bytes = Array(line.bytes)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
        let value: JSONValue
        do {
          value = try JSONValue(parsing: bytes)
        } catch {
          throw StreamIOError(
            .invalidJSON, error.message, path: source.path, line: line.number, column: error.column,
            byteOffset: line.byteOffset + error.column - 1)
        }
        let partial: PartialLine
        if case .object(let members) = value {
          partial = PartialLine(path: source.path, number: line.number, byteOffset: line.byteOffset, members: members)
        } else {
          partial = PartialLine(path: source.path, number: line.number, byteOffset: line.byteOffset, members: [])
        }
        guard case .number(_, let text)? = partial.value(kind) else {
          let verb = kind == "gen_stats_partial" ? "stats" : "count"
          throw partial.error(
            "not a partial of `gen \(verb) --partial` (a JSON object with \"\(kind)\":\(version) on every line)")
        }
        guard text == String(version) else {
          throw partial.error(
            "\"\(kind)\":\(text) is a partial format this gen does not read (it reads \(version)): "
              + "make the partials again with this gen")
        }
        try body(partial)
      }
    }
  }

  /// `value` as a JSON number that reads back to the same bits (Swift's
  /// shortest round-trip digits), or "inf", "-inf", "nan" as strings.
  static func number(_ value: Double) -> String {
    if value.isNaN { return "\"nan\"" }
    if value.isInfinite { return value < 0 ? "\"-inf\"" : "\"inf\"" }
    return value.description
  }

  static func string(_ text: String) -> String {
    var out = ""
    JSONValue.writeString(text, to: &out)
    return out
  }

  static func strings(_ texts: [String]?) -> String {
    guard let texts else { return "null" }
    return "[" + texts.map(string).joined(separator: ",") + "]"
  }
}
