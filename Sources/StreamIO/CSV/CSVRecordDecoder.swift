// `Decodable` rows: a struct's property names are matched with the header,
// each field converted as `record[name, as:]` does. Python: `csv.DictReader`
// plus the conversions you would write by hand (or a dataclass).

extension CSVRecord {
  /// The record as a `Decodable` value, its keys looked up in the header.
  /// An empty field decodes as `nil` for an optional property.
  ///
  /// ```swift
  /// struct Sale: Decodable { var name: String; var country: String; var qty: Int; var price: Double }
  /// while let sale = try reader.next(as: Sale.self) { ... }
  /// ```
  ///
  /// - Throws: ``StreamIOError`` naming the line, column and byte of the first
  ///   field that does not convert, or the missing column.
  public func decode<Value: Decodable>(_ type: Value.Type) throws(StreamIOError) -> Value {
    do {
      return try Value(from: CSVRecordDecoder(record: self))
    } catch let error as StreamIOError {
      throw error
    } catch {
      throw StreamIOError(
        .invalidField, "cannot decode a \(Value.self): \(error)",
        path: segment.origin.path, line: line, byteOffset: byteOffset)
    }
  }
}

extension CSVReader {
  /// The next record decoded as `type`, or nil at the end of input.
  /// Records with no fields (blank lines) are skipped, as `csv.DictReader` skips them.
  public func next<Value: Decodable>(as type: Value.Type) throws(StreamIOError) -> Value? {
    while let record = try next() {
      if record.count > 0 { return try record.decode(type) }
    }
    return nil
  }
}

struct CSVRecordDecoder: Decoder {
  let record: CSVRecord
  var codingPath: [any CodingKey] = []
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    KeyedDecodingContainer(KeyedContainer<Key>(record: record))
  }

  func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
    UnkeyedContainer(record: record)
  }

  func singleValueContainer() throws -> any SingleValueDecodingContainer {
    throw DecodingError.typeMismatch(
      CSVRecord.self, .init(codingPath: codingPath, debugDescription: "a CSV record decodes as a struct or an array"))
  }
}

/// Converts field `index` of `record` to `type` for the decoders below:
/// directly for ``CSVFieldDecodable`` and `LosslessStringConvertible` types,
/// and through a single-value decoder for the rest (a `String`-backed enum,
/// a wrapper struct).
private func decodeField<T: Decodable>(_ type: T.Type, _ record: CSVRecord, _ index: Int) throws -> T {
  if let convertible = type as? any CSVFieldDecodable.Type {
    return try convert(convertible, record, index) as! T
  }
  if let text = type as? any LosslessStringConvertible.Type {
    let string = try record.string(index)
    guard let value = text.init(string) else { throw record.invalidField(index, expected: type) }
    return value as! T
  }
  return try T(from: FieldDecoder(record: record, index: index))
}

/// One field, as a decoder with a single value.
private struct FieldDecoder: Decoder, SingleValueDecodingContainer {
  let record: CSVRecord
  let index: Int
  var codingPath: [any CodingKey] { [] }
  var userInfo: [CodingUserInfoKey: Any] { [:] }

  func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
    throw DecodingError.typeMismatch(type, .init(codingPath: [], debugDescription: "a CSV field is a single value"))
  }

  func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
    throw DecodingError.typeMismatch([Any].self, .init(codingPath: [], debugDescription: "a CSV field is a single value"))
  }

  func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

  func decodeNil() -> Bool { record.field(index).isEmpty }

  func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeField(type, record, index) }
}

private func convert<T: CSVFieldDecodable>(_ type: T.Type, _ record: CSVRecord, _ index: Int) throws -> T {
  try record[index, as: type]
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
  let record: CSVRecord
  var codingPath: [any CodingKey] { [] }
  var allKeys: [Key] {
    (record.header ?? []).compactMap { Key(stringValue: $0) }
  }

  func index(_ key: Key) throws -> Int {
    let index = try record.segment.origin.column(key.stringValue)
    guard index < record.count else { throw record.missingField(index, name: key.stringValue) }
    return index
  }

  func contains(_ key: Key) -> Bool {
    (try? record.segment.origin.column(key.stringValue)).map { $0 < record.count } ?? false
  }

  func decodeNil(forKey key: Key) throws -> Bool {
    guard contains(key) else { return true }
    return record.field(try index(key)).isEmpty
  }

  func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
    try decodeField(type, record, index(key))
  }

  func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
    -> KeyedDecodingContainer<NestedKey>
  {
    throw DecodingError.typeMismatch(type, .init(codingPath: [key], debugDescription: "CSV fields do not nest"))
  }

  func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
    throw DecodingError.typeMismatch([Any].self, .init(codingPath: [key], debugDescription: "CSV fields do not nest"))
  }

  func superDecoder() throws -> any Decoder { CSVRecordDecoder(record: record) }
  func superDecoder(forKey key: Key) throws -> any Decoder { CSVRecordDecoder(record: record) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
  let record: CSVRecord
  var codingPath: [any CodingKey] { [] }
  var count: Int? { record.count }
  var currentIndex = 0
  var isAtEnd: Bool { currentIndex >= record.count }

  init(record: CSVRecord) { self.record = record }

  mutating func decodeNil() throws -> Bool {
    guard !isAtEnd, record.field(currentIndex).isEmpty else { return false }
    currentIndex += 1
    return true
  }

  mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
    guard !isAtEnd else {
      throw DecodingError.valueNotFound(type, .init(codingPath: [], debugDescription: "the record has only \(record.count) fields"))
    }
    defer { currentIndex += 1 }
    return try decodeField(type, record, currentIndex)
  }

  mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
    -> KeyedDecodingContainer<NestedKey>
  {
    throw DecodingError.typeMismatch(type, .init(codingPath: [], debugDescription: "CSV fields do not nest"))
  }

  mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
    throw DecodingError.typeMismatch([Any].self, .init(codingPath: [], debugDescription: "CSV fields do not nest"))
  }

  mutating func superDecoder() throws -> any Decoder { CSVRecordDecoder(record: record) }
}
