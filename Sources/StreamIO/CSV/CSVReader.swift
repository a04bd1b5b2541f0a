/// Reads CSV records one at a time, in constant memory. Python:
/// `csv.reader(open(path, newline=""))`, or `csv.DictReader` with a header.
///
/// ```swift
/// let sales = try CSVReader(path: "sales.csv")          // header: name,country,qty,price
/// let country = try sales.column("country"), qty = try sales.column("qty")
/// var total = 0.0
/// while let row = try sales.next() {
///   if row.field(country, equals: "US") { continue }
///   total += Double(try row[qty, as: Int.self]) * (try row["price", as: Double.self])
/// }
/// ```
///
/// - RFC 4180: quoted fields, doubled quotes, delimiters and line breaks
///   inside quotes, CRLF or LF line ends (a lone CR too, as Python reads it),
///   a UTF-8 byte-order mark, empty fields, rows of different lengths. A blank
///   line (or a lone CR) is a record with no fields, as `csv.reader` gives
///   `[]`; `csv.DictReader` skips those, and so do ``next(as:)`` and the
///   header (blank lines before it are passed over).
/// - Each ``CSVRecord`` is a value that stays valid as long as it is held,
///   without copying its bytes (see ``CSVRecord``); fields become `String`s
///   only when asked. The buffer grows only for a record larger than itself,
///   never past `maxRecordSize`.
///   Records without quotes are parsed ahead in batches of up to 256, which
///   `next()` hands out one by one (see "How it is fast" in the StreamIO docs).
/// - Bad input (an unterminated quote, a quote inside an unquoted field, text
///   after a closing quote, an over-long record) is a ``StreamIOError`` naming
///   the file, line, column and byte. With `onError: .skip` the record is
///   skipped instead, counted in ``skippedRecords`` and kept in ``skippedErrors``
///   (but not a bad header: that is always an error).
/// - The file is closed at the end, on error, by ``close()`` and at deinit.
///
/// - Complexity: O(n) in the input; each byte is looked at about once.
public final class CSVReader {
  public let source: ByteSource
  public let dialect: CSVDialect
  public let maxRecordSize: Int
  public let errorPolicy: CSVErrorPolicy
  /// While the header is read: a bad header is an error even under `.skip`
  /// (skipping it would make the first data row the header).
  var readingHeader = false

  // Stored properties are @exclusivity(unchecked) for speed, as in LineReader.
  @exclusivity(unchecked) @usableFromInline
  var buffer: ReadBuffer
  @exclusivity(unchecked) @usableFromInline
  var atEnd = false
  /// Fields of the current segment's bounds (``ReadSegment/bounds``) that
  /// records handed out may use: the next record's fields go after them.
  /// Back to 0 whenever no record holds the segment.
  @exclusivity(unchecked) @usableFromInline
  var fieldsInUse = 0
  /// The record being parsed alone: its first field's index in the bounds, and its field count.
  @exclusivity(unchecked) @usableFromInline
  var firstField = 0
  @exclusivity(unchecked) @usableFromInline
  var fieldCount = 0
  /// Fields that hold doubled quotes, to be unescaped once the record is whole.
  @exclusivity(unchecked) @usableFromInline
  var escapedFields: [Int] = []
  /// The line the next record starts on (1-based).
  @exclusivity(unchecked) @usableFromInline
  var nextLine = 1
  @exclusivity(unchecked) @usableFromInline
  var recordNumber = 0
  @exclusivity(unchecked) @usableFromInline
  var checkedBOM = false

  /// For a reader that starts inside a file (a range of it, `--threads`):
  /// its first bytes are a record's, so a byte-order mark there is data,
  /// as it is anywhere but at the file's start.
  package func startsInsideFile() { checkedBOM = true }
  @exclusivity(unchecked) @usableFromInline
  var asyncRead = AsyncReadState()
  /// Records parsed ahead, handed out by `next()` in order (CSVReader+Batch.swift):
  /// record r has fields `batchFields[r] ..< batchFields[r + 1]` of the
  /// segment's bounds and starts at buffer offset `batchOffsets[r]`; the next
  /// one at `batchOffsets[r + 1]`.
  @exclusivity(unchecked) @usableFromInline
  var batchFields: UnsafeMutablePointer<Int>
  @exclusivity(unchecked) @usableFromInline
  var batchOffsets: UnsafeMutablePointer<Int>
  @exclusivity(unchecked) @usableFromInline
  var batchCount = 0
  @exclusivity(unchecked) @usableFromInline
  var batchCursor = 0

  /// The input's name and header, shared with every record.
  @usableFromInline
  let origin: ReadOrigin
  /// The header's names, if the dialect has a header.
  public var header: [String]? { origin.header }

  /// Records skipped under `onError: .skip`.
  public internal(set) var skippedRecords = 0
  /// The errors of the first 100 skipped records, for reporting.
  public internal(set) var skippedErrors: [StreamIOError] = []

  public static var defaultBufferSize: Int { 64 * 1024 }
  public static var defaultMaxRecordSize: Int { 4 * 1024 * 1024 }

  public init(
    source: ByteSource, dialect: CSVDialect = .standard, bufferSize: Int = CSVReader.defaultBufferSize,
    maxRecordSize: Int = CSVReader.defaultMaxRecordSize, onError: CSVErrorPolicy = .throw
  ) throws(StreamIOError) {
    self.source = source
    self.dialect = dialect
    self.maxRecordSize = maxRecordSize
    self.errorPolicy = onError
    // Records keep field indices and offsets in 32 bits (CSVRecord).
    precondition(
      bufferSize < 1 << 31 && maxRecordSize < 1 << 31,
      "bufferSize \(bufferSize) and maxRecordSize \(maxRecordSize) must be below 2 GiB")
    origin = ReadOrigin(path: source.path, quote: dialect.quote, delimiter: dialect.delimiter)
    buffer = ReadBuffer(
      capacity: bufferSize, limit: Swift.max(bufferSize, maxRecordSize + 2), fields: Self.batchFieldLimit,
      origin: origin)
    batchFields = .allocate(capacity: Self.batchRecordLimit + 1)
    batchOffsets = .allocate(capacity: Self.batchRecordLimit + 1)
    // The header is the first record with fields: blank lines before it
    // would otherwise make a header of no names.
    readingHeader = dialect.hasHeader
    var first = dialect.hasHeader ? try next() : nil
    while let record = first, record.count == 0 { first = try next() }
    readingHeader = false
    if let first {
      var names: [String] = []
      for i in 0..<first.count { names.append(try first.string(i)) }
      origin.header = names
      for (index, name) in names.enumerated() where origin.columnsByName[ExactText(name)] == nil {
        origin.columnsByName[ExactText(name)] = index
      }
      recordNumber = 0
    }
  }

  public convenience init(
    path: String, dialect: CSVDialect = .standard, bufferSize: Int = CSVReader.defaultBufferSize,
    maxRecordSize: Int = CSVReader.defaultMaxRecordSize, onError: CSVErrorPolicy = .throw
  ) throws(StreamIOError) {
    try self.init(
      source: ByteSource(path: path), dialect: dialect, bufferSize: bufferSize,
      maxRecordSize: maxRecordSize, onError: onError)
  }

  deinit {
    source.close()
    batchFields.deallocate()
    batchOffsets.deallocate()
  }

  /// Closes the input now; `next()` then returns nil. (During an async read
  /// that is waiting, the input is closed when the read returns.)
  public func close() {
    if asyncRead.inFlight {
      asyncRead.closeRequested = true
      return
    }
    source.close()
    atEnd = true
    buffer.start = buffer.end
    batchCount = 0
    batchCursor = 0
  }

  /// The index of the column named `name` in the header: the first column
  /// with its code points, as Python's `header.index(name)` finds it ("é"
  /// and "e\u{301}" are two names here, though Swift's `==` finds them equal).
  ///
  /// - Throws: ``StreamIOError`` if there is no header or no such column.
  public func column(_ name: String) throws(StreamIOError) -> Int { try origin.column(name) }

  /// The next record, or nil at the end of input.
  @inlinable
  public func next() throws(StreamIOError) -> CSVRecord? {
    // The common case inline: a record parsed ahead. The rest out of line.
    if _fastPath(batchCursor < batchCount) { return takeBatched() }
    return try nextUnbatched()
  }

  /// Calls `body` with each record in order: the fastest way to read records.
  /// Python: `for row in csv.reader(f): body(row)`.
  ///
  /// Each record is lent to `body` rather than handed over: the reader
  /// holds each block of input while `body` runs, so where `body` is inlined
  /// (a closure written at the call, in optimized code) the compiler can
  /// drop the reference counting of ``next()``, one retain and one release
  /// per record; a `body` called through a pointer still pays it. A
  /// record that `body` keeps (stores, appends, yields) is retained as any
  /// value is, so it stays valid; there is nothing to get wrong.
  ///
  /// ```swift
  /// var total = 0.0
  /// try CSVReader(path: "sales.csv").forEachRecord { row in
  ///   if !row.field(1, equals: "US") { total += Double(try row[2, as: Int.self]) * (try row[3, as: Double.self]) }
  /// }
  /// ```
  ///
  /// - Throws: what ``next()`` throws, or what `body` throws (reading stops there).
  @inlinable
  public func forEachRecord(_ body: (CSVRecord) throws -> Void) throws {
    while true {
      if batchCursor < batchCount {
        // The rest of the batch, lent out while `segment` holds the buffer;
        // released before parsing more, so that the buffer can be reused.
        // (If `body` reads on from this reader into a new segment, the rest
        // of that batch lies in the new one: the loop ends and starts over.)
        try withExtendedLifetime(buffer.segment) { segment in
          while batchCursor < batchCount && buffer.base == segment.base { try body(takeBatched(in: segment)) }
        }
        continue
      }
      guard let record = try nextUnbatched() else { return }
      try body(record)
    }
  }

  /// A batch of records parsed ahead, or one record parsed alone (one with
  /// quotes, an error, or the last in the buffer), reading as needed.
  @usableFromInline
  func nextUnbatched() throws(StreamIOError) -> CSVRecord? {
    try asyncRead.check(source.path)
    while true {
      if !checkedBOM { try skipByteOrderMark() }
      if parseBatch() > 0 { return takeBatched() }
      switch try settle(parseRecord()) {
      case .record(let record): return record
      case .end: return nil
      case .needMore: try readMore()
      case .again: continue
      }
    }
  }

  @usableFromInline
  enum Step {
    case record(CSVRecord)
    case end
    case needMore
    case again
  }

  /// What a parse outcome means for the caller: a record, the end, a read
  /// to do, or (after a skipped bad record) another try.
  @inlinable @inline(__always)
  func settle(_ outcome: ParseOutcome) throws(StreamIOError) -> Step {
    switch outcome {
    case .complete(let end, let next, let lines):
      // A record found whole in a large buffer may still be over the limit.
      guard end &- buffer.start <= maxRecordSize else {
        try reject(.recordTooLarge, at: buffer.start &+ maxRecordSize)
        return .again
      }
      return .record(finishRecord(next: next, lines: lines))
    case .endOfInput:
      return .end
    case .needMore:
      return .needMore
    case .malformed(let problem, let offset):
      // Which error a record gets must not depend on how much of it was
      // in the buffer: if its content runs past the limit before the
      // problem (an unterminated quote runs to the end), it is too large.
      let extent = problem == .unterminatedQuote ? buffer.end : offset
      if extent &- buffer.start > maxRecordSize {
        try reject(.recordTooLarge, at: buffer.start &+ maxRecordSize)
      } else {
        try reject(problem, at: offset)
      }
      return .again
    }
  }

  /// Throws the error for a bad record, or skips it under `.skip`.
  @usableFromInline
  func reject(_ problem: Problem, at offset: Int) throws(StreamIOError) {
    let error = malformedError(problem, at: offset)
    guard errorPolicy == .skip && !readingHeader else {
      close()
      throw error
    }
    try skipBadRecord(error, at: offset)
  }
}
