import Foundation

/// Reads JSON Lines (one JSON value per line) as `Decodable` values, one at a
/// time. Blank lines are skipped. Python: `(json.loads(line) for line in f)`.
///
/// ```swift
/// struct Event: Decodable { var user: String; var ms: Int }
/// for try await event in try JSONLinesReader<Event>(path: "events.jsonl") { ... }
/// ```
///
/// A line that is not valid JSON, or does not decode to `Value`, is a
/// ``StreamIOError`` (``StreamIOError/Code/invalidJSON``) naming the file and
/// line and saying what the decoder expected.
public final class JSONLinesReader<Value: Decodable> {
  public let lines: LineReader
  public let decoder: JSONDecoder

  public init(lines: LineReader, decoder: JSONDecoder = JSONDecoder()) {
    self.lines = lines
    self.decoder = decoder
  }

  public convenience init(
    path: String, decoder: JSONDecoder = JSONDecoder(), maxLineLength: Int = LineReader.defaultMaxLineLength
  ) throws(StreamIOError) {
    self.init(lines: try LineReader(path: path, maxLineLength: maxLineLength), decoder: decoder)
  }

  /// The next value, or nil at the end of input.
  public func next() throws(StreamIOError) -> Value? {
    while let line = try lines.next() {
      if let value = try decode(line) { return value }
    }
    return nil
  }

  /// The value on `line`, or nil for a blank line.
  func decode(_ line: Line) throws(StreamIOError) -> Value? {
    if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
    do {
      return try decoder.decode(Value.self, from: Data(line.bytes))
    } catch {
      throw StreamIOError(
        .invalidJSON, "not a JSON \(Value.self): \(Self.describe(error))", path: lines.source.path,
        line: line.number, byteOffset: line.byteOffset)
    }
  }

  static func describe(_ error: any Error) -> String {
    guard let error = error as? DecodingError else { return "\(error)" }
    switch error {
    case .dataCorrupted(let context): return context.debugDescription
    case .keyNotFound(let key, _): return "missing key \"\(key.stringValue)\""
    case .typeMismatch(let type, let context):
      return "expected \(type) at \(path(context.codingPath)): \(context.debugDescription)"
    case .valueNotFound(let type, let context): return "expected \(type) at \(path(context.codingPath)), found null"
    @unknown default: return "\(error)"
    }
  }

  static func path(_ keys: [any CodingKey]) -> String {
    keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
  }
}

extension JSONLinesReader: StreamReader, Sequence, AsyncSequence {
  public func makeIterator() -> StreamReaderIterator<JSONLinesReader> { StreamReaderIterator(self) }

  public func makeAsyncIterator() -> StreamReaderAsyncIterator<JSONLinesReader> { StreamReaderAsyncIterator(self) }

  public func nextAsync(isolation: isolated (any Actor)?) async throws(StreamIOError) -> Value? {
    while let line = try await lines.nextAsync(isolation: isolation) {
      if let value = try decode(line) { return value }
    }
    return nil
  }
}
