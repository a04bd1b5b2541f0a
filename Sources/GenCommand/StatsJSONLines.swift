import StreamIO

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
    var summaries: [[ColumnSummary]] = []  // [group slot][column slot]
    var groupSlots: [String: Int] = [:]
    var smallGroupSlots: [UInt64: Int] = [:]  // group values under 8 bytes, by StatsTotals.smallKey
    var slotGroups: [String] = []
    var slotNames: [String] = []  // in the order the records showed them
    var slotsByName: [String: Int] = [:]
    let sketching = self.sketching
    func slot(named name: String) -> Int {
      if let slot = slotsByName[name] { return slot }
      slotNames.append(name)
      slotsByName[name] = slotNames.count - 1
      return slotNames.count - 1
    }
    func slot(group: String) -> Int {
      if let known = groupSlots[group] { return known }
      groupSlots[group] = summaries.count
      slotGroups.append(group)
      summaries.append([])
      return summaries.count - 1
    }
    func add(_ value: JSONValue, group: Int, column: Int) {
      while summaries[group].count <= column { summaries[group].append(ColumnSummary(sketching: sketching)) }
      summaries[group][column].add(value)
    }
    // --derive: a computed column replaces a record's of the same name (which
    // keeps its place in the table); the new ones come after the record's.
    let derived = expressions.derived
    let hasExpressions = expressions.conditions != nil || derived != nil
    let derivedNames = Set(derived?.names ?? [])
    let groupDerived = groupBy.flatMap { derived?.names.lastIndex(of: $0) }
    var derivedSlots: [Int?]?  // made after the first record's columns
    func addDerived(group: Int) {
      guard let derived else { return }
      if derivedSlots == nil { derivedSlots = derived.names.map { $0 == groupBy ? nil : slot(named: $0) } }
      for (column, value) in zip(derivedSlots!, derived.values) {
        guard let column else { continue }
        while summaries[group].count <= column { summaries[group].append(ColumnSummary(sketching: sketching)) }
        summaries[group][column].add(value)
      }
    }
    /// A record the parser made: as `add(_:groupBy:derived:)` adds it. False: --where left it out.
    func add(_ record: Record) -> Bool {
      let row = RecordExpressionRow(record: record)
      guard expressions.keep(row) else { return false }
      derived?.compute(row)
      let text = groupDerived.map { derived!.values[$0].text } ?? groupBy.flatMap { record.value($0)?.text } ?? ""
      let group = slot(group: text)
      for field in record.fields where field.name != groupBy {
        let column = slot(named: field.name)
        if !derivedNames.contains(field.name) { add(field.value, group: group, column: column) }
      }
      addDerived(group: group)
      return true
    }

    var records = add(first) ? 1 : 0
    var members: [JSONMemberSpan] = []
    // Each member position's key in the last line, and its slot (nil: the
    // group column, or one a derived column replaces): most lines repeat the
    // last one's keys.
    var lastKeys: [[UInt8]?] = []  // (nil: none yet; an empty key is [])
    var lastSlots: [Int?] = []
    var lastIsGroup: [Bool] = []
    let groupKey = groupBy.map { Array($0.utf8) }
    var groupBytes: [UInt8] = []
    while let line = try stream.nextJSONLine() {
      let bytes = line.bytes
      guard JSONValue.members(of: bytes, into: &members), members.allSatisfy({ !$0.keyNeedsDecoding }) else {
        if let record = try stream.record(fromJSONLine: line), add(record) { records += 1 }
        lastKeys.removeAll()
        continue
      }
      if hasExpressions {
        let row = JSONExpressionRow(bytes: bytes, members: members)
        guard expressions.keep(row) else { continue }
        derived?.compute(row)
      }
      records += 1
      // The keys' slots, and the group's value (its first member's, as Record.value finds it).
      if lastKeys.count != members.count {
        lastKeys = Array(repeating: nil, count: members.count)
        lastSlots = Array(repeating: nil, count: members.count)
        lastIsGroup = Array(repeating: false, count: members.count)
      }
      var groupMember: Int?
      for (index, member) in members.enumerated() {
        let key = UnsafeRawBufferPointer(rebasing: bytes[member.key])
        if lastKeys[index].map({ !$0.elementsEqual(key) }) ?? true {
          lastKeys[index] = Array(key)
          lastIsGroup[index] = groupKey.map { member.key(in: bytes, is: $0) } == true
          if lastIsGroup[index] {
            lastSlots[index] = nil
          } else {
            let name = String(decoding: key, as: UTF8.self)
            let column = slot(named: name)  // (a replaced column keeps its place)
            lastSlots[index] = derivedNames.contains(name) ? nil : column
          }
        }
        if lastIsGroup[index] && groupMember == nil { groupMember = index }
      }
      let group: Int
      if let groupDerived {
        group = slot(group: derived!.values[groupDerived].text)
      } else if let groupMember {
        let member = members[groupMember]
        let value = UnsafeRawBufferPointer(rebasing: bytes[member.value])
        switch member.kind {
        case UInt8(ascii: "\"") where !member.stringNeedsDecoding:
          groupBytes.removeAll(keepingCapacity: true)
          groupBytes.append(contentsOf: value.dropFirst().dropLast())
        case UInt8(ascii: "n"): groupBytes.removeAll(keepingCapacity: true)  // null: the "" group
        case UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "["):
          groupBytes = Array((try JSONValue(parsing: Array(value))).text.utf8)
        default: groupBytes = Array(value)  // a number, true or false: as written
        }
        group = groupBytes.withUnsafeBytes { text in
          guard text.count < 8 else { return slot(group: String(decoding: text, as: UTF8.self)) }
          let key = Self.smallKey(text)
          if let known = smallGroupSlots[key] { return known }
          let made = slot(group: String(decoding: text, as: UTF8.self))
          smallGroupSlots[key] = made
          return made
        }
      } else {
        group = slot(group: "")
      }
      for (index, member) in members.enumerated() {
        guard let column = lastSlots[index] else { continue }
        while summaries[group].count <= column { summaries[group].append(ColumnSummary(sketching: sketching)) }
        let value = UnsafeRawBufferPointer(rebasing: bytes[member.value])
        switch member.kind {
        case UInt8(ascii: "\"") where !member.stringNeedsDecoding:
          summaries[group][column].addText(UnsafeRawBufferPointer(rebasing: value.dropFirst().dropLast()))
        case UInt8(ascii: "n"): continue  // null: a missing value
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
          summaries[group][column].see(value)
          summaries[group][column].nonNumeric += 1
        case UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "["):
          summaries[group][column].add(try JSONValue(parsing: Array(value)))
        default:  // a number (NaN and ±Infinity among them), as written
          summaries[group][column].addNumber(value)
        }
      }
      addDerived(group: group)
    }
    moveIntoGroups(&summaries, groups: slotGroups, columns: slotNames)
    return records
  }
}

extension ColumnSummary {
  /// A text value from its bytes (a CSV field, a JSON string without
  /// escapes), as `add(JSONValue.string(text))` adds it: empty is missing;
  /// a number as Python's `float()` reads it counts as that number.
  @inline(__always)
  mutating func addText(_ field: UnsafeRawBufferPointer) {
    if field.isEmpty { return }
    if field.first == 0x20 || field.last == 0x20 {
      add(JSONValue.string(String(decoding: field, as: UTF8.self)))
    } else if !addNumber(field) {
      see(field)
      nonNumeric += 1
    }
  }

  /// A number's text (a JSON number, or text that reads as one): added,
  /// exactly as a decimal when it is a plain one. False: not a number.
  @inline(__always) @discardableResult
  mutating func addNumber(_ field: UnsafeRawBufferPointer) -> Bool {
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
