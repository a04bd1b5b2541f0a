import StreamIO

/// Where the byte-level writers (a CSV row or a JSON Lines record as a JSON
/// object) write: the output itself, or a buffer held until it is complete.
protocol ByteOutput {
  func write(_ bytes: UnsafeRawBufferPointer) throws(StreamIOError)
  func write(_ text: String) throws(StreamIOError)
  func write(byte: UInt8) throws(StreamIOError)
}

extension OutputSink: ByteOutput {}

/// Bytes held in memory until they are complete (`gen batch`: a batch is
/// written whole or, if the input fails before it ends, not at all).
final class HeldBytes: ByteOutput {
  private(set) var bytes: [UInt8] = []

  var isEmpty: Bool { bytes.isEmpty }

  func write(_ bytes: UnsafeRawBufferPointer) { self.bytes.append(contentsOf: bytes) }

  func write(_ text: String) { bytes.append(contentsOf: text.utf8) }

  func write(byte: UInt8) { bytes.append(byte) }

  /// Writes the bytes to `sink` and forgets them (keeping the capacity).
  func move(to sink: OutputSink) throws(StreamIOError) {
    // (withUnsafeBytes rethrows untyped errors: the typed one is carried out by hand.)
    let failure: StreamIOError? = bytes.withUnsafeBytes { held in
      do throws(StreamIOError) {
        try sink.write(held)
        return nil
      } catch { return error }
    }
    if let failure { throw failure }
    bytes.removeAll(keepingCapacity: true)
  }
}
