import StreamIO

/// A record a sink can load: fields by position, as bytes. A missing field
/// (a short row) and an empty one are NULL.
///
/// `CSVRecord` is one (its fields straight from the reader's buffer, no
/// `String` made); so are `[String]` and `[String?]`, for records built in code.
/// Python: a row of the `csv.reader` or the tuples given to `executemany`.
public protocol LoadableRecord {
  /// How many fields the record has.
  var fieldCount: Int { get }
  /// Calls `body` with field `index`'s bytes (nil for NULL); `index` is below ``fieldCount``.
  func withField<Result>(_ index: Int, _ body: (UnsafeRawBufferPointer?) throws -> Result) rethrows -> Result
  /// The line of the input it came from, for error messages, if known.
  var sourceLine: Int? { get }
  /// Whether the bytes ``withField(_:_:)`` lends stay valid for as long as
  /// the record is alive (so a sink may bind them without copying). False
  /// unless a type says otherwise.
  static var fieldBytesLiveWithRecord: Bool { get }
}

extension LoadableRecord {
  public static var fieldBytesLiveWithRecord: Bool { false }
}

extension CSVRecord: LoadableRecord {
  @inlinable
  public var fieldCount: Int { count }

  @inlinable
  public func withField<Result>(_ index: Int, _ body: (UnsafeRawBufferPointer?) throws -> Result) rethrows -> Result {
    try withExtendedLifetime(self) { try body(field(index)) }
  }

  @inlinable
  public var sourceLine: Int? { line }

  /// A record's fields lie in the block of input it keeps alive.
  public static var fieldBytesLiveWithRecord: Bool { true }
}

extension Array: LoadableRecord where Element == String? {
  public var fieldCount: Int { count }

  public func withField<Result>(_ index: Int, _ body: (UnsafeRawBufferPointer?) throws -> Result) rethrows -> Result {
    guard var text = self[index] else { return try body(nil) }
    return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
  }

  public var sourceLine: Int? { nil }
}

/// `[String]` rows, for records built in code.
public struct TextRecord: LoadableRecord, Sendable {
  public var fields: [String?]
  public var sourceLine: Int?

  public init(_ fields: [String?], line: Int? = nil) {
    self.fields = fields
    self.sourceLine = line
  }

  public var fieldCount: Int { fields.count }

  public func withField<Result>(_ index: Int, _ body: (UnsafeRawBufferPointer?) throws -> Result) rethrows -> Result {
    try fields.withField(index, body)
  }
}
