/// A JSON value as parsed, for data whose shape is not known in advance
/// (the `gen` command's records): objects keep their members in the order the
/// text has them, and numbers keep their text, so writing a value back gives
/// the same keys in the same order and the same digits.
///
/// ```swift
/// let event = try JSONValue(parsing: Array(#"{"user":"ann","ms":1.50}"#.utf8))
/// if case .object(let members) = event { print(members.map(\.name)) }   // → ["user", "ms"]
/// event.serialized                                 // → {"user":"ann","ms":1.50}
/// ```
///
/// Python: `json.loads(line, object_pairs_hook=list)` with `parse_float=str`;
/// like Python's, it reads `NaN`, `Infinity` and `-Infinity`, which Python
/// writes by default. Unlike Python's, a `\u` escape must not leave a lone
/// surrogate (a Swift `String` cannot hold one), and a byte-order mark is
/// not skipped (``JSONLinesReader`` and `gen` skip one at the start of a file).
/// For values of a known type, ``JSONLinesReader`` decodes `Decodable` ones.
public enum JSONValue: Sendable {
  case null
  case bool(Bool)
  /// The number's value and its text as written (`1.50`, `1e3`).
  case number(Double, String)
  case string(String)
  case array([JSONValue])
  /// The members in the order written (duplicate names are kept).
  case object([JSONMember])

  /// The value as a number, if it is one or is a string that reads as one
  /// (spaces around it allowed; hexadecimal is text, as for Python's `float()`).
  public var numericValue: Double? {
    switch self {
    case .number(let value, _): value
    // Text is refused at its first letter without parsing: only inf,
    // infinity and nan (and their signs) start with a letter, i or n.
    case .string(let text) where text.utf8.first.map(Self.startsText) ?? true: nil
    // Hexadecimal ("0x10"), "snan" and "nan(…)" are text, as for Python's float() and CSV fields.
    case .string(let text) where text.utf8.contains(where: CSVNumbers.isNotPythonFloatByte): nil
    case .string(let text): Double(text) ?? Double(text.trimmingSpaces)
    case .bool, .null, .array, .object: nil
    }
  }

  /// Whether a first byte makes the text no number: a letter other than i
  /// or n (any case). (A sign or a digit may start one; so may a space.)
  static func startsText(_ byte: UInt8) -> Bool {
    let lower = byte | 0x20
    return lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z") && lower != UInt8(ascii: "i") && lower != UInt8(ascii: "n")
  }

  /// The value as text for comparisons and CSV output: strings bare, null
  /// empty, the rest as JSON.
  public var text: String {
    switch self {
    case .string(let text): text
    case .null: ""
    default: serialized
    }
  }

  /// The value as compact JSON text. Python: `json.dumps(v, separators=(",", ":"), ensure_ascii=False)`.
  public var serialized: String {
    var out = ""
    write(to: &out)
    return out
  }

  /// Appends the value as compact JSON text.
  public func write(to out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let value): out += value ? "true" : "false"
    case .number(_, let text): out += text
    case .string(let text): JSONValue.writeString(text, to: &out)
    case .array(let values):
      out += "["
      for (index, value) in values.enumerated() {
        if index > 0 { out += "," }
        value.write(to: &out)
      }
      out += "]"
    case .object(let members):
      out += "{"
      for (index, member) in members.enumerated() {
        if index > 0 { out += "," }
        JSONValue.writeString(member.name, to: &out)
        out += ":"
        member.value.write(to: &out)
      }
      out += "}"
    }
  }

  /// Appends `text` as a JSON string: quoted, with `"`, `\\` and control
  /// characters escaped; everything else as it is (UTF-8, not `\u` escapes).
  public static func writeString(_ text: String, to out: inout String) {
    out += "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }

  public var isNull: Bool {
    if case .null = self { return true }
    return false
  }
}

/// A member of a JSON object: a name and its value. Python: one `(key, value)`
/// pair from `object_pairs_hook`.
public struct JSONMember: Sendable {
  public var name: String
  public var value: JSONValue

  public init(_ name: String, _ value: JSONValue) {
    self.name = name
    self.value = value
  }
}

extension StringProtocol {
  /// The text without the spaces (U+0020 only) at either end.
  package var trimmingSpaces: SubSequence {
    var text = self[...]
    while let first = text.first, first == " " { text = text.dropFirst() }
    while let last = text.last, last == " " { text = text.dropLast() }
    return text
  }
}
