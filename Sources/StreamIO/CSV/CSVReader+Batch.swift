// Records parsed ahead, in batches. Most records have no quotes: for them a
// tight loop finds every delimiter and line break in the buffer, 64 bytes at
// a time, and notes where each field and record starts, for up to
// `batchRecordLimit` records; `next()` then only hands them out. A record
// with a quote, one over the size limit, or one not wholly in the buffer ends
// the batch: `parseRecord()` parses it alone, reporting any error, and the
// next batch starts after it. Per record this costs about half of parsing
// records one call at a time (the constants stay in registers, no outcome is
// returned per record).

extension CSVReader {
  /// Records per batch: enough to make the per-batch cost vanish, few enough
  /// that a consumer who stops early has not parsed much for nothing.
  @inlinable
  static var batchRecordLimit: Int { 256 }
  /// Fields per batch (and the initial `bounds` capacity); a batch ends early
  /// if its records have more fields in all.
  @inlinable
  static var batchFieldLimit: Int { 2048 }

  /// Parses the quote-free, complete records at `buffer.start` into a batch;
  /// returns how many (0 if the first one must be parsed alone).
  ///
  /// Each 64-byte block gives three masks: delimiters, LFs, and quotes or CRs.
  /// A block with neither quote nor CR (most of them) is taken a record at a
  /// time: the delimiters below each LF are that record's field ends, with no
  /// byte looked at again. A block with a quote or CR is taken a byte of
  /// interest at a time; a quote ends the batch there.
  @inlinable
  func parseBatch() -> Int {
    let base = UnsafeRawPointer(buffer.base)
    let end = buffer.end
    let delimiter = dialect.delimiter, quote = dialect.quote
    // A block of 64 bytes adds at most 64 fields: checking for room once per
    // block keeps the check out of the per-field path.
    var count = startFields(room: 128)
    let segment = buffer.segment
    let bounds = segment.bounds, batchFields = self.batchFields, batchOffsets = self.batchOffsets
    let blockFieldLimit = segment.boundsCapacity &- 64
    let recordLimit = Self.batchRecordLimit, maxRecordSize = self.maxRecordSize
    var scanned = buffer.start
    var records = 0
    var recordStart = buffer.start
    var fieldStart = recordStart
    batchFields[0] = count
    batchOffsets[0] = recordStart
    batch: while true {
      let available = end &- scanned
      guard available > 0 && count <= blockFieldLimit else { break }
      let blockBase = scanned
      var (delimiters, newlines, special) = ByteMasks.csv(
        delimiter: delimiter, quote: quote, in: base, at: blockBase, count: available)
      scanned &+= Swift.min(available, 64)
      if special == 0 {
        while true {
          // The fields that end before the next LF (or, past the last LF,
          // before the block's end: fields of a record that goes on).
          let lineEnd = newlines == 0 ? 64 : newlines.trailingZeroBitCount
          var fieldEnds = delimiters & ByteMasks.lowBits(lineEnd)
          delimiters ^= fieldEnds
          while fieldEnds != 0 {
            let fieldEnd = blockBase &+ fieldEnds.trailingZeroBitCount
            fieldEnds &= fieldEnds &- 1
            bounds[2 &* count] = fieldStart
            bounds[2 &* count &+ 1] = fieldEnd
            count &+= 1
            fieldStart = fieldEnd &+ 1
          }
          guard newlines != 0 else { break }
          newlines &= newlines &- 1
          let position = blockBase &+ lineEnd
          guard position &- recordStart <= maxRecordSize else { break batch }
          // A blank line is a record with no fields (as Python's csv reads it).
          if position != recordStart {
            bounds[2 &* count] = fieldStart
            bounds[2 &* count &+ 1] = position
            count &+= 1
          }
          records &+= 1
          recordStart = position &+ 1
          fieldStart = recordStart
          batchFields[records] = count
          batchOffsets[records] = recordStart
          if records == recordLimit { break batch }
        }
        continue
      }
      var bits = delimiters | newlines | special
      while bits != 0 {
        let position = blockBase &+ bits.trailingZeroBitCount
        bits &= bits &- 1
        let byte = base.load(fromByteOffset: position, as: UInt8.self)
        bounds[2 &* count] = fieldStart
        bounds[2 &* count &+ 1] = position
        if byte == delimiter {
          count &+= 1
          fieldStart = position &+ 1
          continue
        }
        if byte == quote || position &- recordStart > maxRecordSize { break batch }
        var next = position &+ 1
        if byte == 0x0D {  // CR: a CRLF pair, or a lone CR (a line end too)
          guard next < end else { break batch }  // its LF may be in the next read
          if base.load(fromByteOffset: next, as: UInt8.self) == 0x0A {
            // Skip the LF: its bit is the lowest left, or it starts the next block.
            if next < scanned { bits &= bits &- 1 } else { scanned = next &+ 1 }
            next &+= 1
          }
        }
        if position != recordStart { count &+= 1 }
        records &+= 1
        recordStart = next
        fieldStart = next
        batchFields[records] = count
        batchOffsets[records] = next
        if records == recordLimit { break batch }
      }
    }
    batchCount = records
    batchCursor = 0
    fieldsInUse = batchFields[records]
    return records
  }

  /// Where the next record's fields go in the segment's bounds, with room
  /// for `room` more: after the fields of records handed out, unless no
  /// record holds the segment any more.
  @inlinable @inline(__always)
  func startFields(room: Int) -> Int {
    if buffer.isUnshared() { fieldsInUse = 0 }
    let segment = buffer.segment
    if _slowPath(segment.boundsCapacity &- fieldsInUse < room) {
      segment.reserveFields(fieldsInUse &+ room, keeping: fieldsInUse)
    }
    return fieldsInUse
  }

  /// Hands out the next record of the batch.
  @inlinable @inline(__always)
  func takeBatched() -> CSVRecord { takeBatched(in: buffer.segment) }

  /// ``takeBatched()`` with the segment the caller holds (the current one).
  @inlinable @inline(__always)
  func takeBatched(in segment: ReadSegment) -> CSVRecord {
    let record = batchCursor
    batchCursor = record &+ 1
    let first = batchFields[record]
    let line = nextLine
    nextLine = line &+ 1
    recordNumber &+= 1
    buffer.start = batchOffsets[record &+ 1]
    return CSVRecord(
      segment: segment, firstField: first, count: batchFields[record &+ 1] &- first,
      start: batchOffsets[record], line: line, number: recordNumber)
  }
}
