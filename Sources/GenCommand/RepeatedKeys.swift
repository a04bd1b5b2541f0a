import StreamIO

// A JSON Lines record may repeat a key (`{"a":1,"a":5}`). Python's
// `json.loads` keeps one member per key: the last value, at the place of
// the first (a dict). gen reads a record's own keys the same way in every
// verb, on every path, and says on stderr how many records repeated a key,
// since their earlier values were not read (but `head` and `count`, which
// write records as read or count them: a repeated key changes nothing
// there). A nested object is a value carried as JSON, its members as
// written, a repeated key included: only a record's own keys are read.

extension Array where Element == Field {
  /// The members as Python's `json.loads` keeps them: one per key, the last
  /// value at the first one's place; nil if no key repeats. Keys compare by
  /// their code points, as Python's do (not as Swift's `String ==`, which
  /// would make "é" and "e\u{301}" one key).
  func lastValuesWin() -> (members: [Field], firstRepeated: String)? {
    guard count > 1 else { return nil }
    var firstRepeated: String?
    if count <= 16 {
      // (Few keys, as most records have: compared pairwise, no set made.)
      for later in 1..<count where firstRepeated == nil {
        for earlier in 0..<later where self[earlier].name.hasSameCodePoints(as: self[later].name) {
          firstRepeated = self[later].name
          break
        }
      }
    } else {
      var seen = Set<ExactText>()
      for member in self where !seen.insert(ExactText(member.name)).inserted {
        firstRepeated = member.name
        break
      }
    }
    guard let firstRepeated else { return nil }
    var kept: [Field] = []
    var place: [ExactText: Int] = [:]
    for member in self {
      let key = ExactText(member.name)
      if let at = place[key] {
        kept[at].value = member.value
      } else {
        place[key] = kept.count
        kept.append(member)
      }
    }
    return (kept, firstRepeated)
  }
}

/// Whether a line's members (``JSONMemberSpan``, in its bytes) repeat a
/// key, for the verbs that read members from the bytes: a line that does is
/// read as a record instead (``Array/lastValuesWin()``). Most lines have the
/// last one's keys at the same places: compared with those, eight bytes at a
/// time, in one pass; a new layout is checked pairwise.
struct RepeatedKeyCheck {
  /// A key of the last layout: its length, its first eight bytes (masked),
  /// and where its bytes past those are kept (`rest`).
  private struct Key {
    var count: Int
    var word: UInt64
    var mask: UInt64
    var rest: Int
  }
  private var keys: [Key] = []
  /// The bytes of the keys over eight bytes long after their first eight,
  /// one after another, and eight bytes of padding.
  private var rest: [UInt8] = Array(repeating: 0, count: 8)
  private var layoutRepeats = false

  /// True also for a key with an escape: its text, not its bytes, is the
  /// key (`"\u0061"` is `"a"`), so the record's reading decides. `bytes`
  /// lie in a reader's buffer, readable eight bytes past any key's end.
  @inline(__always)
  mutating func repeats(_ members: UnsafeBufferPointer<JSONMemberSpan>, in bytes: UnsafeRawBufferPointer) -> Bool {
    if members.count == keys.count && sameLayout(members, in: bytes) { return layoutRepeats }
    return newLayout(members, in: bytes)
  }

  @inline(__always)
  private func sameLayout(_ members: UnsafeBufferPointer<JSONMemberSpan>, in bytes: UnsafeRawBufferPointer) -> Bool {
    keys.withUnsafeBufferPointer { keys in
      for index in 0..<members.count {
        let span = members[index].key, known = keys[index]
        guard span.upperBound &- span.lowerBound == known.count else { return false }
        let start = bytes.baseAddress! + span.lowerBound
        guard start.loadUnaligned(as: UInt64.self) & known.mask == known.word else { return false }
        if known.count > 8 && !sameRest(start + 8, at: known.rest, count: known.count &- 8) { return false }
      }
      return true
    }
  }

  /// Whether `count` bytes at `start` are the ones kept at `offset` of
  /// `rest`, eight at a time (both are readable eight bytes past them).
  private func sameRest(_ start: UnsafeRawPointer, at offset: Int, count: Int) -> Bool {
    rest.withUnsafeBytes { rest in
      let kept = rest.baseAddress! + offset
      var done = 0
      while count &- done > 0 {
        let left = UInt64(truncatingIfNeeded: count &- done)
        let mask: UInt64 = left >= 8 ? ~0 : (1 &<< (left &* 8)) &- 1
        let difference = start.loadUnaligned(fromByteOffset: done, as: UInt64.self) ^ kept.loadUnaligned(fromByteOffset: done, as: UInt64.self)
        guard UInt64(littleEndian: difference) & mask == 0 else { return false }
        done &+= 8
      }
      return true
    }
  }

  @inline(never)
  private mutating func newLayout(_ members: UnsafeBufferPointer<JSONMemberSpan>, in bytes: UnsafeRawBufferPointer) -> Bool {
    keys.removeAll(keepingCapacity: true)
    rest.removeAll(keepingCapacity: true)
    for member in members {
      let key = bytes.slice(member.key)
      let count = UInt64(truncatingIfNeeded: Swift.min(key.count, 8))
      let mask: UInt64 = UInt64(littleEndian: count == 8 ? ~0 : (1 &<< (count &* 8)) &- 1)
      keys.append(Key(count: key.count, word: key.baseAddress!.loadUnaligned(as: UInt64.self) & mask, mask: mask, rest: rest.count))
      if key.count > 8 { rest.append(contentsOf: key[8...]) }
    }
    rest.append(contentsOf: repeatElement(0, count: 8))
    layoutRepeats = members.contains { $0.keyNeedsDecoding } || Self.anyRepeated(members, in: bytes)
    return layoutRepeats
  }

  /// Whether any key is the same bytes as another.
  static func anyRepeated(_ members: UnsafeBufferPointer<JSONMemberSpan>, in bytes: UnsafeRawBufferPointer) -> Bool {
    if members.count <= 16 {
      for later in members.indices.dropFirst() {
        let key = bytes.slice(members[later].key)
        for earlier in 0..<later where bytes.slice(members[earlier].key).sameBytes(as: key) { return true }
      }
      return false
    }
    var seen = Set<[UInt8]>()
    return members.contains { !seen.insert(Array(bytes.slice($0.key))).inserted }
  }
}

/// The records that repeated a key, for one note at the end (see
/// ``RecordStream/reportSkipped()``), and the first of them: its key and
/// the byte of the input its line starts at (a byte, not a line number:
/// `--threads` ranges know where they start in bytes, not in lines).
struct RepeatedKeyNote {
  private(set) var records = 0
  private(set) var first: (key: String, byteOffset: Int)?

  mutating func note(key: String, byteOffset: Int) {
    records += 1
    if first == nil || byteOffset < first!.byteOffset { first = (key, byteOffset) }
  }

  /// Adds another range's (`--threads`).
  mutating func add(_ other: RepeatedKeyNote) {
    records += other.records
    if let theirs = other.first, first == nil || theirs.byteOffset < first!.byteOffset { first = theirs }
  }

  func message(path: String) -> String? {
    guard records > 0, let first else { return nil }
    let counted = records == 1 ? "1 record" : "\(records) records"
    return escapingControls(
      "gen: \(counted) in \(path) repeated a key (the first: \"\(first.key)\", in the line at byte \(first.byteOffset)): "
        + "each was read as Python's json module reads it, with the key's last value, at its first place") + "\n"
  }
}
