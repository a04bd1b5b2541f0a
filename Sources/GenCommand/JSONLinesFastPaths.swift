import StreamIO

/// `convert --to csv` and `select` over JSON Lines from each record's bytes
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
}

enum JSONLinesFastPaths {
  /// JSON Lines to CSV: the header is the first record's keys; a record with
  /// exactly those keys, in that order, all plain, is written from its bytes.
  static func convertToCSV(_ stream: RecordStream, writer: RecordWriter) throws {
    guard let first = try stream.next() else { return }
    try writer.write(first, passThrough: false)  // (writes the header: the first record's keys)
    let header = (writer.columns ?? []).map { Array($0.utf8) }
    let csv = writer.csv!
    var members: [JSONMemberSpan] = []
    while let line = try stream.nextJSONLine() {
      let bytes = line.bytes
      if JSONValue.members(of: bytes, into: &members), members.count == header.count,
        zip(members, header).allSatisfy({ member, key in member.isPlain && bytes[member.key].elementsEqual(key) })
      {
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
        try csv.sink.write(csv.lineTerminator)
      } else if let record = try stream.record(fromJSONLine: line) {
        try writer.write(record, passThrough: false)
      }
    }
  }

  /// `select` over JSON Lines: each wanted column's first member, compact
  /// (`{"name":"x","qty":4}`), null when the record lacks it.
  static func select(_ stream: RecordStream, first: Record, wanted: [String], writer: RecordWriter) throws {
    try writer.write(Record(fields: wanted.map { Field($0, first.value($0) ?? .null) }, raw: nil), passThrough: false)
    let sink = writer.sink
    // Each wanted key's bytes, and what is written before its value: {"key": or ,"key":
    let keys = wanted.map { Array($0.utf8) }
    let prefixes = wanted.enumerated().map { index, name in
      Array(((index == 0 ? "{" : ",") + JSONValue.string(name).serialized + ":").utf8)
    }
    var members: [JSONMemberSpan] = []
    var chosen: [Int?] = Array(repeating: nil, count: wanted.count)
    lines: while let line = try stream.nextJSONLine() {
      let bytes = line.bytes
      // (A key with an escape may be a wanted one written otherwise: that line is parsed.)
      if JSONValue.members(of: bytes, into: &members), !members.contains(where: \.keyNeedsDecoding) {
        for index in chosen.indices { chosen[index] = nil }
        for (position, member) in members.enumerated() {
          let key = bytes[member.key]
          for (index, wantedKey) in keys.enumerated() where chosen[index] == nil && key.elementsEqual(wantedKey) {
            chosen[index] = position
          }
        }
        if chosen.allSatisfy({ $0.map { members[$0].isPlain } ?? true }) {
          for (index, position) in chosen.enumerated() {
            try prefixes[index].withUnsafeBytes { try sink.write($0) }
            if let position {
              try sink.write(UnsafeRawBufferPointer(rebasing: bytes[members[position].value]))
            } else {
              try sink.write("null")
            }
          }
          try sink.write(byte: UInt8(ascii: "}"))
          try sink.write(byte: 0x0A)
          continue lines
        }
      }
      if let record = try stream.record(fromJSONLine: line) {
        try writer.write(Record(fields: wanted.map { Field($0, record.value($0) ?? .null) }, raw: nil), passThrough: false)
      }
    }
  }

  /// A plain member's value as CSV text: a string's bytes without its quotes,
  /// nothing for null, a number, true or false as written.
  @inline(__always)
  static func text(_ member: JSONMemberSpan, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
    switch member.kind {
    case UInt8(ascii: "\""): UnsafeRawBufferPointer(rebasing: bytes[member.value.lowerBound + 1..<member.value.upperBound - 1])
    case UInt8(ascii: "n"): UnsafeRawBufferPointer(rebasing: bytes[0..<0])
    default: UnsafeRawBufferPointer(rebasing: bytes[member.value])
    }
  }
}
