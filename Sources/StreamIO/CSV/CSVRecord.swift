/// One CSV record: a view into the reader's buffer, valid until the reader's
/// next `next()`. Python: the list `csv.reader` yields, or the dict of `DictReader`.
///
/// Fields are byte views; ask for a `String` or a number when you need one:
///
/// ```swift
/// let name = try row.string(0)                 // by index
/// let qty = try row["qty", as: Int.self]       // by header name, typed
/// if row.field(1).elementsEqual("US".utf8) {}  // no String made at all
/// ```
public struct CSVRecord {
  /// The whole record is the reader's current state: one word, so passing a
  /// record through a chain of generators copies 8 bytes, not 40.
  @usableFromInline
  let reader: Unmanaged<CSVReader>

  @inlinable
  init(reader: Unmanaged<CSVReader>) {
    self.reader = reader
  }

  /// How many fields the record has (rows may differ in length).
  @inlinable
  public var count: Int { reader._withUnsafeGuaranteedRef { $0.fieldCount } }
  /// 1-based record number, not counting the header.
  @inlinable
  public var number: Int { reader._withUnsafeGuaranteedRef { $0.recordNumber } }
  /// The line the record starts on (1-based; a record may span lines).
  @inlinable
  public var line: Int { reader._withUnsafeGuaranteedRef { $0.recordLine } }
  /// 0-based offset in the input of the record's first byte.
  @inlinable
  public var byteOffset: Int { reader._withUnsafeGuaranteedRef { $0.recordOffset } }

  /// The bytes of field `index`, quotes removed and doubled quotes undone.
  @inlinable @inline(__always)
  public func field(_ index: Int) -> UnsafeRawBufferPointer {
    precondition(index >= 0 && index < count, "field index \(index) out of range for a record of \(count) fields")
    return reader._withUnsafeGuaranteedRef { reader in
      let start = reader.fields[2 &* index], end = reader.fields[2 &* index &+ 1]
      return UnsafeRawBufferPointer(start: reader.buffer.base + start, count: end &- start)
    }
  }

  /// Whether field `index` is exactly `text`, compared as bytes: no `String` is made.
  /// Python: `row[index] == text`.
  @inlinable
  public func field(_ index: Int, equals text: StaticString) -> Bool {
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
  ///   naming the line, column, byte and what was expected.
  @inlinable
  public subscript<Value: CSVFieldDecodable>(index: Int, as type: Value.Type) -> Value {
    @inline(__always) get throws(StreamIOError) {
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
      let index = try reader.takeUnretainedValue().column(name)
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
      path: reader._withUnsafeGuaranteedRef { $0.source.path }, line: line, column: column, byteOffset: offset)
  }

  @usableFromInline
  func missingField(_ index: Int, name: String) -> StreamIOError {
    StreamIOError(
      .invalidField, "column \"\(name)\" (field \(index + 1)) is missing: this record has \(count) fields",
      path: reader._withUnsafeGuaranteedRef { $0.source.path }, line: line, byteOffset: byteOffset)
  }

  func columnName(_ index: Int) -> String {
    if let header = reader._withUnsafeGuaranteedRef({ $0.header }), index < header.count {
      return "column \"\(header[index])\" (field \(index + 1))"
    }
    return "field \(index + 1)"
  }

  /// Line, column and byte offset of field `index`'s first byte.
  func position(of index: Int) -> (line: Int, column: Int, byteOffset: Int) {
    let line = self.line, byteOffset = self.byteOffset
    return reader._withUnsafeGuaranteedRef { reader in
      let recordStart = byteOffset - reader.buffer.discarded
      let fieldStart = reader.fields[2 * index]
      var line = line
      var lineStart = recordStart
      let base = reader.buffer.base
      for i in recordStart..<fieldStart where base.load(fromByteOffset: i, as: UInt8.self) == 0x0A {
        line += 1
        lineStart = i + 1
      }
      return (line, fieldStart - lineStart + 1, reader.buffer.discarded + fieldStart)
    }
  }
}

extension CSVReader: StreamReader, Sequence, AsyncSequence {
  @inlinable
  public func makeIterator() -> StreamReaderIterator<CSVReader> { StreamReaderIterator(self) }

  @inlinable
  public func makeAsyncIterator() -> StreamReaderAsyncIterator<CSVReader> { StreamReaderAsyncIterator(self) }

  /// Reads from pipes, terminals and sockets are done off the cooperative
  /// thread pool (see ``LineReader``).
  public func nextAsync(isolation: isolated (any Actor)?) async throws(StreamIOError) -> CSVRecord? {
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
