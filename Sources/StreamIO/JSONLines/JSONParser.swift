/// A JSON syntax error: what was expected, at a 1-based byte column of the text.
public struct JSONSyntaxError: Error, Sendable {
  public var column: Int
  public var message: String
}

extension JSONValue {
  /// Parses one JSON text (a JSON Lines line), keeping the order of object
  /// members and the text of numbers. Nesting deeper than 512 levels is an error.
  ///
  /// - Throws: ``JSONSyntaxError`` saying what was expected at which column.
  public init(parsing bytes: [UInt8]) throws(JSONSyntaxError) {
    let parsed: Result<JSONValue, JSONSyntaxError> = bytes.withUnsafeBytes { bytes in
      do throws(JSONSyntaxError) { return .success(try JSONParser.parse(bytes, building: true)) } catch { return .failure(error) }
    }
    self = try parsed.get()
  }

  /// Whether `bytes` are one JSON object (spaces around it allowed), checked
  /// as ``init(parsing:)`` would accept it but without building anything (see
  /// ``JSONValidator``). For counting records; on false, parse to learn why.
  package static func isObject(_ bytes: UnsafeRawBufferPointer) -> Bool { JSONValidator.isObject(bytes) }
}

/// The parser behind ``JSONValue/init(parsing:)``: recursive descent over the
/// bytes. Not `building`, it checks the same grammar and returns only the
/// top-level kind (an empty object, array or string, or null for a number).
struct JSONParser {
  let bytes: UnsafeRawBufferPointer
  let building: Bool
  var index = 0

  init(_ bytes: UnsafeRawBufferPointer, building: Bool) {
    self.bytes = bytes
    self.building = building
  }

  static func parse(_ bytes: UnsafeRawBufferPointer, building: Bool) throws(JSONSyntaxError) -> JSONValue {
    var parser = JSONParser(bytes, building: building)
    parser.skipSpace()
    let value = try parser.value(depth: 0)
    parser.skipSpace()
    guard parser.index == bytes.count else { throw parser.error("expected the end of the line after the JSON value") }
    return value
  }

  func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(column: index + 1, message: message) }

  mutating func skipSpace() {
    while index < bytes.count {
      let byte = bytes[index]
      guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return }
      index += 1
    }
  }

  mutating func value(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    guard depth < 512 else { throw error("JSON nested more than 512 levels deep") }
    guard index < bytes.count else { throw error("expected a JSON value, found the end of the line") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try object(depth: depth)
    case UInt8(ascii: "["): return try array(depth: depth)
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): return try literal("true", .bool(true))
    case UInt8(ascii: "f"): return try literal("false", .bool(false))
    case UInt8(ascii: "n"): return try literal("null", .null)
    // Not JSON, but what Python's json module writes for float('nan') and
    // float('inf') (allow_nan=True, its default), and reads back.
    case UInt8(ascii: "N"): return try literal("NaN", .number(.nan, "NaN"))
    case UInt8(ascii: "I"): return try literal("Infinity", .number(.infinity, "Infinity"))
    case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "I"):
      return try literal("-Infinity", .number(-.infinity, "-Infinity"))
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
    default: throw error("expected a JSON value (object, array, string, number, true, false or null)")
    }
  }

  mutating func literal(_ word: String, _ value: JSONValue) throws(JSONSyntaxError) -> JSONValue {
    let utf8 = word.utf8
    guard index + utf8.count <= bytes.count, bytes[index..<index + utf8.count].elementsEqual(utf8) else {
      throw error("expected \(word)")
    }
    index += utf8.count
    return value
  }

  mutating func number() throws(JSONSyntaxError) -> JSONValue {
    let start = index
    if bytes[index] == UInt8(ascii: "-") { index += 1 }
    func digits(_ parser: inout JSONParser) -> Int {
      let from = parser.index
      while parser.index < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) {
        parser.index += 1
      }
      return parser.index - from
    }
    let integerStart = index
    guard digits(&self) > 0 else { throw error("expected a digit") }
    if bytes[integerStart] == UInt8(ascii: "0") && index - integerStart > 1 {
      index = integerStart + 1
      throw error("a JSON number does not start with 0 followed by digits (01 is not JSON; write 1)")
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
      index += 1
      guard digits(&self) > 0 else { throw error("expected a digit after the decimal point") }
    }
    if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
      index += 1
      if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
      guard digits(&self) > 0 else { throw error("expected a digit in the exponent") }
    }
    guard building else { return .null }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    guard let value = Double(text) else { throw JSONSyntaxError(column: start + 1, message: "number out of range") }
    return .number(value, text)
  }

  /// The high bit of each of the eight bytes (the first byte lowest) that is
  /// a quote, a backslash, below 0x20 or from 0x80; zero if none is. Bytes
  /// after the first such one may be flagged wrongly (a borrow carries into
  /// them), so only the lowest flag is exact: the bytes from there are looked
  /// at one by one.
  @inline(__always)
  static func attentionMask(_ word: UInt64) -> UInt64 {
    ByteWords.equal(word, 0x22) | ByteWords.equal(word, 0x5C) | ByteWords.control(word) | ByteWords.high(word)
  }

  /// How many of the eight bytes (as loaded from memory) come before the
  /// first that needs attention (8: none does).
  @inline(__always)
  static func plainBytes(_ loaded: UInt64) -> Int {
    // Little-endian, the first byte is the lowest: borrows only run upwards, past it.
    attentionMask(UInt64(littleEndian: loaded)).trailingZeroBitCount &>> 3
  }

  mutating func string() throws(JSONSyntaxError) -> String {
    index += 1  // the opening quote
    // Built only when the string has escapes: the runs between them, checked,
    // and what each escape stands for, as UTF-8. Without escapes (most
    // strings) the String is made from the bytes in one step.
    var text: [UInt8] = []
    var escaped = false
    var run = index
    var nonASCII = false  // in the current run
    /// Checks the run before `parser.index` (UTF-8, if it has a byte from 0x80) and keeps it in `text`.
    func flush(_ parser: JSONParser, _ text: inout [UInt8], _ from: Int, _ nonASCII: Bool) throws(JSONSyntaxError) {
      guard from < parser.index else { return }
      let bytes = parser.bytes[from..<parser.index]
      if nonASCII && String(validating: bytes, as: UTF8.self) == nil {
        throw JSONSyntaxError(column: from + 1, message: "invalid UTF-8 in a string")
      }
      if parser.building { text.append(contentsOf: bytes) }
    }
    while true {
      // Plain ASCII, eight bytes at a time: no quote, backslash, control
      // character or byte from 0x80 (those are looked at one by one).
      while index &+ 8 <= bytes.count {
        let plain = Self.plainBytes(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        index &+= plain
        if plain < 8 { break }
      }
      guard index < bytes.count else { throw error("unterminated string: expected a closing \"") }
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        defer { index += 1 }
        if !escaped && building {
          let bytes = self.bytes[run..<index]
          guard nonASCII else { return String(decoding: bytes, as: UTF8.self) }
          guard let string = String(validating: bytes, as: UTF8.self) else {
            throw JSONSyntaxError(column: run + 1, message: "invalid UTF-8 in a string")
          }
          return string
        }
        try flush(self, &text, run, nonASCII)
        return building ? String(decoding: text, as: UTF8.self) : ""
      }
      if byte < 0x20 { throw error("control character in a string: escape it (\\n, \\t, \\u00XX)") }
      if byte != UInt8(ascii: "\\") {
        if byte >= 0x80 { nonASCII = true }
        index += 1
        continue
      }
      try flush(self, &text, run, nonASCII)
      escaped = true
      nonASCII = false
      index += 1
      guard index < bytes.count else { throw error("unterminated escape") }
      let escape = bytes[index]
      index += 1
      let scalar: Unicode.Scalar
      switch escape {
      case UInt8(ascii: "\""): scalar = "\""
      case UInt8(ascii: "\\"): scalar = "\\"
      case UInt8(ascii: "/"): scalar = "/"
      case UInt8(ascii: "b"): scalar = "\u{8}"
      case UInt8(ascii: "f"): scalar = "\u{C}"
      case UInt8(ascii: "n"): scalar = "\n"
      case UInt8(ascii: "r"): scalar = "\r"
      case UInt8(ascii: "t"): scalar = "\t"
      case UInt8(ascii: "u"):
        var code = try hex4()
        if (0xD800..<0xDC00).contains(code) {
          guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
            throw error("a high surrogate must be followed by \\u and a low surrogate")
          }
          index += 2
          let low = try hex4()
          guard (0xDC00..<0xE000).contains(low) else { throw error("expected a low surrogate") }
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let decoded = Unicode.Scalar(code) else { throw error("\\u escape is not a Unicode scalar") }
        scalar = decoded
      default:
        index -= 1
        throw error("unknown escape \\\(Character(Unicode.Scalar(escape)))")
      }
      if building { UTF8.encode(scalar) { text.append($0) } }
      run = index
    }
  }


  mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
    guard index + 4 <= bytes.count else { throw error("expected 4 hex digits") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[index]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw error("expected a hex digit")
      }
      value = value << 4 | UInt32(digit)
      index += 1
    }
    return value
  }

  mutating func array(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    index += 1
    var values: [JSONValue] = []
    skipSpace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
      index += 1
      return .array(values)
    }
    while true {
      skipSpace()
      let value = try value(depth: depth + 1)
      if building { values.append(value) }
      skipSpace()
      guard index < bytes.count else { throw error("unterminated array: expected , or ]") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
      } else if bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(values)
      } else {
        throw error("expected , or ] in an array")
      }
    }
  }

  mutating func object(depth: Int) throws(JSONSyntaxError) -> JSONValue {
    index += 1
    var members: [JSONMember] = []
    skipSpace()
    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
      index += 1
      return .object(members)
    }
    while true {
      skipSpace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a \"key\" in an object") }
      let key = try string()
      skipSpace()
      guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected : after an object key") }
      index += 1
      skipSpace()
      let value = try value(depth: depth + 1)
      if building { members.append(JSONMember(key, value)) }
      skipSpace()
      guard index < bytes.count else { throw error("unterminated object: expected , or }") }
      if bytes[index] == UInt8(ascii: ",") {
        index += 1
      } else if bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(members)
      } else {
        throw error("expected , or } in an object")
      }
    }
  }
}

