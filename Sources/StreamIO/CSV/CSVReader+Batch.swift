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
  @inlinable
  func parseBatch() -> Int {
    let base = UnsafeRawPointer(buffer.base)
    let end = buffer.end
    let delimiter = dialect.delimiter, quote = dialect.quote
    let bounds = self.bounds, batchFields = self.batchFields, batchOffsets = self.batchOffsets
    // A block of 64 bytes adds at most 64 fields: checking for room once per
    // block keeps the check out of the per-field path.
    let blockFieldLimit = boundsCapacity &- 64
    let recordLimit = Self.batchRecordLimit, maxRecordSize = self.maxRecordSize
    var bits: UInt64 = 0  // delimiters, quotes and line breaks not yet visited
    var bitsBase = 0  // the offset bit 0 stands for
    var scanned = buffer.start
    var records = 0
    var count = 0
    var recordStart = buffer.start
    var fieldStart = recordStart
    batchFields[0] = 0
    batchOffsets[0] = recordStart
    batch: while true {
      while bits == 0 {
        let available = end &- scanned
        guard available > 0 && count <= blockFieldLimit else { break batch }
        bitsBase = scanned
        bits = ByteMasks.any(delimiter, quote, 0x0A, 0x0D, in: base, at: scanned, count: available)
        scanned &+= Swift.min(available, 64)
      }
      let position = bitsBase &+ bits.trailingZeroBitCount
      bits &= bits &- 1
      let byte = base.load(fromByteOffset: position, as: UInt8.self)
      bounds[2 &* count] = fieldStart
      bounds[2 &* count &+ 1] = position
      if byte == delimiter {
        count &+= 1
        fieldStart = position &+ 1
        continue
      }
      if byte == quote || position &- recordStart > maxRecordSize { break }
      var next = position &+ 1
      if byte == 0x0D {  // CR: a CRLF pair, or a lone CR (a line end too)
        guard next < end else { break }  // its LF may be in the next read
        if base.load(fromByteOffset: next, as: UInt8.self) == 0x0A {
          // Skip the LF: its bit is the lowest left, or it starts the next block.
          if next < scanned { bits &= bits &- 1 } else { scanned = next &+ 1 }
          next &+= 1
        }
      }
      // A blank line is a record with no fields (as Python's csv reads it).
      if position != recordStart { count &+= 1 }
      records &+= 1
      batchFields[records] = count
      batchOffsets[records] = next
      recordStart = next
      fieldStart = next
      if records == recordLimit { break }
    }
    batchCount = records
    batchCursor = 0
    return records
  }

  /// Hands out the next record of the batch.
  @inlinable @inline(__always)
  func takeBatched() -> CSVRecord {
    let record = batchCursor
    batchCursor = record &+ 1
    let first = batchFields[record]
    fields = bounds + 2 &* first
    fieldCount = batchFields[record &+ 1] &- first
    let start = batchOffsets[record]
    recordLine = nextLine
    recordOffset = buffer.discarded &+ start
    nextLine &+= 1
    recordNumber &+= 1
    buffer.start = batchOffsets[record &+ 1]
    return CSVRecord(reader: Unmanaged.passUnretained(self))
  }
}
