import Foundation

/// Writes `Encodable` values as JSON Lines. Python: `f.write(json.dumps(v) + "\n")`.
///
/// By default keys are sorted and `/` is not escaped (``defaultEncoder()``),
/// so equal values give equal lines, line after line and run after run
/// (Foundation's plain `JSONEncoder` writes keys in no fixed order).
public final class JSONLinesWriter<Value: Encodable> {
  public let sink: OutputSink
  public let encoder: JSONEncoder

  /// A `JSONEncoder` with sorted keys and unescaped slashes: stable lines.
  /// Python: `json.dumps(v, sort_keys=True, separators=(",", ":"))`.
  public static func defaultEncoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }

  public init(sink: OutputSink, encoder: JSONEncoder = defaultEncoder()) {
    precondition(!encoder.outputFormatting.contains(.prettyPrinted), "JSON Lines needs one value per line: no .prettyPrinted")
    self.sink = sink
    self.encoder = encoder
  }

  /// Writes to `path` atomically (see ``OutputSink``): nothing appears there
  /// until ``close()``. ``write(to:encoder:_:)`` closes for you.
  public convenience init(path: String, encoder: JSONEncoder = defaultEncoder()) throws(StreamIOError) {
    self.init(sink: try OutputSink(path: path), encoder: encoder)
  }

  public func write(_ value: Value) throws(StreamIOError) {
    let data: Data
    do {
      data = try encoder.encode(value)
    } catch {
      throw StreamIOError(.invalidJSON, "cannot encode a \(Value.self): \(error)", path: sink.path)
    }
    let failure: StreamIOError? = data.withUnsafeBytes { bytes in
      do throws(StreamIOError) {
        try sink.write(bytes)
        return nil
      } catch { return error }
    }
    if let failure { throw failure }
    try sink.write(byte: 0x0A)
  }

  /// Ends the output: flushes and moves the file into place (see
  /// ``OutputSink/close()``). Python: `f.close()`.
  public func close() throws(StreamIOError) { try sink.close() }

  /// The former name of ``close()``.
  @available(*, deprecated, renamed: "close()")
  public func finish() throws(StreamIOError) { try sink.close() }
}
