/// A line lent for one call of the body of ``LineReader/forEachLentLine(_:)``:
/// the reader holds the line's block of input while the body runs, so the
/// line is not counted as a reference to it (``Line``, which is, costs a
/// retain and a release per line: a fifth of counting JSON Lines records).
///
/// It must not outlive the call: once the body returns, its bytes may be
/// overwritten by the next read. Take ``line`` for anything kept.
@usableFromInline
package struct LentLine {
  @usableFromInline
  unowned(unsafe) let segment: ReadSegment
  @usableFromInline
  let start: Int
  @usableFromInline
  let length: Int
  /// 1-based line number.
  @usableFromInline
  package let number: Int

  @usableFromInline @inline(__always)
  init(segment: ReadSegment, start: Int, length: Int, number: Int) {
    self.segment = segment
    self.start = start
    self.length = length
    self.number = number
  }

  /// The line's bytes, without the line ending: valid during the call only.
  @inlinable
  package var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: segment.base + start, count: length) }

  /// 0-based offset in the input of the line's first byte.
  @inlinable
  package var byteOffset: Int { segment.discarded &+ start }

  /// The line as a ``Line``, which keeps its bytes valid for as long as it is held.
  @inlinable
  package var line: Line { Line(segment: segment, start: start, length: length, number: number) }
}

extension LineReader {
  /// ``forEachLine(_:)`` with each line lent (see ``LentLine``): no
  /// reference counting per line. For inner loops that keep nothing of a
  /// line past the call but what they copy (or its ``LentLine/line``).
  @inlinable @inline(__always)
  package func forEachLentLine(_ body: (LentLine) throws -> Void) throws {
    while true {
      try asyncRead.check(source.path)
      // The lines already in the buffer, lent while `segment` holds it;
      // released before reading more, so that the buffer can be reused.
      // If `body` reads on from this reader into a new segment, the loop
      // starts over with that one (its lines are not all scanned yet).
      let movedOn = try withExtendedLifetime(buffer.segment) { segment in
        while buffer.base == segment.base {
          guard let (start, length) = try nextBufferedRange() else { return false }
          try body(LentLine(segment: segment, start: start, length: length, number: lineNumber))
        }
        return true
      }
      if movedOn { continue }
      if atEnd {
        if let last = try next() {
          try withExtendedLifetime(last) {
            try body(LentLine(segment: last.segment, start: last.start, length: last.length, number: last.number))
          }
        }
        return
      }
      try refill()
    }
  }
}
