/// What a block body of ``LineReader/forEachLentBlock(_:line:)`` took: a
/// prefix of whole lines, `byteCount` bytes (line feeds included) holding
/// `lineCount` lines. Zero takes nothing.
@usableFromInline
package struct TakenLines {
  @usableFromInline package var byteCount: Int
  @usableFromInline package var lineCount: Int

  @inlinable
  package init(byteCount: Int, lineCount: Int) {
    self.byteCount = byteCount
    self.lineCount = lineCount
  }
}

/// The complete lines in the buffer, lent as one block to the block body of
/// ``LineReader/forEachLentBlock(_:line:)``, for one call: like
/// ``LentLine``, it must not outlive the call.
@usableFromInline
package struct LentBlock {
  @usableFromInline
  unowned(unsafe) let segment: ReadSegment
  @usableFromInline
  let start: Int
  @usableFromInline
  let count: Int
  /// The 1-based number of the block's first line.
  @usableFromInline package let firstLineNumber: Int

  @usableFromInline @inline(__always)
  init(segment: ReadSegment, start: Int, count: Int, firstLineNumber: Int) {
    self.segment = segment
    self.start = start
    self.count = count
    self.firstLineNumber = firstLineNumber
  }

  /// The lines' bytes, each with its `\n` (`\r\n` as read).
  @inlinable
  package var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: segment.base + start, count: count) }

  /// 0-based offset in the input of the block's first byte.
  @inlinable
  package var byteOffset: Int { segment.discarded &+ start }

  /// The line of `length` bytes (without its ending) at `offset` in the
  /// block, numbered `number`, lent for the same call.
  @inlinable
  package func line(at offset: Int, length: Int, number: Int) -> LentLine {
    LentLine(segment: segment, start: start &+ offset, length: length, number: number)
  }
}

extension LineReader {
  /// ``forEachLentLine(_:)`` for a caller that can take many lines at once:
  /// `block` is lent the complete lines in the buffer as one block (see
  /// ``LentBlock``); it takes a prefix of whole lines, or none. The lines it
  /// leaves go to `line` one by one. A block that takes nothing is offered
  /// again only after some lines, more after each refusal in a row (up to
  /// 1024), so that input the block cannot take costs it little.
  ///
  /// A block is at most ``maxLineLength`` + 1 bytes, so no line in it is
  /// longer than ``maxLineLength`` (`block` need not check it); the lines
  /// of a larger one go to `line`. Neither `block` nor `line` may read from
  /// this reader.
  @inlinable
  package func forEachLentBlock(
    _ block: (LentBlock) throws -> TakenLines,
    line body: (LentLine) throws -> Void
  ) throws {
    var linesUntilOffer = 0
    var refusals = 0
    while true {
      try asyncRead.check(source.path)
      // The lines in the buffer, lent while `segment` holds it (held by a
      // `defer` rather than forEachLentLine's closure, so that the counters
      // above stay plain locals).
      var movedOn = true
      do {
        let segment = buffer.segment
        defer { withExtendedLifetime(segment) {} }
        // The end of the last complete line in the buffer, found once per read.
        var lastLineEnd = -1
        var searchedEnd = -1
        scan: while buffer.base == segment.base {
          if linesUntilOffer == 0 && buffer.end != buffer.start {
            if searchedEnd != buffer.end {
              searchedEnd = buffer.end
              // Backwards, as the last line feed is usually within a line of
              // the end; no further than 64 KiB, so that a long line arriving
              // in small reads is not searched again and again (its lines go
              // to `line`).
              var index = buffer.end &- 1
              let searchStart = Swift.max(buffer.start, buffer.end &- 65536)
              while index >= searchStart && buffer.base.load(fromByteOffset: index, as: UInt8.self) != 0x0A { index &-= 1 }
              lastLineEnd = index >= searchStart ? index &+ 1 : -1
            }
            if lastLineEnd > buffer.start && lastLineEnd &- buffer.start <= maxLineLength &+ 1 {
              let start = buffer.start
              let taken = try block(
                LentBlock(segment: segment, start: start, count: lastLineEnd &- start, firstLineNumber: lineNumber &+ 1))
              precondition(taken.byteCount >= 0 && taken.byteCount <= lastLineEnd &- start)
              if taken.byteCount > 0 {
                buffer.start = start &+ taken.byteCount
                lineNumber &+= taken.lineCount
                newlines.restart(at: buffer.start)
                refusals = 0
                continue scan
              }
              refusals = Swift.min(refusals &+ 1, 10)
              linesUntilOffer = 1 &<< refusals
            }
          }
          guard let (start, length) = try nextBufferedRange() else {
            movedOn = false
            break scan
          }
          if linesUntilOffer > 0 { linesUntilOffer &-= 1 }
          try body(LentLine(segment: segment, start: start, length: length, number: lineNumber))
        }
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
