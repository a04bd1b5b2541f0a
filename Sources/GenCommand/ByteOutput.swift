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
///
/// Its own buffer, not an `[UInt8]`: an array in a class property was
/// checked for exclusive access at every append, which took half of `batch`'s
/// time; these properties are used by one thread, one call at a time.
final class HeldBytes: ByteOutput {
  @exclusivity(unchecked) private var storage: UnsafeMutableRawPointer
  @exclusivity(unchecked) private var capacity: Int
  @exclusivity(unchecked) private(set) var count = 0

  init(capacity: Int = 1 << 16) {
    self.capacity = capacity
    storage = .allocate(byteCount: capacity, alignment: 16)
  }

  deinit { storage.deallocate() }

  var isEmpty: Bool { count == 0 }

  /// The bytes held.
  var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: count) }

  /// Room for `more` bytes after those held.
  @inline(__always)
  private func reserve(_ more: Int) {
    guard count &+ more > capacity else { return }
    var grown = Swift.max(capacity &* 2, 64)
    while grown < count &+ more { grown &*= 2 }
    let moved = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
    moved.copyMemory(from: storage, byteCount: count)
    storage.deallocate()
    storage = moved
    capacity = grown
  }

  func write(_ bytes: UnsafeRawBufferPointer) {
    guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
    reserve(bytes.count)
    (storage + count).copyMemory(from: source, byteCount: bytes.count)
    count &+= bytes.count
  }

  func write(_ text: String) {
    var text = text
    text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
  }

  func write(byte: UInt8) {
    reserve(1)
    storage.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
    count &+= 1
  }

  /// Lets `body` write up to `capacity` bytes after those held and return
  /// how many it wrote (as ``OutputSink/writeInPlace(upTo:_:)``; always room here).
  @inline(__always)
  func writeInPlace(upTo capacity: Int, _ body: (UnsafeMutableRawPointer) -> Int) {
    reserve(capacity)
    count &+= body(storage + count)
  }

  /// Writes the bytes to `sink` and forgets them (keeping the capacity).
  func move(to sink: OutputSink) throws(StreamIOError) {
    try sink.write(bytes)
    count = 0
  }
}
