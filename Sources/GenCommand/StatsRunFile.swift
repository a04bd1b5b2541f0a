import StreamIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A temporary file for the groups that `stats` spills (``StatsSpill``):
/// made in TMPDIR and unlinked at once, so that it is gone when its
/// descriptor closes, whatever ends the process (success, an error,
/// Ctrl-C, a kill). Runs are appended to it and read back with `pread`,
/// several at once.
///
/// Python: `tempfile.TemporaryFile()`, which is unlinked the same way.
final class SpillFile {
  let descriptor: Int32
  let directory: String
  /// Bytes written so far: where the next run starts.
  private(set) var size = 0

  init(in directory: String) throws(GenFailure) {
    var template = Array((directory + "/gen-stats-spill-XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else {
      throw GenFailure(
        status: .cannotCreate,
        message: "cannot create a temporary file in \(directory) for stats' groups past --memory-limit: "
          + String(cString: strerror(errno)) + " (set TMPDIR, or raise --memory-limit)")
    }
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    descriptor = fd
    self.directory = directory
  }

  deinit { close(descriptor) }

  func append(_ bytes: UnsafeRawBufferPointer) throws(GenFailure) {
    var done = 0
    while done < bytes.count {
      let written = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(size + done))
      if written < 0 && errno == EINTR { continue }
      guard written > 0 else { throw failure("cannot write") }
      done += written
    }
    size += bytes.count
  }

  /// Reads up to `buffer.count` bytes at `offset`; 0 at the end.
  func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(GenFailure) -> Int {
    while true {
      let count = pread(descriptor, buffer.baseAddress, buffer.count, off_t(offset))
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw failure("cannot read") }
      return count
    }
  }

  func failure(_ what: String) -> GenFailure {
    GenFailure(
      status: .ioError,
      message: "\(what) a temporary file in \(directory) (stats' groups past --memory-limit): " + String(cString: strerror(errno)))
  }
}

/// A run's bytes, buffered and appended to its file: little-endian
/// integers, LEB128 counts, doubles as their bits (so they read back exactly).
struct SpillWriter {
  let file: SpillFile
  let start: Int
  private var buffer: [UInt8] = []

  init(file: SpillFile) {
    self.file = file
    start = file.size
    buffer.reserveCapacity(1 << 20)
  }

  mutating func byte(_ value: UInt8) { buffer.append(value) }

  mutating func count(_ value: Int) {
    precondition(value >= 0, "a count of \(value)")
    var rest = UInt64(value)
    while rest >= 0x80 {
      buffer.append(UInt8(truncatingIfNeeded: rest) | 0x80)
      rest >>= 7
    }
    buffer.append(UInt8(rest))
  }

  /// Any integer (zigzag, then as a count).
  mutating func integer(_ value: Int) { count(Int(bitPattern: UInt(bitPattern: value << 1) ^ UInt(bitPattern: value >> 63))) }

  mutating func uint64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) } }

  mutating func double(_ value: Double) { uint64(value.bitPattern) }

  mutating func int128(_ value: Int128) {
    uint64(UInt64(truncatingIfNeeded: value))
    uint64(UInt64(truncatingIfNeeded: value >> 64))
  }

  mutating func doubles(_ values: some Collection<Double>) {
    count(values.count)
    for value in values { double(value) }
  }

  mutating func text(_ value: String) {
    var value = value
    value.withUTF8 { bytes in
      count(bytes.count)
      buffer.append(contentsOf: bytes)
    }
  }

  mutating func bytes(_ values: [UInt8]) { buffer.append(contentsOf: values) }

  /// Writes out the buffer when it holds a MiB or more.
  mutating func flushIfFull() throws(GenFailure) {
    if buffer.count >= 1 << 20 { try flush() }
  }

  mutating func flush() throws(GenFailure) {
    let file = self.file
    var failure: GenFailure?
    buffer.withUnsafeBytes { bytes in
      do throws(GenFailure) { try file.append(bytes) } catch { failure = error }
    }
    if let failure { throw failure }
    buffer.removeAll(keepingCapacity: true)
  }

  /// Writes out the rest: the bytes written since `start`.
  mutating func finish() throws(GenFailure) -> Range<Int> {
    try flush()
    return start..<file.size
  }
}

/// Reads back what ``SpillWriter`` wrote to one range of a file, through a
/// 64 KiB buffer.
struct SpillReader {
  let file: SpillFile
  private var offset: Int
  private let end: Int
  private var buffer = [UInt8](repeating: 0, count: 64 << 10)
  private var position = 0
  private var filled = 0

  init(file: SpillFile, range: Range<Int>) {
    self.file = file
    offset = range.lowerBound
    end = range.upperBound
  }

  private mutating func refill() throws(GenFailure) {
    let wanted = Swift.min(buffer.count, end - offset)
    guard wanted > 0 else { throw GenFailure(status: .ioError, message: "a temporary file of stats' groups ended early") }
    let file = self.file, at = offset
    var result: Result<Int, GenFailure> = .success(0)
    buffer.withUnsafeMutableBytes { bytes in
      result = Result { () throws(GenFailure) in try file.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[..<wanted]), at: at) }
    }
    let count = try result.get()
    guard count > 0 else { throw GenFailure(status: .ioError, message: "a temporary file of stats' groups ended early") }
    offset += count
    position = 0
    filled = count
  }

  mutating func byte() throws(GenFailure) -> UInt8 {
    if position == filled { try refill() }
    position += 1
    return buffer[position - 1]
  }

  mutating func count() throws(GenFailure) -> Int {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      let byte = try byte()
      guard shift < 64 else { throw GenFailure(status: .ioError, message: "a temporary file of stats' groups is damaged") }
      value |= UInt64(byte & 0x7F) << shift
      if byte < 0x80 { return Int(bitPattern: UInt(value)) }
      shift += 7
    }
  }

  mutating func integer() throws(GenFailure) -> Int {
    let zigzag = UInt(bitPattern: try count())
    return Int(bitPattern: zigzag >> 1) ^ -Int(bitPattern: zigzag & 1)
  }

  mutating func uint64() throws(GenFailure) -> UInt64 {
    if filled - position >= 8 {
      let at = position
      position += 8
      return UInt64(littleEndian: buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt64.self) })
    }
    var value: UInt64 = 0
    for index in 0..<8 { value |= UInt64(try byte()) << (8 * UInt64(index)) }
    return value
  }

  mutating func double() throws(GenFailure) -> Double { Double(bitPattern: try uint64()) }

  mutating func int128() throws(GenFailure) -> Int128 {
    let low = try uint64()
    let high = try uint64()
    return Int128(Int64(bitPattern: high)) << 64 | Int128(low)
  }

  mutating func doubles() throws(GenFailure) -> [Double] {
    let count = try count()
    var values: [Double] = []
    values.reserveCapacity(count)
    for _ in 0..<count { values.append(try double()) }
    return values
  }

  mutating func bytes(_ count: Int) throws(GenFailure) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(count)
    while out.count < count {
      if position == filled { try refill() }
      let take = Swift.min(count - out.count, filled - position)
      out.append(contentsOf: buffer[position..<position + take])
      position += take
    }
    return out
  }

  mutating func text() throws(GenFailure) -> String {
    let count = try count()
    if filled - position >= count {
      let at = position
      position += count
      return buffer.withUnsafeBytes { String(decoding: $0[at..<at + count], as: UTF8.self) }
    }
    return String(decoding: try bytes(count), as: UTF8.self)
  }
}

/// One group of a run: its key, what it sorts by, and its non-empty summaries, by the run's column index.
struct SpilledGroup {
  var key: String
  var sortKey: ExactText
  var summaries: [(column: Int, summary: ColumnSummary)]

  init(key: String, summaries: [(column: Int, summary: ColumnSummary)]) {
    self.key = key
    sortKey = ExactText(key)
    self.summaries = summaries
  }
}

/// The layout of a run of groups sorted by key (see ``StatsSpill``): its
/// column names, then per group a 1, the key, the number of summaries and
/// each summary with its column's index; a 0 ends it.
enum StatsRunFile {
  static func writeColumns(_ names: [String], to out: inout SpillWriter) {
    out.count(names.count)
    for name in names { out.text(name) }
  }

  static func write(_ key: String, _ summaries: [(column: Int, summary: ColumnSummary)], to out: inout SpillWriter) throws(GenFailure) {
    out.byte(1)
    out.text(key)
    out.count(summaries.count)
    for (column, summary) in summaries {
      out.count(column)
      summary.write(to: &out)
    }
    try out.flushIfFull()
  }

  static func writeEnd(to out: inout SpillWriter) { out.byte(0) }

  static func readColumns(_ input: inout SpillReader) throws(GenFailure) -> [String] {
    let count = try input.count()
    var names: [String] = []
    for _ in 0..<count { names.append(try input.text()) }
    return names
  }

  /// The next group, or nil at the end of the run.
  static func readGroup(_ input: inout SpillReader) throws(GenFailure) -> SpilledGroup? {
    guard try input.byte() == 1 else { return nil }
    let key = try input.text()
    let count = try input.count()
    var summaries: [(column: Int, summary: ColumnSummary)] = []
    summaries.reserveCapacity(count)
    for _ in 0..<count {
      let column = try input.count()
      summaries.append((column, try ColumnSummary(from: &input)))
    }
    return SpilledGroup(key: key, summaries: summaries)
  }
}

extension ColumnSummary {
  /// Everything a summary holds, exactly: its counts, the doubles' bits, the
  /// exact sums' state and the sketches (sparse registers for a
  /// ``DistinctSketch`` that has few).
  func write(to out: inout SpillWriter) {
    out.count(count)
    out.count(nonNumeric)
    out.double(minimum)
    out.double(maximum)
    sum.write(to: &out)
    let hasDecimal = decimal != DecimalSum()
    out.byte((hasDecimal ? 1 : 0) | (quantiles == nil ? 0 : 2) | (distinct == nil ? 0 : 4) | (hasOtherNumbers ? 8 : 0) | (hasNaN ? 16 : 0))
    if hasDecimal {
      out.int128(decimal.mantissa)
      out.uint64(UInt64(bitPattern: decimal.carries))
      out.count(decimal.scale)
    }
    if let quantiles {
      out.count(quantiles.zeros)
      out.count(quantiles.positiveInfinities)
      out.count(quantiles.negativeInfinities)
      for store in [quantiles.positive, quantiles.negative] {
        out.count(store.count)
        for (index, count) in store {
          out.integer(index)
          out.count(count)
        }
      }
    }
    if let distinct {
      distinct.registers.withUnsafeBufferPointer { registers in
        var used = 0
        for index in 0..<registers.count where registers[index] != 0 { used += 1 }
        if used * 3 < registers.count {
          out.byte(0)
          out.count(used)
          for index in 0..<registers.count where registers[index] != 0 {
            out.count(index)
            out.byte(registers[index])
          }
        } else {
          out.byte(1)
          out.bytes(Array(registers))
        }
      }
    }
  }

  /// Reads back what ``write(to:)`` wrote.
  init(from input: inout SpillReader) throws(GenFailure) {
    self.init()
    count = try input.count()
    nonNumeric = try input.count()
    minimum = try input.double()
    maximum = try input.double()
    sum = try ExactSum(from: &input)
    let flags = try input.byte()
    decimal = DecimalSum()
    hasOtherNumbers = flags & 8 != 0
    hasNaN = flags & 16 != 0
    if flags & 1 != 0 {
      let mantissa = try input.int128(), carries = Int64(bitPattern: try input.uint64())
      decimal = DecimalSum(mantissa: mantissa, carries: carries, scale: try input.count())
    }
    var quantileSketch: QuantileSketch?
    if flags & 2 != 0 {
      let zeros = try input.count()
      let positiveInfinities = try input.count()
      let negativeInfinities = try input.count()
      var stores: [[Int: Int]] = []
      for _ in 0..<2 {
        var store: [Int: Int] = [:]
        let buckets = try input.count()
        store.reserveCapacity(buckets)
        for _ in 0..<buckets {
          let index = try input.integer()
          store[index] = try input.count()
        }
        stores.append(store)
      }
      quantileSketch = QuantileSketch(
        zeros: zeros, positive: stores[0], negative: stores[1], positiveInfinities: positiveInfinities,
        negativeInfinities: negativeInfinities)
    }
    var distinctSketch: DistinctSketch?
    if flags & 4 != 0 {
      if try input.byte() == 0 {
        var registers = [UInt8](repeating: 0, count: DistinctSketch.registerCount)
        for _ in 0..<(try input.count()) {
          let index = try input.count()
          guard index < registers.count else { throw GenFailure(status: .ioError, message: "a temporary file of stats' groups is damaged") }
          registers[index] = try input.byte()
        }
        distinctSketch = DistinctSketch(registers: registers)
      } else {
        distinctSketch = DistinctSketch(registers: try input.bytes(DistinctSketch.registerCount))
      }
    }
    setSketches(quantiles: quantileSketch, distinct: distinctSketch)
  }
}
