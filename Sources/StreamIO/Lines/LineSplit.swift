#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where to split a file of lines (plain lines, JSON Lines) into byte ranges
/// that can be read in parallel, each from a line's start.
///
/// Unlike CSV (see ``CSVSplit``), nothing needs guessing: every line break
/// ends a line, and in JSON Lines every line break ends a record, since a
/// JSON string cannot hold a raw line break. A range is read by seeking to
/// its start (`ByteSource(descriptor:…)`) and stopping at the first line that
/// starts at or after the next range's start (``Line/byteOffset``).
///
/// Python: what `dask.bag.read_text(path, blocksize=…)` does.
public enum LineSplit {
  /// Up to `count` range starts, increasing: `firstLine` first, then the
  /// start of the line after each of `count - 1` evenly spaced offsets;
  /// fewer when the file is small or its lines are long.
  ///
  /// - Parameters:
  ///   - path: A regular file (not gzip: a compressed stream has no offsets to seek to).
  ///   - firstLine: Where the first range starts (a line's start).
  public static func starts(path: String, count: Int, firstLine: Int = 0) throws(StreamIOError) -> [Int] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw StreamIOError(.io, "cannot open for reading", path: path, errno: .init(rawValue: errno)) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw StreamIOError(.io, "cannot read its size", path: path, errno: .init(rawValue: errno)) }
    let size = Int(info.st_size)
    var starts = [firstLine]
    guard count > 1, size > firstLine else { return starts }
    let window = 4 * 1024  // (most lines end within it; a longer one takes more reads)
    var bytes = [UInt8](repeating: 0, count: window)
    for index in 1..<count {
      // From the byte before the offset: if that is a line break, the offset is a line's start.
      // (Never before the last start: the line found then starts after it.)
      var offset = max(firstLine + (size - firstLine) * index / count - 1, starts.last!)
      var start: Int?
      while start == nil && offset < size {
        let read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, window, off_t(offset)) }
        guard read > 0 else { break }
        if let newline = bytes[..<read].firstIndex(of: 0x0A) { start = offset + newline + 1 }
        offset += read
      }
      guard let start, start > starts.last!, start < size else { continue }
      starts.append(start)
    }
    return starts
  }
}
