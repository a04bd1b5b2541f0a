/// What a block body of ``LineReader/forEachLentBlock(_:line:)`` took: a
/// prefix of whole lines, `byteCount` bytes (line feeds included) holding
/// `lineCount` lines. Zero takes nothing.
package struct TakenLines {
  package var byteCount: Int
  package var lineCount: Int

  @inlinable
  package init(byteCount: Int, lineCount: Int) {
    self.byteCount = byteCount
    self.lineCount = lineCount
  }
}

extension LineReader {
  /// ``forEachLentLine(_:)`` for a caller that can take many lines at once:
  /// `block` is offered the complete lines in the buffer as one run of bytes
  /// (each line with its `\n`, `\r\n` as read) and the input offset of its
  /// first byte; it takes a prefix of whole lines, or none. The lines it
  /// leaves go to `line` one by one. A block that takes nothing is offered
  /// again only after some lines, more after each refusal in a row (up to
  /// 1024), so that input the block cannot take costs it little.
  ///
  /// Blocks are offered only when no line in the buffer can be longer than
  /// ``maxLineLength`` (so `block` need not check it); else every line goes
  /// to `line`.
  package func forEachLentBlock(
    _ block: (_ bytes: UnsafeRawBufferPointer, _ byteOffset: Int) throws -> TakenLines,
    line body: (LentLine) throws -> Void
  ) throws {
    let offersBlocks = maxLineLength >= buffer.capacity
    var linesUntilOffer = 0
    var refusals = 0
    while true {
      try asyncRead.check(source.path)
      let movedOn = try withExtendedLifetime(buffer.segment) { segment in
        // The end of the last complete line in the buffer, found once per read.
        var lastLineEnd = -1
        var searchedEnd = -1
        while buffer.base == segment.base {
          if offersBlocks && linesUntilOffer == 0 && buffer.end != buffer.start {
            if searchedEnd != buffer.end {
              searchedEnd = buffer.end
              // (Backwards: the last line feed is usually within a line of the end.)
              var index = buffer.end &- 1
              while index >= buffer.start && buffer.base.load(fromByteOffset: index, as: UInt8.self) != 0x0A { index &-= 1 }
              lastLineEnd = index >= buffer.start ? index &+ 1 : -1
            }
            if lastLineEnd > buffer.start {
              let start = buffer.start
              let taken = try block(
                UnsafeRawBufferPointer(start: buffer.base + start, count: lastLineEnd &- start), segment.discarded &+ start)
              precondition(taken.byteCount >= 0 && taken.byteCount <= lastLineEnd &- start)
              if taken.byteCount > 0 {
                buffer.start = start &+ taken.byteCount
                lineNumber &+= taken.lineCount
                newlines.restart(at: buffer.start)
                refusals = 0
                continue
              }
              refusals = Swift.min(refusals &+ 1, 10)
              linesUntilOffer = 1 &<< refusals
            }
          }
          guard let (start, length) = try nextBufferedRange() else { return false }
          if linesUntilOffer > 0 { linesUntilOffer &-= 1 }
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
