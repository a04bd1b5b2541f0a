import StreamIO

/// `filter`, `convert --to csv` and `select` over JSON Lines from each record's bytes
/// (located as in StatsJSONLines.swift): a record whose members are plain —
/// keys without escapes; values that are numbers, true, false, null, or
/// strings without escapes — is written from its bytes, which are what the
/// parsed record would write (a number keeps its text). Any other line goes
/// through the parsed record, so its error, skip or output is the general path's.
extension JSONMemberSpan {
  /// Written from its bytes: no escape to decode, no nesting to re-serialize.
  var isPlain: Bool {
    !keyNeedsDecoding && kind != UInt8(ascii: "{") && kind != UInt8(ascii: "[") && !stringNeedsDecoding
  }

  /// Whether its key (without escapes) is `name`: the same bytes, so the
  /// same code points, as the parsed record's keys compare (``ExactText``).
  @inline(__always)
  func key(in bytes: UnsafeRawBufferPointer, is name: [UInt8]) -> Bool {
    name.withUnsafeBytes { bytes.slice(key).sameBytes(as: $0) }
  }
}

enum JSONLinesFastPaths {
  /// JSON Lines to CSV: the header is the first record's keys; a record with
  /// exactly those keys, in that order, all plain, is written from its bytes.
  /// `first`: the stream's first record if it is read already (the first
  /// range's, with `--threads`); the writer's columns then are its keys.
  static func convertToCSV(_ stream: RecordStream, first: Record? = nil, writer: RecordWriter) throws {
    if let first = try first ?? stream.next() {
      try writer.write(first, passThrough: false)  // (without columns, it writes the header: the first record's keys)
    }
    let header = (writer.columns ?? []).map { Array($0.utf8) }
    let csv = writer.csv!
    let delimiter = csv.dialect.delimiter, lineEnd: [UInt8] = csv.lineTerminator == "\r\n" ? [0x0D, 0x0A] : [0x0A]
    // (A line is written from its bytes only if its keys are the header's,
    // which are distinct: one that repeats a key is read as a record.)
    try stream.forEachJSONObjectLine(routingRepeatedKeys: false) { line, members in
      let bytes = line.bytes
      if let members, members.count == header.count,
        zip(members, header).allSatisfy({ member, key in
          member.isPlain && key.withUnsafeBytes { bytes.slice(member.key).sameBytes(as: $0) }
        })
      {
        // Most lines: no field to quote, and the row written into the
        // output's buffer at once (its fields, delimiters and line end).
        var room = members.count + lineEnd.count
        var plain = members.count > 1  // (a lone field may be an empty one, written "")
        for member in members {
          let field = text(member, in: bytes)
          room &+= field.count
          if csv.needsQuotes(field) { plain = false }
        }
        if plain,
          try csv.sink.writeInPlace(upTo: room, { out in
            var at = 0
            for (index, member) in members.enumerated() {
              if index > 0 {
                out.storeBytes(of: delimiter, toByteOffset: at, as: UInt8.self)
                at &+= 1
              }
              let field = text(member, in: bytes)
              if let from = field.baseAddress { (out + at).copyMemory(from: from, byteCount: field.count) }
              at &+= field.count
            }
            for byte in lineEnd {
              out.storeBytes(of: byte, toByteOffset: at, as: UInt8.self)
              at &+= 1
            }
            return at
          })
        {
          return
        }
        var onlyEmpty = members.count == 1
        for (index, member) in members.enumerated() {
          if index > 0 { try csv.sink.write(byte: csv.dialect.delimiter) }
          let field = text(member, in: bytes)
          if !field.isEmpty { onlyEmpty = false }
          try csv.writeField(bytes: field)
        }
        if onlyEmpty {  // a lone empty field is written as "", as CSVWriter does
          try csv.sink.write(byte: csv.dialect.quote)
          try csv.sink.write(byte: csv.dialect.quote)
        }
        try csv.endRecord()
      } else if let record = try stream.record(fromJSONLine: line.line) {
        try writer.write(record, passThrough: false)
      }
    }
  }

  /// `select` over JSON Lines: each wanted column's first member, compact
  /// (`{"name":"x","qty":4}`), null when the record lacks it.
  static func select(_ stream: RecordStream, first: Record?, wanted: [String], writer: RecordWriter) throws {
    if let first {
      try writer.write(Record(fields: wanted.map { Field($0, first.value($0) ?? .null) }, raw: nil), passThrough: false)
    }
    let sink = writer.sink
    // Each wanted key's bytes, and what is written before its value: {"key": or ,"key":
    let keys = wanted.map { Array($0.utf8) }
    let prefixes = wanted.enumerated().map { index, name in
      Array(((index == 0 ? "{" : ",") + JSONValue.string(name).serialized + ":").utf8)
    }
    var chosen: [Int?] = Array(repeating: nil, count: wanted.count)
    try stream.forEachJSONObjectLine { line, members in
      let bytes = line.bytes
      // (A key with an escape may be a wanted one written otherwise: that line is parsed.)
      if let members, !members.contains(where: \.keyNeedsDecoding) {
        for index in chosen.indices { chosen[index] = nil }
        for (position, member) in members.enumerated() {
          for (index, wantedKey) in keys.enumerated() where chosen[index] == nil && member.key(in: bytes, is: wantedKey) {
            chosen[index] = position
          }
        }
        if chosen.allSatisfy({ $0.map { members[$0].isPlain } ?? true }) {
          for (index, position) in chosen.enumerated() {
            try prefixes[index].withUnsafeBytes { try sink.write($0) }
            if let position {
              try sink.write(bytes.slice(members[position].value))
            } else {
              try sink.write("null")
            }
          }
          try sink.write(byte: UInt8(ascii: "}"))
          try sink.write(byte: 0x0A)
          return
        }
      }
      if let record = try stream.record(fromJSONLine: line.line) {
        try writer.write(Record(fields: wanted.map { Field($0, record.value($0) ?? .null) }, raw: nil), passThrough: false)
      }
    }
  }

  /// `filter` over JSON Lines: the conditions read each record's members
  /// from its bytes (``JSONExpressionRow``), and a kept record's line is
  /// written as read.
  static func filter(_ stream: RecordStream, conditions: RecordConditions, writer: RecordWriter) throws {
    try stream.forEachJSONObjectLine { line, members in
      let bytes = line.bytes
      if let members, !members.contains(where: \.keyNeedsDecoding) {
        if conditions.matches(JSONExpressionRow(bytes: bytes, members: members)) {
          try writer.sink.write(bytes)
          try writer.sink.write(byte: 0x0A)
        }
      } else if let record = try stream.record(fromJSONLine: line.line),
        conditions.matches(RecordExpressionRow(record: record))
      {
        try writer.write(record, passThrough: true)
      }
    }
  }

  /// A record of plain members as compact JSON (`{"name":"x","qty":4}`): what
  /// the parsed record's `serialized` is, from the bytes. `closing` false:
  /// without the closing brace, for more members to follow.
  @inline(__always)
  static func writeCompactObject(
    _ members: UnsafeBufferPointer<JSONMemberSpan>, of bytes: UnsafeRawBufferPointer, to sink: OutputSink,
    closing: Bool = true, isCompact: Bool? = nil
  ) throws(StreamIOError) {
    // A line that is compact already (as most are) is copied in one go.
    if isCompact ?? Self.isCompact(members, of: bytes) {
      try sink.write(bytes.slice(0..<(closing ? bytes.count : bytes.count - 1)))
      return
    }
    try sink.write(byte: UInt8(ascii: "{"))
    for (index, member) in members.enumerated() {
      if index > 0 { try sink.write(byte: UInt8(ascii: ",")) }
      try sink.write(bytes.slice(member.key.lowerBound - 1..<member.key.upperBound + 1))  // with its quotes
      try sink.write(byte: UInt8(ascii: ":"))
      try sink.write(bytes.slice(member.value))
    }
    if closing { try sink.write(byte: UInt8(ascii: "}")) }
  }

  /// Whether a plain object's line is compact JSON already (as most are):
  /// its length is that of its pieces alone exactly when it has no
  /// whitespace between them.
  @inline(__always)
  static func isCompact(_ members: UnsafeBufferPointer<JSONMemberSpan>, of bytes: UnsafeRawBufferPointer) -> Bool {
    var compactLength = 2 + Swift.max(members.count - 1, 0)
    for member in members { compactLength &+= member.key.count &+ 3 &+ member.value.count }
    return compactLength == bytes.count
  }

  /// A plain member's value as CSV text: a string's bytes without its quotes,
  /// nothing for null, a number, true or false as written.
  @inline(__always)
  static func text(_ member: JSONMemberSpan, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
    switch member.kind {
    case UInt8(ascii: "\""): bytes.slice(member.value.lowerBound + 1..<member.value.upperBound - 1)
    case UInt8(ascii: "n"): bytes.slice(0..<0)
    default: bytes.slice(member.value)
    }
  }
}

/// A JSON Lines record read from its bytes, as an expression reads it: the
/// value ``RecordExpressionRow`` gives for the parsed record (a column's
/// first member, by name), without a String for a number or an ASCII string.
struct JSONExpressionRow: ExpressionRow {
  /// A line lent by the reader (``RecordStream/forEachJSONObjectLine(_:)``): in its
  /// buffer, readable past the line's end, as numbers are read.
  let bytes: UnsafeRawBufferPointer
  /// The line's members, lent as its bytes are (an array held here was
  /// retained and released for every line).
  let members: UnsafeBufferPointer<JSONMemberSpan>

  func value(column index: Int?, name: String) -> ExpressionValue {
    guard let member = member(column: index, name: name) else { return .null }
    return value(member)
  }

  /// The member named `name`: at `index` when the line has the first
  /// record's layout, else the first of that name.
  @inline(__always)
  private func member(column index: Int?, name: String) -> JSONMemberSpan? {
    if let index, index < members.count, key(members[index], is: name) { return members[index] }
    for member in members where key(member, is: name) { return member }
    return nil
  }

  /// (Keys here have no escapes: the same bytes are the same code points.)
  @inline(__always)
  private func key(_ member: JSONMemberSpan, is name: String) -> Bool {
    let key = bytes.slice(member.key)
    if let same = name.utf8.withContiguousStorageIfAvailable({ key.sameBytes(as: UnsafeRawBufferPointer($0)) }) {
      return same
    }
    return key.elementsEqual(name.utf8)
  }

  /// (As the protocol's, with no ``ExpressionValue`` made for a number or
  /// an ASCII string without escapes.)
  func number(column index: Int?, name: String, bad: inout Bool) -> ExpressionNumber? {
    guard let member = member(column: index, name: name) else { return nil }
    let value = bytes.slice(member.value)
    switch member.kind {
    case UInt8(ascii: "\"") where !member.stringNeedsDecoding && member.stringIsASCII:
      let text = value.insideQuotes
      if text.isEmpty { return nil }
      // (As CSVExpressionRow's: no ExpressionValue made on the way.)
      if let integer = CSVNumbers.integer(inBuffer: text) { return .integer(integer) }
      if let double = CSVNumbers.double(inBuffer: text) { return .double(double) }
      if let number = ExpressionValue.readTrimmedNumber(text) { return ExpressionNumber(number) }
      bad = true
      return nil
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      if let integer = CSVNumbers.integer(inBuffer: value) { return .integer(integer) }
      return .double(CSVNumbers.double(inBuffer: value) ?? .nan)
    default:
      return self.value(member).number(bad: &bad).flatMap(ExpressionNumber.init)
    }
  }

  private func value(_ member: JSONMemberSpan) -> ExpressionValue {
    // (Pointer arithmetic, not dropFirst() and dropLast(): those generic
    // slices were calls, a tenth of `filter`'s instructions over JSON Lines.)
    let value = bytes.slice(member.value)
    switch member.kind {
    case UInt8(ascii: "\"") where !member.stringNeedsDecoding:
      let text = value.insideQuotes
      return member.stringIsASCII ? .bytes(text) : .untyped(String(decoding: text, as: UTF8.self))
    case UInt8(ascii: "n"): return .null
    case UInt8(ascii: "t"): return .bool(true)
    case UInt8(ascii: "f"): return .bool(false)
    case UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "["):
      return ExpressionValue(try? JSONValue(parsing: Array(value)))
    default:  // a number: an integer if it is written as one that fits, as the parsed record's
      // (A JSON number has no sign but `-`, no spaces: Int(text) and Double(text) would read these alike.)
      // (The line is a lent one, in the reader's buffer.)
      if let integer = CSVNumbers.integer(inBuffer: value) { return .integer(integer) }
      return .double(CSVNumbers.double(inBuffer: value) ?? .nan)
    }
  }
}
