// JSONValue, the ordered JSON model: parsed as Python's json module reads,
// member order and number text kept, errors at the column.
import Foundation
@testable import StreamIO
import Testing

@Suite struct JSONValueTests {
  func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue { try JSONValue(parsing: Array(text.utf8)) }

  @Test func membersKeepTheirOrderAndNumbersTheirText() throws {
    let value = try parse(#" {"z": 1.50, "a": [true, null, -0.0, 1e3], "m": {"k": "v"}} "#)
    #expect(value.serialized == #"{"z":1.50,"a":[true,null,-0.0,1e3],"m":{"k":"v"}}"#)
    guard case .object(let members) = value else { Issue.record("not an object"); return }
    #expect(members.map(\.name) == ["z", "a", "m"])
    #expect(members[0].value.numericValue == 1.5)
  }

  @Test func stringsUnescapeAndWriteBackEscaped() throws {
    let value = try parse(#""tab\there \"q\" \\ \u00e9 \ud83d\ude00 \u0001""#)
    #expect(value.text == "tab\there \"q\" \\ é 😀 \u{1}")
    #expect(value.serialized == #""tab\there \"q\" \\ é 😀 \u0001""#)
  }

  /// Every value Python's json module writes for random data reads back the same.
  @Test func agreesWithPythonsJSONModule() throws {
    let script = """
      import json, random
      random.seed(7)
      def value(depth):
          kind = random.randrange(7 if depth < 4 else 4)
          if kind == 0: return None
          if kind == 1: return random.random() < 0.5
          if kind == 2: return random.choice([0, -3, 12345678901234, random.uniform(-1e6, 1e6), 1e-300])
          if kind == 3: return ''.join(random.choice('aé"\\\\\\n\\t 日😀\\x01') for _ in range(random.randrange(6)))
          if kind == 4: return [value(depth + 1) for _ in range(random.randrange(4))]
          return {str(i) + random.choice('xyz'): value(depth + 1) for i in range(random.randrange(4))}
      for _ in range(300):
          v = value(0)
          print(json.dumps(v, ensure_ascii=random.random() < 0.5))
          print(json.dumps(v, separators=(',', ':'), ensure_ascii=False))
      """
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    python.arguments = ["python3", "-c", script]
    let pipe = Pipe()
    python.standardOutput = pipe
    try python.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    python.waitUntilExit()
    let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
    #expect(lines.count == 600)
    for pair in stride(from: 0, to: lines.count, by: 2) {
      // Python's compact form is exactly what serialized writes for the same value.
      let parsed = try JSONValue(parsing: Array(lines[pair].utf8))
      #expect(parsed.serialized == String(lines[pair + 1]), "\(lines[pair])")
    }
  }

  @Test func errorsSayWhatAndWhere() {
    let cases: [(String, Int, String)] = [
      (#"{"a" 1}"#, 6, "expected :"),
      (#"[1, 2"#, 6, "unterminated array"),
      (#""abc"#, 5, "unterminated string"),
      (#"{"a": 01}"#, 8, "does not start with 0"),
      (#"tru"#, 1, "expected true"),
      (#"{} x"#, 4, "expected the end of the line"),
    ]
    for (text, column, message) in cases {
      do {
        _ = try parse(text)
        Issue.record("\(text) parsed")
      } catch {
        #expect(error.column == column, "\(text): \(error.message)")
        #expect(error.message.contains(message), "\(text): \(error.message)")
      }
    }
  }

  /// Python writes NaN and Infinity by default (allow_nan=True) and reads them back: so do we.
  @Test func pythonsNonFiniteNumbersAreRead() throws {
    let value = try parse(#"[NaN, Infinity, -Infinity, -1]"#)
    guard case .array(let items) = value else { Issue.record("not an array"); return }
    #expect(items[0].numericValue?.isNaN == true)
    #expect(items[1].numericValue == .infinity)
    #expect(items[2].numericValue == -.infinity)
    #expect(items[3].numericValue == -1)
    #expect(value.serialized == "[NaN,Infinity,-Infinity,-1]")
    #expect(throws: JSONSyntaxError.self) { try parse("-Inf") }
    #expect(throws: JSONSyntaxError.self) { try parse("nan") }
  }

  /// The writer's lines are stable: sorted keys, slashes as they are.
  @Test func jsonLinesWriterWritesStableLines() throws {
    struct Event: Codable { var s: String; var a: Int; var m: Int }
    let path = NSTemporaryDirectory() + "events-\(UUID().uuidString).jsonl"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try JSONLinesWriter<Event>.write(to: path) { out in
      for i in 0..<20 { try out.write(Event(s: "a/b", a: i, m: 1)) }
    }
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 20)
    for (i, line) in lines.enumerated() { #expect(line == #"{"a":"# + "\(i)" + #","m":1,"s":"a/b"}"#) }
  }

  @Test func deepNestingIsAnErrorNotACrash() {
    let deep = String(repeating: "[", count: 100_000)
    #expect(throws: JSONSyntaxError.self) { try parse(deep) }
  }

  /// `gen count`'s check (``JSONValue/isObject(_:)``, which builds nothing)
  /// says yes exactly when the parser reads an object: over random lines
  /// built from JSON's pieces, cut and spliced so that most are almost JSON.
  @Test func objectCheckAgreesWithTheParser() {
    let pieces = [
      "{", "}", "[", "]", ":", ",", " ", "\t", "\"", "\"k\"", "\"v\"", "\\", "\\n", "\\u00e9", "\\ud83d\\ude00", "\\ud83d",
      "\\udc00", "\\u12", "\\x", "é", "😀", "\u{1}", "0", "01", "-0", "-", "1.5", "1.", ".5", "1e5", "1E+5", "1e", "-1e-7",
      "1e400", "1e99999999999999999999", "true", "tru", "false", "null", "nul", "NaN", "Infinity", "-Infinity", "-Inf",
      "\r", "\n", "x",
    ]
    var random = SystemRandomNumberGenerator()
    let invalidUTF8: [[UInt8]] = [[0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xC3]]
    var accepted = 0
    var disagreements: [String] = []
    for round in 0..<60_000 {
      var bytes: [UInt8] = []
      if round % 3 == 0 {
        bytes = Array("{\"a\": ".utf8)
        for _ in 0..<Int.random(in: 0...8, using: &random) { bytes += Array(pieces.randomElement(using: &random)!.utf8) }
        bytes += Array("}".utf8)
      } else {
        let valid = [
          #"{"name": "Zoë \u00e9", "n": [1, -2.5e3, {"x": null}], "ok": true, "s": "a\"b\\c"}"#,
          #"{"k":NaN,"j":-Infinity,"e":{},"f":[],"g":"\ud83d\ude00"}"#,
        ].randomElement(using: &random)!
        bytes = Array(valid.utf8)
        for _ in 0..<Int.random(in: 0...2, using: &random) {
          let at = Int.random(in: 0...bytes.count, using: &random)
          switch Int.random(in: 0..<4, using: &random) {
          case 0 where at < bytes.count: bytes.remove(at: at)
          case 1: bytes.insert(contentsOf: invalidUTF8.randomElement(using: &random)!, at: at)
          default: bytes.insert(contentsOf: Array(pieces.randomElement(using: &random)!.utf8), at: at)
          }
        }
      }
      let parsed: Bool
      if case .object? = try? JSONValue(parsing: bytes) { parsed = true } else { parsed = false }
      let checked = bytes.withUnsafeBytes { JSONValue.isObject($0) }
      if parsed { accepted += 1 }
      if parsed != checked && disagreements.count < 10 {
        disagreements.append("\(checked ? "checked" : "parsed"): \(String(decoding: bytes, as: UTF8.self).debugDescription)")
      }
    }
    #expect(disagreements.isEmpty, "\(disagreements)")
    #expect(accepted > 5_000)  // (the lines are not all broken)
    // Nesting: the parser's limit of 512 levels, as the check sees it.
    for depth in [510, 511, 512, 513] {
      let text = "{\"a\":" + String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth) + "}"
      let parsed = (try? JSONValue(parsing: Array(text.utf8))) != nil
      #expect(Array(text.utf8).withUnsafeBytes { JSONValue.isObject($0) } == parsed, "depth \(depth)")
    }
  }

  /// The quick path for plain flat lines (no control byte, no byte from
  /// 0x80, no backslash: strings end at the next quote) gives what the
  /// parser gives: the same yes or no, and members whose keys and values'
  /// bytes are the parsed ones. Lines of 1 to 150 bytes, so the 64-byte
  /// blocks and the last overlapping eight bytes meet every kind of byte.
  @Test func plainFlatLinesAgreeWithTheParser() {
    var random = SystemRandomNumberGenerator()
    let values = ["\"v\"", "\"\"", "\"a b\"", "0", "-0", "12", "-3.25", "1e5", "2.5E-3", "true", "false", "null"]
    let edits = [
      "\t", "\\", "é", "\u{1}", "\u{7f}", "\"", "{", "}", "[", ":", ",", " ", "01", "-", "1.", "1e", "tru", "nul", "x", "NaN",
    ]
    var accepted = 0
    var disagreements: [String] = []
    for round in 0..<40_000 {
      var text = Bool.random(using: &random) ? " {" : "{"
      for index in 0..<Int.random(in: 0...6, using: &random) {
        if index > 0 { text += Bool.random(using: &random) ? ", " : "," }
        let key = String(repeating: "k", count: Int.random(in: 0...20, using: &random))
        text += "\"\(key)\"" + (Bool.random(using: &random) ? " : " : ":") + values.randomElement(using: &random)!
      }
      text += Bool.random(using: &random) ? "} " : "}"
      var bytes = Array(text.utf8)
      if round % 2 == 0 {
        let at = Int.random(in: 0...bytes.count, using: &random)
        if Bool.random(using: &random), at < bytes.count {
          bytes.remove(at: at)
        } else {
          bytes.insert(contentsOf: Array(edits.randomElement(using: &random)!.utf8), at: at)
        }
      }
      let parsed = try? JSONValue(parsing: bytes)
      var members: [JSONMemberSpan] = []
      let found = bytes.withUnsafeBytes { JSONValue.members(of: $0, into: &members) }
      let checked = bytes.withUnsafeBytes { JSONValue.isObject($0) }
      guard case .object(let object)? = parsed else {
        if (found || checked) && disagreements.count < 10 { disagreements.append("accepted: \(text.debugDescription)") }
        continue
      }
      accepted += 1
      let spans = members.map { member in
        (String(decoding: bytes[member.key], as: UTF8.self), String(decoding: bytes[member.value], as: UTF8.self))
      }
      let expected = object.map { member in
        let value: String
        switch member.value {
        case .string(let string): value = "\"\(string)\""
        case .number(_, let text): value = text
        default: value = member.value.serialized
        }
        return (member.name, value)
      }
      // (With a backslash, a span holds the escaped text the parsed value does not.)
      let sameSpans = bytes.contains(0x5C) || (spans.count == expected.count && zip(spans, expected).allSatisfy { $0 == $1 })
      let same = found && checked && sameSpans
      if !same && disagreements.count < 10 {
        disagreements.append("\(found)/\(checked) \(spans) for \(String(decoding: bytes, as: UTF8.self).debugDescription)")
      }
    }
    #expect(disagreements.isEmpty, "\(disagreements)")
    #expect(accepted > 20_000)
  }

  /// `gen count`'s check of many lines at once (``JSONValue/plainObjectLines(in:)``,
  /// from bit masks 64 bytes at a time) takes only whole lines that the
  /// parser reads as objects, and counts them; and it takes every line of
  /// plain flat objects, compact or spaced, LF or CRLF, whatever their
  /// lengths and wherever the 64-byte blocks fall. Runs of such lines, some
  /// edited at random so that they are almost right.
  @Test func blockCheckTakesOnlyLinesTheParserReadsAsObjects() {
    var random = SystemRandomNumberGenerator()
    let values = [
      "\"v\"", "\"\"", "\"a b\"", "\"{[:,]} \"", "0", "-0", "12", "-3.25",
      "1e5", "2.5E-3", "true", "false", "null",
    ]
    let edits = [
      "\t", "\\", "é", "\u{1}", "\u{7f}", "\"", "{", "}", "[", "]", ":", ",", " ", "01", "-", "1.", "1e", "tru", "nul", "x",
      "NaN", "\n", "\r", "\r\n", "\n\n", "{}", "\"k\":1", ",\"k\"", "\"k\",", ":\"k\"", "\"k\":", ":1", "1,", "1:2,", "null:", ",1:2",
    ]
    var takenLines = 0
    var problems: [String] = []
    var members: [JSONMemberSpan] = [], events: [UInt32] = []  // (kept from round to round, as callers keep them)
    for round in 0..<4_000 {
      let edited = round % 2 == 0
      let crlf = round % 5 == 0
      var bytes: [UInt8] = []
      for _ in 0..<Int.random(in: 1...10, using: &random) {
        let spaced = Bool.random(using: &random)
        var text = spaced && Bool.random(using: &random) ? " {" : "{"
        for index in 0..<Int.random(in: 1...6, using: &random) {
          if index > 0 { text += spaced ? ", " : "," }
          let key = String(repeating: "k", count: Int.random(in: 0...40, using: &random))
          text += "\"\(key)\"" + (spaced ? " : " : ":") + values.randomElement(using: &random)!
        }
        text += spaced && Bool.random(using: &random) ? "}  " : "}"
        bytes += Array(text.utf8) + (crlf ? [0x0D, 0x0A] : [0x0A])
      }
      if edited {
        for _ in 0..<Int.random(in: 1...2, using: &random) {
          let at = Int.random(in: 0..<bytes.count, using: &random)
          let length = Int.random(in: 1...min(6, bytes.count - at), using: &random)
          switch Int.random(in: 0..<3, using: &random) {
          case 0: bytes.removeSubrange(at..<at + length)  // a few bytes cut
          case 1: bytes.insert(contentsOf: Array(bytes[at..<at + length]), at: at)  // or repeated
          default: bytes.insert(contentsOf: Array(edits.randomElement(using: &random)!.utf8), at: at)
          }
        }
        if bytes.last != 0x0A { bytes.append(0x0A) }
      }
      let taken = bytes.withUnsafeBytes { JSONValue.plainObjectLines(in: $0) }
      takenLines += taken.lineCount
      let text = String(decoding: bytes, as: UTF8.self).debugDescription
      // With members: the same lines, each lent with the place and length
      // the line reader gives it and the members members(of:into:) finds.
      var lent: [(offset: Int, length: Int, members: [JSONMemberSpan])] = []
      let takenWithMembers = bytes.withUnsafeBytes { bytes in
        JSONValue.forEachPlainObjectLine(in: bytes, members: &members, events: &events) {
          lent.append(($0, $1, Array($2)))  // (the members are lent: copied)
        }
      }
      if takenWithMembers.byteCount != taken.byteCount || takenWithMembers.lineCount != taken.lineCount
        || lent.count != taken.lineCount
      {
        problems.append("with members, took \(takenWithMembers) (\(lent.count) lent), not \(taken)")
      }
      var lineStart = 0
      for line in lent {
        var end = lineStart
        while bytes[end] != 0x0A { end += 1 }
        let length = end > lineStart && bytes[end - 1] == 0x0D ? end - 1 - lineStart : end - lineStart
        var expected: [JSONMemberSpan] = []
        let found = Array(bytes[lineStart..<lineStart + length]).withUnsafeBytes { JSONValue.members(of: $0, into: &expected) }
        let same =
          found && line.offset == lineStart && line.length == length && line.members.count == expected.count
          && zip(line.members, expected).allSatisfy { got, want in
            got.key == want.key && got.value == want.value && got.kind == want.kind
              && got.keyNeedsDecoding == want.keyNeedsDecoding && got.keyIsASCII == want.keyIsASCII
              && got.stringNeedsDecoding == want.stringNeedsDecoding && got.stringIsASCII == want.stringIsASCII
          }
        if !same {
          problems.append("lent \(line.offset)+\(line.length) \(line.members), not \(lineStart)+\(length) \(expected) in \(text)")
          break
        }
        lineStart = end + 1
      }
      guard taken.byteCount >= 0, taken.byteCount <= bytes.count,
        taken.byteCount == 0 || bytes[taken.byteCount - 1] == 0x0A
      else {
        problems.append("took \(taken.byteCount) bytes, not whole lines, of \(text)")
        continue
      }
      // Each line taken is an object to the parser (a `\r` before its `\n` is not its own).
      var lines = bytes[..<taken.byteCount].split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        .map { Array($0) }
      lines = lines.map { $0.last == 0x0D ? Array($0.dropLast()) : $0 }
      if lines.count != taken.lineCount { problems.append("counted \(taken.lineCount) of \(lines.count) lines in \(text)") }
      for line in lines {
        guard case .object? = try? JSONValue(parsing: line) else {
          problems.append("took \(String(decoding: line, as: UTF8.self).debugDescription) in \(text)")
          break
        }
      }
      // Unedited, every line is taken.
      if !edited && taken.byteCount != bytes.count { problems.append("took \(taken.byteCount) of \(bytes.count): \(text)") }
      if problems.count >= 10 { break }
    }
    #expect(problems.isEmpty, "\(problems)")
    #expect(takenLines > 10_000)  // (most lines are taken)
  }
}
