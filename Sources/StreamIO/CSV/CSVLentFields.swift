/// A record's fields as plain pointers into the block it was read into:
/// what a loop reads while a reader lends it the record, with no reference
/// to count when it is copied or passed (a ``CSVRecord`` holds its block,
/// counted, for as long as it is kept).
///
/// Lent for the length of a closure only (``CSVRecord/withLentFields(_:)``,
/// which keeps the record alive meanwhile): do not keep one, and read no
/// further record while the closure runs.
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
  /// Calls `body` with the fields lent (see ``CSVLentFields``), the record
  /// kept alive until it returns.
  @inlinable @inline(__always)
  package func withLentFields<Result, Failure: Error>(
    _ body: (CSVLentFields) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    try withExtendedLifetime(self) { () throws(Failure) -> Result in
      try body(
        CSVLentFields(
          base: UnsafeRawPointer(segment.base),
          bounds: UnsafePointer(fieldCount == 0 ? segment.bounds : segment.bounds + 2 &* Int(firstField)),
          count: Int(fieldCount)))
    }
  }
}
