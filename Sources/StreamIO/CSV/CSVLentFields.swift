/// A record's fields as plain pointers into the block it was read into:
/// what a loop reads while a reader lends it the record, with no reference
/// to count when it is copied or passed (a ``CSVRecord`` holds its block,
/// counted, for as long as it is kept).
///
/// Valid only while the record it came from is alive and its reader has
/// not read another record: do not keep one.
@usableFromInline
package struct CSVLentFields {
  @usableFromInline
  let base: UnsafeRawPointer
  /// The record's first field's bounds (see ``ReadSegment/bounds``).
  @usableFromInline
  let bounds: UnsafePointer<Int>
  /// How many fields the record has.
  @usableFromInline
  package let count: Int

  @inlinable
  init(base: UnsafeRawPointer, bounds: UnsafePointer<Int>, count: Int) {
    self.base = base
    self.bounds = bounds
    self.count = count
  }

  /// The bytes of field `index`, as ``CSVRecord/field(_:)`` gives them.
  @inlinable @inline(__always)
  package func field(_ index: Int) -> UnsafeRawBufferPointer {
    precondition(index >= 0 && index < count, "field index \(index) out of range for a record of \(count) fields")
    let start = bounds[2 &* index], end = bounds[2 &* index &+ 1]
    return UnsafeRawBufferPointer(start: base + start, count: end &- start)
  }
}

extension CSVRecord {
  /// The fields, lent (see ``CSVLentFields``).
  @inlinable
  package var lentFields: CSVLentFields {
    CSVLentFields(
      base: UnsafeRawPointer(segment.base),
      bounds: UnsafePointer(fieldCount == 0 ? segment.bounds : segment.bounds + 2 &* Int(firstField)),
      count: Int(fieldCount))
  }
}
