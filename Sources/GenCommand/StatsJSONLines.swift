import StreamIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `stats` over JSON Lines from each line's bytes: the line is checked as
/// the parser would check it and its members located (``JSONMemberSpan``),
/// with no String, array or dictionary made per record for plain values. The
/// numbers are those of ``StatsTotals/add(_:groupBy:derived:)`` on the parsed
/// record, which reads what this does not: a line that is no plain object
/// (blank, bad, a byte-order mark: its error or skip as elsewhere), keys
/// with escapes, and values that are strings with escapes, arrays or objects.
extension StatsTotals {
  /// Adds the stream's records (the first already read: `first`) that pass
  /// `expressions` (compiled against the first record's keys), with their
  /// derived columns. Returns how many records it added.
  mutating func addJSONLines(
    _ stream: RecordStream, first: Record, groupBy: String?, expressions: StatsExpressions
  ) throws -> Int {
    // (The totals in one struct, which the line closure captures as one
    // variable: captured one by one, every access per field was checked
    // for exclusivity at run time.)
    var slots = StatsSlots(sketching: sketching, spill: spill)
    // --derive: a computed column replaces a record's of the same name (which
    // keeps its place in the table); the new ones come after the record's.
    let derived = expressions.derived
    let hasExpressions = expressions.conditions != nil || derived != nil
    let derivedNames = Set((derived?.names ?? []).map(ExactText.init))
    let groupDerived = groupBy.flatMap { derived?.names.lastIndex(ofExactly: $0) }
    /// A record the parser made: as `add(_:groupBy:derived:)` adds it. False: --where left it out.
    func add(_ record: Record, to slots: inout StatsSlots) throws -> Bool {
      let row = RecordExpressionRow(record: record)
      guard expressions.keep(row) else { return false }
      derived?.compute(row)
      let text = groupDerived.map { derived!.values[$0].text } ?? groupBy.flatMap { record.value($0)?.text } ?? ""
      let group = try slots.slot(group: text)
      for field in record.fields where groupBy.map(field.name.hasSameCodePoints) != true {
        let column = slots.slot(named: field.name)
        if !derivedNames.contains(ExactText(field.name)) {
          slots.makeRoom(group: group, column: column)
          let summaries = slots.summaries.row(group)
          precondition(column < summaries.count)
          summaries[column].add(field.value)
        }
      }
      if let derived { slots.addDerived(derived, group: group, groupBy: groupBy) }
      return true
    }

    var records = try add(first, to: &slots) ? 1 : 0
    // Each member position's key in the last line, its slot and whether it
    // is the group's: most lines repeat the last one's keys. (In memory of
    // its own: arrays read here were checked and reloaded for every member.)
    var last = UnsafeMutableBufferPointer<LastMember>.allocate(capacity: 0)
    defer { last.deallocate() }
    var lastLongKeys: [[UInt8]?] = []  // (a key of over eight bytes: its bytes)
    let groupKey = groupBy.map { Array($0.utf8) }
    var layoutRepeats = false  // whether the keys in `last` repeat one
    var unresolved = false  // whether keys in `last` have no slot looked up yet
    var groupMember: Int?  // the first place in `last` whose key is the group's
    // (Repeated keys are found here, when the keys change: see below.)
    try stream.forEachJSONObjectLine(routingRepeatedKeys: false) { line, members in
      let bytes = line.bytes
      guard let members, members.allSatisfy({ !$0.keyNeedsDecoding }) else {
        if let record = try stream.record(fromJSONLine: line.line), try add(record, to: &slots) { records += 1 }
        for index in last.indices { last[index].key = .none }
        return
      }
      // The keys, compared with the last line's.
      var changed = false
      if last.count != members.count {
        last.deallocate()
        last = .allocate(capacity: members.count)
        last.initialize(repeating: LastMember(key: .none, slot: nil, isGroup: false, resolved: false))
        lastLongKeys = Array(repeating: nil, count: members.count)
        changed = true  // (also with no members: `{}` has no group either)
      }
      for index in members.indices {
        let key = bytes.slice(members[index].key)
        let short = ShortKey(key)
        let same =
          last[index].key == short
          && (key.count <= 8 || lastLongKeys[index]?.withUnsafeBytes { $0.sameBytes(as: key) } == true)
        if !same {
          changed = true
          last[index] = LastMember(key: short, slot: nil, isGroup: false, resolved: false)
          lastLongKeys[index] = key.count > 8 ? Array(key) : nil
        }
      }
      // A line that repeats a key is read as a record, as Python reads it
      // (RepeatedKeys.swift): checked only when the keys change.
      if changed {
        unresolved = true
        layoutRepeats = RepeatedKeyCheck.anyRepeated(members, in: bytes)
      }
      if layoutRepeats {
        if let record = try stream.record(fromJSONLine: line.line), try add(record, to: &slots) { records += 1 }
        return
      }
      if hasExpressions {
        let row = JSONExpressionRow(bytes: bytes, members: members)
        guard expressions.keep(row) else { return }
        derived?.compute(row)
      }
      records += 1
      // New keys' slots, once a line with them is kept (a key only lines
      // that --where leaves out have names no column, as for records), and
      // the group's place (its first member's, as Record.value finds it).
      if unresolved {
        groupMember = nil
        for index in members.indices {
          if !last[index].resolved {
            let key = bytes.slice(members[index].key)
            let isGroup = groupKey.map { members[index].key(in: bytes, is: $0) } == true
            var slot: Int?
            if !isGroup {
              let name = String(decoding: key, as: UTF8.self)
              let column = slots.slot(named: name)  // (a replaced column keeps its place)
              slot = derivedNames.contains(ExactText(name)) ? nil : column
            }
            last[index] = LastMember(key: last[index].key, slot: slot, isGroup: isGroup, resolved: true)
          }
          if last[index].isGroup && groupMember == nil { groupMember = index }
        }
        unresolved = false
      }
      let group: Int
      if let groupDerived {
        group = try slots.slot(group: derived!.values[groupDerived].text)
      } else if let groupMember {
        let member = members[groupMember]
        let value = bytes.slice(member.value)
        switch member.kind {
        case UInt8(ascii: "\"") where !member.stringNeedsDecoding: group = try slots.slot(groupText: value.insideQuotes)
        case UInt8(ascii: "n"): group = try slots.slot(group: "")  // null: the "" group
        case UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "["):
          group = try slots.slot(group: (try JSONValue(parsing: Array(value))).text)
        default: group = try slots.slot(groupText: value)  // a number, true or false: as written
        }
      } else {
        group = try slots.slot(group: "")
      }
      // (The group's row as wide as every column named so far: one access to it per line, not one per member.)
      slots.makeRoom(group: group)
      let summaries = slots.summaries.row(group)
      for index in members.indices {
        guard let column = last[index].slot else { continue }
        precondition(column < summaries.count)  // (the row is the table's memory: no index past it)
        let member = members[index]
        let value = bytes.slice(member.value)
        switch member.kind {
        case UInt8(ascii: "\"") where !member.stringNeedsDecoding:
          summaries[column].addText(value.insideQuotes)
        case UInt8(ascii: "n"): continue  // null: a missing value
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
          summaries[column].see(value)
          summaries[column].nonNumeric += 1
        case UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "["):
          summaries[column].add(try JSONValue(parsing: Array(value)))
        default:  // a number (NaN and ±Infinity among them), as written
          summaries[column].addNumber(inBuffer: value)
        }
      }
      if let derived { slots.addDerived(derived, group: group, groupBy: groupBy) }
    }
    keep(&slots)
    return records
  }
}

/// What `stats` over JSON Lines knows of the member at one place in the last
/// line: its key, the key's column (nil: the group's, or one a derived
/// column replaces), whether it is the group's, and whether those two are
/// known yet (they are looked up once a line with the key is kept).
struct LastMember {
  var key: ShortKey
  var slot: Int?
  var isGroup: Bool
  var resolved: Bool
}

/// A key's length and its first eight bytes as one word: the key itself
/// when it is eight bytes or shorter, as most are, so that a line's key is
/// found the same as the last line's at that place with one comparison.
struct ShortKey: Equatable {
  let count: Int
  let word: UInt64

  /// No key (none seen yet).
  static let none = ShortKey(count: -1, word: 0)

  private init(count: Int, word: UInt64) {
    self.count = count
    self.word = word
  }

  /// `key` lies in a reader's buffer, whose padding makes eight bytes
  /// from its start readable whatever its length.
  @inline(__always)
  init(_ key: UnsafeRawBufferPointer) {
    count = key.count
    guard let start = key.baseAddress else {
      word = 0
      return
    }
    let loaded = UInt64(littleEndian: start.loadUnaligned(as: UInt64.self))
    word = count >= 8 ? loaded : loaded & ((1 &<< (UInt64(truncatingIfNeeded: count) &* 8)) &- 1)
  }
}

extension UnsafeRawBufferPointer {
  /// The bytes at `range`, as a buffer (no generic slice).
  @inline(__always)
  func slice(_ range: Range<Int>) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: baseAddress! + range.lowerBound, count: range.count)
  }

  /// Whether these are the same bytes as `other`.
  @inline(__always)
  func sameBytes(as other: UnsafeRawBufferPointer) -> Bool {
    guard count == other.count else { return false }
    guard count > 16 else {
      // (Short keys and values, as most are: a loop costs less than a call to memcmp.)
      for index in 0..<count where self[index] != other[index] { return false }
      return true
    }
    return memcmp(baseAddress!, other.baseAddress!, count) == 0
  }

  /// A JSON string's bytes without its quotes.
  @inline(__always)
  var insideQuotes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: baseAddress! + 1, count: count - 2) }
}

extension ColumnSummary {
  /// A text value from its bytes in a reader's buffer (a CSV field, a JSON
  /// string without escapes), as `add(JSONValue.string(text))` adds it: empty is missing;
  /// a number as Python's `float()` reads it counts as that number.
  @inline(__always)
  mutating func addText(_ field: UnsafeRawBufferPointer) {
    if field.isEmpty { return }
    if field[0] == 0x20 || field[field.count &- 1] == 0x20 {
      add(JSONValue.string(String(decoding: field, as: UTF8.self)))
    } else if !addNumber(inBuffer: field) {
      see(field)
      nonNumeric += 1
    }
  }

  /// A number's text (a JSON number, or text that reads as one), in a
  /// reader's buffer: added, exactly as a decimal when it is a plain one.
  /// False: not a number.
  @inline(__always) @discardableResult
  mutating func addNumber(inBuffer field: UnsafeRawBufferPointer) -> Bool {
    if let (digits, fraction) = CSVNumbers.shortDecimal(inBuffer: field) {
      // (The common short one, read without a loop per digit: as below.)
      see(field)
      add(Double(digits) / DecimalPowers.exact[fraction], decimal: digits, scale: fraction)
      return true
    }
    if CSVNumbers.isText(field) { return false }  // (a name: refused at its first letter)
    if let (mantissa, scale) = DecimalSum.parse(field) {
      // A plain decimal: its exact value, and the Double nearest it (a
      // 53-bit mantissa over an exact power of ten is correctly rounded).
      var number: Double
      if mantissa.magnitude < 1 << 53 && scale < DecimalPowers.exact.count {
        number = Double(mantissa) / DecimalPowers.exact[scale]
        if mantissa == 0 && field[0] == UInt8(ascii: "-") { number = -0.0 }
      } else {
        number = Double.decode(csvField: field)!
      }
      see(field)
      add(number, decimal: mantissa, scale: scale)
      return true
    }
    guard let number = Double.decode(csvField: field) else { return false }
    see(field)
    add(number)
    return true
  }
}
