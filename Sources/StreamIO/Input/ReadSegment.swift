/// A block of bytes read from an input, shared by its reader and by every
/// ``Line`` and ``CSVRecord`` that lies in it, so that each of them stays
/// valid and unchanged for as long as it is held.
///
/// The reader reuses a segment (moving unread bytes to its front, writing a
/// new batch's field bounds over the last one's) only while it holds the
/// only reference. Once a line or record is kept, the reader leaves the
/// segment to it and goes on in a new one; the old one is freed with the
/// last line or record in it. A loop that drops each item allocates nothing.
@usableFromInline
final class ReadSegment {
  /// `capacity` bytes, then ``ReadBuffer/padding`` zeroed bytes, so a 64-byte
  /// mask or an 8-byte load may start at any offset below the end of the data.
  @usableFromInline
  let base: UnsafeMutableRawPointer
  @usableFromInline
  let capacity: Int
  // The vars are @exclusivity(unchecked), as the readers' are: records read
  // them on every field access, and the segment hands out no inout access.
  /// Offset in the whole input of `base[0]`.
  @exclusivity(unchecked) @usableFromInline
  var discarded: Int
  /// CSV fields: field i starts at `bounds[2i]` and ends at `bounds[2i + 1]`,
  /// offsets from `base`. Empty for lines.
  @exclusivity(unchecked) @usableFromInline
  var bounds: UnsafeMutablePointer<Int>
  /// How many fields `bounds` has room for.
  @exclusivity(unchecked) @usableFromInline
  var boundsCapacity: Int
  /// The input's name and header, for errors and lookups by column name.
  @usableFromInline
  let origin: ReadOrigin

  init(capacity: Int, fields: Int, discarded: Int, origin: ReadOrigin) {
    let memory = UnsafeMutableRawPointer.allocate(byteCount: capacity + ReadBuffer.padding, alignment: 64)
    memory.initializeMemory(as: UInt8.self, repeating: 0, count: capacity + ReadBuffer.padding)
    base = memory
    self.capacity = capacity
    self.discarded = discarded
    bounds = .allocate(capacity: 2 * fields)
    boundsCapacity = fields
    self.origin = origin
  }

  deinit {
    base.deallocate()
    bounds.deallocate()
  }

  /// Room for at least `fields` fields, keeping the first `used`.
  @usableFromInline
  func reserveFields(_ fields: Int, keeping used: Int) {
    guard fields > boundsCapacity else { return }
    let capacity = Swift.max(fields, 2 * boundsCapacity)
    let grown = UnsafeMutablePointer<Int>.allocate(capacity: 2 * capacity)
    grown.update(from: bounds, count: 2 * used)
    bounds.deallocate()
    bounds = grown
    boundsCapacity = capacity
  }
}

/// What a line or record needs from its reader after the reader is gone:
/// the input's name (for errors) and, for CSV, the header.
@usableFromInline
final class ReadOrigin {
  @usableFromInline
  let path: String
  /// CSV: the quote character (a record's first byte is found by it).
  @usableFromInline
  let quote: UInt8
  /// CSV: the delimiter (a writer with the same one may copy a row as read).
  @usableFromInline
  let delimiter: UInt8
  /// The header's names, set once when the reader has read them.
  @exclusivity(unchecked) @usableFromInline
  var header: [String]?
  /// The index of each name's first column, names told apart by their code
  /// points (Python's dict), not by Swift's canonical equivalence.
  @exclusivity(unchecked) @usableFromInline
  var columnsByName: [ExactText: Int] = [:]

  init(path: String, quote: UInt8 = 0, delimiter: UInt8 = 0) {
    self.path = path
    self.quote = quote
    self.delimiter = delimiter
  }

  /// The index of the column named `name`.
  ///
  /// - Throws: ``StreamIOError`` if there is no header or no such column.
  @usableFromInline
  func column(_ name: String) throws(StreamIOError) -> Int {
    guard let index = columnsByName[ExactText(name)] else {
      let known =
        header.map { $0.prefix(20).joined(separator: ", ") + ($0.count > 20 ? ", … (\($0.count) in all)" : "") }
        ?? "none: the dialect has no header"
      throw StreamIOError(.missingColumn, "no column named \"\(name)\" (columns: \(known))", path: path, line: 1)
    }
    return index
  }
}
