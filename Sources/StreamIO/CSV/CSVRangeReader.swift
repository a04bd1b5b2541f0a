import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the CSV records that start in one byte range of a file: one worker's
/// share when a file is read in parallel, on threads or machines, at the
/// starts ``CSVSplit`` finds. Python: a Hadoop input split, or one block of
/// `dask.dataframe.read_csv(blocksize=…)` — but verifiable.
///
/// ```swift
/// let starts = try CSVSplit.starts(path: "sales.csv", count: 2, firstRecord: 0, columns: 4)
/// var rows = 0
/// var verified = true
/// for (index, start) in starts.enumerated() {
///   let end = index + 1 < starts.count ? starts[index + 1] : Int.max
///   let part = try CSVRangeReader(path: "sales.csv", range: start..<end)
///   while try part.next() != nil { rows += 1 }
///   verified = verified && part.endedAtBoundary
/// }
/// print(rows, verified)   // → 200 true
/// ```
///
/// The range's start must be a record's start (or 0: then the header, if
/// the dialect has one, is read and not returned). The last record read is
/// the last one that *starts* before the range's end, however far it goes
/// past it. ``endedAtBoundary`` then says whether the next record starts
/// exactly at the end, as the next range assumed: if not, that range began
/// inside a record (inside a quoted field) and must be read again from
/// ``nextRecordStart``.
public final class CSVRangeReader {
  public let reader: CSVReader
  public let range: Range<Int>
  /// After ``next()`` returned nil: whether the records ended exactly at the
  /// range's end (the end of the file counts when the range reaches it).
  public private(set) var endedAtBoundary = false
  /// After ``next()`` returned nil: the file offset where the next record
  /// starts (the true start of the next range), or nil at the end of the file.
  public private(set) var nextRecordStart: Int?
  private var done = false

  /// Opens `path` at `range.lowerBound`. Bad input is reported as by
  /// ``CSVReader``, with byte offsets from the range's start.
  public init(
    path: String, range: Range<Int>, dialect: CSVDialect = .standard, maxRecordSize: Int = CSVReader.defaultMaxRecordSize
  ) throws(StreamIOError) {
    precondition(range.lowerBound >= 0, "a range starts at offset 0 or later")
    let descriptor: FileDescriptor
    do {
      descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
      _ = try descriptor.seek(offset: Int64(range.lowerBound), from: .start)
    } catch {
      throw StreamIOError(.io, "cannot open for reading: \(error)", path: path, errno: error as? Errno)
    }
    var dialect = dialect
    if range.lowerBound > 0 { dialect.hasHeader = false }  // only the first range has the header line
    reader = try CSVReader(
      source: ByteSource(descriptor: descriptor, name: path, closeWhenDone: true, compression: .none),
      dialect: dialect, maxRecordSize: maxRecordSize)
    if range.lowerBound > 0 { reader.startsInsideFile() }
    self.range = range
  }

  /// The file offset where `record` starts.
  public func fileOffset(of record: CSVRecord) -> Int { range.lowerBound &+ record.byteOffset }

  /// The next record that starts in the range, or nil.
  public func next() throws(StreamIOError) -> CSVRecord? {
    guard !done else { return nil }
    guard let record = try reader.next() else {
      done = true
      nextRecordStart = nil
      endedAtBoundary = range.upperBound == Int.max || Self.fileSize(reader.source) == range.upperBound
      reader.close()
      return nil
    }
    let start = fileOffset(of: record)
    guard start < range.upperBound else {
      done = true
      nextRecordStart = start
      endedAtBoundary = start == range.upperBound
      reader.close()
      return nil
    }
    return record
  }

  private static func fileSize(_ source: ByteSource) -> Int? {
    var info = stat()
    guard stat(source.path, &info) == 0 else { return nil }
    return Int(info.st_size)
  }
}
