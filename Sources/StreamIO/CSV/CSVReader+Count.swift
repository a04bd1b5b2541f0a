// Counting records without noting their fields (`gen count`). A record
// without quotes or CRs ends at an LF, so in a block of 64 bytes with no
// quote and no CR the records are the LFs, less those of blank lines: no
// field is noted and no record is handed out. A block with a quote or a CR
// hands the record that holds it to the parser (`nextUnbatched()`), which
// reports any error with its line and column, then counting goes on.

extension CSVReader {
  /// Counts the remaining records that have fields, without noting them.
  /// Python: `sum(1 for row in csv.reader(f) if row)`.
  ///
  /// It counts what ``forEachRecord(_:)`` would hand out, less blank lines
  /// (records with no fields, which `csv.DictReader` skips too), in about
  /// a third of the time where few blocks hold a quote or a CR (`gen count`
  /// on 10M rows: 0.15 s of CPU with ``forEachRecord(_:)``, 0.04–0.06 s with
  /// this; a CRLF file has a CR in every block and gains nothing). Bad input throws as ``next()`` throws, with the same line,
  /// column and byte; under `onError: .skip` a bad record is skipped and
  /// counted in ``skippedRecords`` instead.
  ///
  /// ```swift
  /// let rows = try CSVReader(path: "sales.csv").countRecords().count
  /// ```
  ///
  /// - Parameters:
  ///   - stop: A byte offset in the input: counting ends at the first record
  ///     (blank or not) that starts at or after it. For a reader over part of
  ///     a file, where the next part starts.
  ///   - progress: Called now and then with the byte offset reached.
  /// - Returns: The count, and the byte offset of the record counting ended
  ///   at (nil: the input ended first).
  public func countRecords(
    before stop: Int = .max, progress: (Int) -> Void = { _ in }
  ) throws(StreamIOError) -> (count: Int, stoppedAt: Int?) {
    var count = 0
    while true {
      // Records parsed ahead (by next(), or below for a block with a quote or CR).
      while batchCursor < batchCount {
        let record = takeBatched()
        if record.byteOffset >= stop { return (count, record.byteOffset) }
        if record.count > 0 { count &+= 1 }
      }
      try asyncRead.check(source.path)
      if !checkedBOM { try skipByteOrderMark() }
      let (counted, whole) = countPlainRecords(before: stop)
      count &+= counted
      if whole && !atEnd {
        progress(buffer.discarded &+ buffer.start)
        try readMore()
        continue
      }
      // The record at buffer.start, parsed as next() parses it (with the
      // quote-free records after it, when it has no quote).
      guard let record = try nextUnbatched() else { return (count, nil) }
      if record.byteOffset >= stop { return (count, record.byteOffset) }
      if record.count > 0 { count &+= 1 }
    }
  }

  /// Counts the records at `buffer.start` that are wholly in the buffer,
  /// start before `stop`, and hold no quote or CR; moves past them. `whole`:
  /// all the buffer was taken that way (more must be read, or it is the end
  /// of input, where the last record has no line break); otherwise
  /// the record at `buffer.start` must be parsed.
  func countPlainRecords(before stop: Int) -> (count: Int, whole: Bool) {
    // With a limit below a block's length, one block could hold a record over it.
    guard maxRecordSize >= 64 else { return (0, false) }
    let base = UnsafeRawPointer(buffer.base)
    // Scanning ends before `end`: an LF before it starts a record before
    // `stop`. Past it the parser takes over, each record's start checked
    // against `stop`.
    let stopInBuffer = stop &- buffer.discarded
    let end = stopInBuffer > buffer.end ? buffer.end : Swift.max(buffer.start, stopInBuffer &- 1)
    let delimiter = dialect.delimiter, quote = dialect.quote, maxRecordSize = self.maxRecordSize
    var scanned = buffer.start
    var recordStart = scanned
    var lineBreaks = 0, blank = 0
    var whole = true
    while scanned < end {
      let blockBase = scanned
      let available = end &- scanned
      var (_, newlines, special) = ByteMasks.csv(
        delimiter: delimiter, quote: quote, in: base, at: blockBase, count: available)
      scanned &+= Swift.min(available, 64)
      if special != 0 {
        // The records before the first quote or CR, then the parser.
        newlines &= ByteMasks.lowBits(special.trailingZeroBitCount)
        whole = false
      }
      if newlines != 0 {
        guard blockBase &+ newlines.trailingZeroBitCount &- recordStart <= maxRecordSize else {
          whole = false
          break
        }
        // A blank line: an LF right after the previous one (or at the record's start).
        let follows = (newlines &<< 1) | (blockBase == recordStart ? 1 : 0)
        lineBreaks &+= newlines.nonzeroBitCount
        blank &+= (newlines & follows).nonzeroBitCount
        recordStart = blockBase &+ (64 &- newlines.leadingZeroBitCount)
      }
      if !whole { break }
      if scanned &- recordStart > maxRecordSize {
        whole = false
        break
      }
    }
    if end != buffer.end { whole = false }  // stopped short of `stop`: the parser checks the rest
    buffer.start = recordStart
    nextLine &+= lineBreaks
    recordNumber &+= lineBreaks
    return (lineBreaks &- blank, whole)
  }
}
