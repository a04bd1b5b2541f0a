import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where to split a CSV file into byte ranges that can be read in parallel,
/// each from a record's start.
///
/// A byte offset taken at random may fall inside a quoted field, where a
/// line break is not a record's end. So the split is *speculative*, as
/// DuckDB's and polars' parallel readers do it: near each offset, both
/// readings are tried (the offset outside quotes, and inside) and the one
/// whose next records parse cleanly (with the header's field count, when it
/// is known) is taken. A speculation is then *verified* by whoever reads the
/// range before it: the records of that range must end exactly at the split
/// (see ``CSVRecord/byteOffset``). When one does not, the split was wrong and
/// the ranges after it must be read again from the true record start; `gen`
/// then reads the whole file on one thread.
///
/// Python: what `dask.dataframe.read_csv(blocksize=…)` does, but verified
/// (dask assumes no quoted line breaks cross a block boundary).
public enum CSVSplit {
  /// Up to `count` range starts: `0` (or just after the header) first, then
  /// a probable record start near each of `count - 1` evenly spaced offsets,
  /// increasing; fewer when the file is small or records are long.
  ///
  /// - Parameters:
  ///   - path: A regular file (not gzip: a compressed stream has no offsets to seek to).
  ///   - firstRecord: Where the first range starts (after the header line).
  ///   - columns: The header's field count, to tell a good reading from a wrong one.
  ///   - threads: How many threads look for the starts (each reads its share
  ///     of the offsets); the starts are the same with any number.
  public static func starts(
    path: String, count: Int, firstRecord: Int, dialect: CSVDialect = .standard, columns: Int? = nil, threads: Int = 1
  ) throws(StreamIOError) -> [Int] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw StreamIOError(.io, "cannot open for reading", path: path, errno: .init(rawValue: errno)) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw StreamIOError(.io, "cannot read its size", path: path, errno: .init(rawValue: errno)) }
    let size = Int(info.st_size)
    var starts = [firstRecord]
    guard count > 1, size > firstRecord else { return starts }
    // Enough for the 64 records that `plausibility` reads, and a quoted
    // field's rest: a quarter MiB, less for close splits (a sixteenth of
    // the spacing, from 16 KiB), since the splits are read before any range.
    let window = Swift.min(256 * 1024, Swift.max(16 * 1024, (size - firstRecord) / count / 16))
    @Sendable func nominal(_ index: Int) -> Int { firstRecord + (size - firstRecord) * index / count }
    // Each offset's probable start, found on its own (on `threads` threads),
    // then kept in order as far as they increase.
    var found = [Found](repeating: .none, count: count)
    found.withUnsafeMutableBufferPointer { buffer in
      // (Each thread writes its own indices only.)
      nonisolated(unsafe) let found = buffer
      let threads = Swift.max(1, Swift.min(threads, count - 1))
      DispatchQueue.concurrentPerform(iterations: threads) { thread in
        var bytes = [UInt8](repeating: 0, count: window)
        for index in stride(from: 1 + thread, to: count, by: threads) {
          let offset = nominal(index)
          let read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, window, off_t(offset)) }
          guard read > 0 else {
            found[index] = .end
            continue
          }
          found[index] = bytes.withUnsafeBytes { buffer in
            probableRecordStart(
              in: UnsafeRawBufferPointer(rebasing: buffer[..<read]), atEnd: offset + read >= size, dialect: dialect,
              columns: columns
            ).map { .start(offset + $0) } ?? .none
          }
        }
      }
    }
    for index in 1..<count {
      guard nominal(index) > starts.last! else { continue }
      switch found[index] {
      case .end: return starts
      case .start(let start) where start > starts.last! && start < size: starts.append(start)
      default: continue
      }
    }
    return starts
  }

  /// What reading near an offset found.
  private enum Found {
    case start(Int)
    case none
    case end
  }

  /// The offset in `bytes` of the first record start, read from their
  /// beginning in the quote state whose following records parse better.
  static func probableRecordStart(
    in bytes: UnsafeRawBufferPointer, atEnd: Bool, dialect: CSVDialect, columns: Int?
  ) -> Int? {
    var best: (start: Int, score: Int)?
    for quoted in [false, true] {
      guard let start = firstRecordEnd(bytes, quoted: quoted, dialect: dialect) else { continue }
      let score = plausibility(UnsafeRawBufferPointer(rebasing: bytes[start...]), atEnd: atEnd, dialect: dialect, columns: columns)
      if best == nil || score > best!.score { best = (start, score) }
    }
    return best?.start
  }

  /// Where the record that `bytes` are in ends (the offset after its line
  /// break), reading from the start inside a quoted field or not.
  static func firstRecordEnd(_ bytes: UnsafeRawBufferPointer, quoted: Bool, dialect: CSVDialect) -> Int? {
    var inQuotes = quoted
    var i = 0
    let n = bytes.count
    guard let base = bytes.baseAddress else { return nil }
    while i < n {
      if inQuotes {
        // The next quote, found by memchr: read as quoted, a file with few
        // quotes is looked through to the window's end, once per split
        // (byte by byte, that was a tenth of a two-thread `select`).
        guard let quote = memchr(base + i, Int32(dialect.quote), n - i) else { return nil }
        i = base.distance(to: UnsafeRawPointer(quote))
        if i + 1 < n && bytes[i + 1] == dialect.quote { i += 2; continue }
        inQuotes = false
        i += 1
        continue
      }
      let byte = bytes[i]
      if byte == dialect.quote {
        inQuotes = true
      } else if byte == 0x0A {
        return i + 1
      } else if byte == 0x0D {
        return i + 1 < n && bytes[i + 1] == 0x0A ? i + 2 : i + 1
      }
      i += 1
    }
    return nil
  }

  /// How many whole records from the start parse as the reader parses them
  /// (quotes only at a field's start, nothing after a closing quote), with
  /// `columns` fields when given; a malformed record ends the count with a
  /// penalty, so a reading that breaks loses to one that does not.
  static func plausibility(_ bytes: UnsafeRawBufferPointer, atEnd: Bool, dialect: CSVDialect, columns: Int?) -> Int {
    var records = 0
    var fields = 1
    var fieldStart = true
    var inQuotes = false
    var afterQuote = false
    var i = 0
    let n = bytes.count
    while i < n && records < 64 {
      let byte = bytes[i]
      if inQuotes {
        if byte == dialect.quote {
          if i + 1 < n && bytes[i + 1] == dialect.quote {
            i += 2
            continue
          }
          inQuotes = false
          afterQuote = true
        }
        i += 1
        continue
      }
      if byte == dialect.delimiter {
        fields += 1
        fieldStart = true
        afterQuote = false
      } else if byte == 0x0A || byte == 0x0D {
        if byte == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A { i += 1 }
        if let columns, fields != columns && !(fields == 1 && fieldStart) { return records * 2 - 100 }
        records += 1
        fields = 1
        fieldStart = true
        afterQuote = false
      } else if byte == dialect.quote {
        guard fieldStart else { return records * 2 - 100 }  // a quote inside an unquoted field
        inQuotes = true
        fieldStart = false
      } else {
        if afterQuote { return records * 2 - 100 }  // text after a closing quote
        fieldStart = false
      }
      i += 1
    }
    // An open quote at the very end of the file is malformed too.
    if atEnd && i >= n && inQuotes { return records * 2 - 100 }
    return records * 2
  }
}
