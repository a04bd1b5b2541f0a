/// One CSV record. Python: the list `csv.reader` yields, or the dict of `DictReader`.
///
/// Fields are byte views; ask for a `String` or a number when you need one:
///
/// ```swift
/// let name = try row.string(0)                 // by index
/// let qty = try row["qty", as: Int.self]       // by header name, typed
/// if row.field(1, equals: "US") {}             // no String made at all
/// ```
///
/// A value: it stays valid and unchanged for as long as you hold it, after
/// later reads and after the reader is gone, so `Array(reader)`,
/// `reader.batched(500)` or `sorted` keep distinct, intact records. Its bytes
/// are not copied: the record keeps the block of input it lies in alive, and
/// the reader moves on to a new block only when a kept record still holds
/// the current one. A loop that drops each record allocates nothing.
@_eagerMove
public struct CSVRecord {
  // Four words, so that a record passes in registers: the record's first
  // byte is not stored but found from its first field (or, for a record
  // with no fields, kept where the first field's index would be).
  @usableFromInline
  let segment: ReadSegment
  /// The index of its first field in the segment's bounds; with no fields,
  /// the offset of its first byte from the segment's start.
  @usableFromInline
  let firstField: UInt32
  @usableFromInline
  let fieldCount: UInt32
  /// The line the record starts on (1-based; a record may span lines).
  public let line: Int
  /// 1-based record number, not counting the header.
  public let number: Int

  @inlinable
  init(segment: ReadSegment, firstField: Int, count: Int, start: Int, line: Int, number: Int) {
    self.segment = segment
    self.firstField = UInt32(truncatingIfNeeded: count == 0 ? start : firstField)
    self.fieldCount = UInt32(truncatingIfNeeded: count)
    self.line = line
    self.number = number
  }

  /// How many fields the record has (rows may differ in length).
  @inlinable
  public var count: Int { Int(fieldCount) }

  /// Offset of its first byte from the segment's start: its first field's,
  /// or the opening quote's just before it. (The byte before an unquoted
  /// first field ends the line before, so it is never a quote.)
  @inlinable
  var start: Int {
    if fieldCount == 0 { return Int(firstField) }
    let fieldStart = segment.bounds[2 * Int(firstField)]
    let quoted = fieldStart > 0 && segment.base.load(fromByteOffset: fieldStart - 1, as: UInt8.self) == segment.origin.quote
    return quoted ? fieldStart - 1 : fieldStart
  }

  /// The bytes the record was read from, its first field's first to its
  /// last field's last, when they hold no quote and no CR: then no field was
  /// quoted, none needs quotes, and these bytes are the fields joined by the
  /// delimiter, as a writer with the reader's dialect writes them (see
  /// ``CSVWriter/write(_:)``, which copies them so). Nil otherwise.
  @inlinable
  package func unquotedBytes(delimiter: UInt8, quote: UInt8) -> UnsafeRawBufferPointer? {
    guard fieldCount > 0, segment.origin.delimiter == delimiter, segment.origin.quote == quote else { return nil }
    let first = segment.bounds[2 &* Int(firstField)]
    // (A quoted first field's opening quote is just before it, outside the span.)
    if first > 0 && segment.base.load(fromByteOffset: first &- 1, as: UInt8.self) == quote { return nil }
    let last = segment.bounds[2 &* (Int(firstField) &+ Int(fieldCount)) &- 1]
    // A CR is read as a line end outside quotes, so one in these bytes is
    // inside a quoted field, whose opening quote is in them too (or just
    // before them, checked above): looking for quotes finds both. They are
    // looked for 64 bytes at a time (the segment's padding makes a whole
    // block readable).
    let count = last &- first
    var offset = 0
    while offset < count {
      if ByteMasks.equal(quote, in: segment.base, at: first &+ offset, count: count &- offset) != 0 { return nil }
      offset &+= 64
    }
    return UnsafeRawBufferPointer(start: segment.base + first, count: count)
  }

  /// 0-based offset in the input of the record's first byte.
  @inlinable
  public var byteOffset: Int { segment.discarded &+ start }

  /// The header's names, if the reader's dialect has a header.
  public var header: [String]? { segment.origin.header }

  /// The bytes of field `index`, quotes removed and doubled quotes undone.
  /// They stay valid while the record is alive: keep the record (not just
  /// the pointer) for as long as you use them, or use ``withField(_:_:)``.
  @inlinable @inline(__always)
  public func field(_ index: Int) -> UnsafeRawBufferPointer {
    precondition(index >= 0 && index < count, "field index \(index) out of range for a record of \(count) fields")
    let bounds = segment.bounds + 2 &* (Int(firstField) &+ index)
    let start = bounds[0], end = bounds[1]
    return UnsafeRawBufferPointer(start: segment.base + start, count: end &- start)
  }

  /// Calls `body` with the bytes of field `index`, keeping the record alive meanwhile.
  @inlinable
  public func withField<Result, Failure: Error>(
    _ index: Int, _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    try withExtendedLifetime(self) { () throws(Failure) -> Result in try body(field(index)) }
  }

  /// Whether field `index` is exactly `text`, compared as bytes: no `String` is made.
  /// Python: `row[index] == text`.
  @inlinable
  /// A field the record does not have (a short row) equals nothing.
  public func field(_ index: Int, equals text: StaticString) -> Bool {
    guard index >= 0 && index < count else { return false }
    let bytes = field(index)
    let count = text.utf8CodeUnitCount
    guard bytes.count == count else { return false }
    let expected = text.utf8Start
    var i = 0
    while i < count {  // fields are short: a loop beats a call to memcmp
      if bytes[i] != expected[i] { return false }
      i &+= 1
    }
    return true
  }

  /// Field `index` as a `String`, checked to be valid UTF-8.
  @inlinable
  public func string(_ index: Int) throws(StreamIOError) -> String {
    try self[index, as: String.self]
  }

  /// The field in the column named `name` as a `String`.
  @inlinable
  public func string(_ name: String) throws(StreamIOError) -> String {
    try self[name, as: String.self]
  }

  /// All fields as strings. Python: the list `csv.reader` yields.
  public func strings() throws(StreamIOError) -> [String] {
    var result: [String] = []
    result.reserveCapacity(count)
    for index in 0..<count { result.append(try string(index)) }
    return result
  }

  /// Field `index` converted to `type`.
  ///
  /// - Throws: ``StreamIOError`` with code ``StreamIOError/Code/invalidField``
  ///   naming the line, column, byte and what was expected, or that the
  ///   record has no such field (a short row).
  @inlinable
  public subscript<Value: CSVFieldDecodable>(index: Int, as type: Value.Type) -> Value {
    @inline(__always) get throws(StreamIOError) {
      // A short row (or a blank line) is bad data, not a programming error.
      guard _fastPath(index >= 0 && index < count) else { throw missingField(index, name: nil) }
      let bytes = field(index)
      // Int and Double read the buffer eight bytes at a time (it is padded
      // past every field); the checks fold away when the subscript is specialized.
      if Value.self == Double.self {
        if let value = CSVNumbers.double(inBuffer: bytes) { return value as! Value }
      } else if Value.self == Int.self {
        if let value = CSVNumbers.integer(inBuffer: bytes) { return value as! Value }
      } else if let value = Value.decode(csvField: bytes) {
        return value
      }
      throw invalidField(index, expected: Value.self)
    }
  }

  /// The field in the column named `name` (from the header) converted to `type`.
  /// Resolve the name once with ``CSVReader/column(_:)`` in hot loops.
  @inlinable
  public subscript<Value: CSVFieldDecodable>(name: String, as type: Value.Type) -> Value {
    get throws(StreamIOError) {
      let index = try segment.origin.column(name)
      guard index < count else { throw missingField(index, name: name) }
      return try self[index, as: type]
    }
  }

  @usableFromInline
  func invalidField<Value>(_ index: Int, expected: Value.Type) -> StreamIOError {
    let bytes = field(index)
    let shown = String(decoding: bytes.prefix(40), as: UTF8.self)
    let (line, column, offset) = position(of: index)
    return StreamIOError(
      .invalidField,
      "\(columnName(index)): expected \(Value.self), found \"\(shown)\(bytes.count > 40 ? "…" : "")\"",
      path: segment.origin.path, line: line, column: column, byteOffset: offset)
  }

  @usableFromInline
  func missingField(_ index: Int, name: String?) -> StreamIOError {
    let column = name.map { "column \"\($0)\" (field \(index + 1))" } ?? columnName(index)
    return StreamIOError(
      .invalidField, "\(column) is missing: this record has \(count) field\(count == 1 ? "" : "s")",
      path: segment.origin.path, line: line, byteOffset: byteOffset)
  }

  func columnName(_ index: Int) -> String {
    if let header = segment.origin.header, index < header.count {
      return "column \"\(header[index])\" (field \(index + 1))"
    }
    return "field \(index + 1)"
  }

  /// Line, column and byte offset of field `index`'s first byte.
  func position(of index: Int) -> (line: Int, column: Int, byteOffset: Int) {
    let base = segment.base
    let fieldStart = segment.bounds[2 * (Int(firstField) + index)]
    var line = self.line
    var lineStart = start
    for i in start..<fieldStart where base.load(fromByteOffset: i, as: UInt8.self) == 0x0A {
      line += 1
      lineStart = i + 1
    }
    return (line, fieldStart - lineStart + 1, segment.discarded + fieldStart)
  }
}

extension CSVReader: StreamReader, Sequence, AsyncSequence, BlockingReadable {
  @inlinable
  public func makeIterator() -> StreamReaderIterator<CSVReader> { StreamReaderIterator(self) }

  @inlinable
  public func makeAsyncIterator() -> StreamReaderAsyncIterator<CSVReader> { StreamReaderAsyncIterator(self) }

  /// Reads from pipes, terminals and sockets are done off the cooperative
  /// thread pool (see ``LineReader``).
  public func nextAsync(isolation: isolated (any Actor)?) async throws(StreamIOError) -> CSVRecord? {
    try asyncRead.check(source.path)
    if !source.mayBlock || batchCursor < batchCount { return try next() }
    while true {
      if !checkedBOM {
        try await BlockingReads.run(self) { reader throws(StreamIOError) in try reader.skipByteOrderMark() }
      }
      if parseBatch() > 0 { return takeBatched() }
      switch try settle(parseRecord()) {
      case .record(let record): return record
      case .end: return nil
      case .needMore:
        try await BlockingReads.run(self) { reader throws(StreamIOError) in try reader.readMore() }
      case .again: continue
      }
    }
  }
}
