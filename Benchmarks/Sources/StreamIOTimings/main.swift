// Line-reading and CSV-parsing throughput from the page cache, as medians of
// several runs, printed as `name<TAB>value<TAB>unit`. Usage:
//   streamio-timings [MEGABYTES] [LINE_BYTES]
// MEGABYTES defaults to 300 (about the tutorial's 10M-row CSV); LINE_BYTES to
// 0, which writes the tutorial's ~30-byte sales rows; other values write log
// lines of about that many bytes.
// Writes its input file once (in $TMPDIR), reads it once to warm the page
// cache, then times read(2) alone (the floor), LineReader over it, and
// CSVReader over the sales rows (fields located, none converted).
import BenchmarkSupport
import StreamIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func now() -> UInt64 { monotonicNanoseconds() }

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let megabytes = arguments.first ?? 300
let lineBytes = arguments.dropFirst().first ?? 0
let directory = String(cString: getenv("TMPDIR") ?? strdup("/tmp"))
let path = "\(directory)/streamio-timings-\(megabytes)mb-\(lineBytes).txt"

/// The tutorial's sales rows, about 30 bytes each, LF-terminated.
func writeInput() {
  guard access(path, R_OK) != 0 else { return }
  let file = fopen(path, "w")!
  defer { fclose(file) }
  let countries = ["US", "DE", "FR", "JP", "GB", "BR", "IN", "CA", "US", "US", "MX", "AU"]
  var written = 0
  var row = 0
  let padding = String(repeating: "x", count: max(0, lineBytes - 60))
  while written < megabytes * 1_000_000 {
    let line =
      lineBytes == 0
      ? "name\(row),\(countries[row % countries.count]),\(row % 17 + 1),\(row % 1000).99\n"
      : "2026-11-27T13:55:\(row % 60) INFO [worker-\(row % 8)] request \(row) served \(padding)\n"
    fputs(line, file)
    written += line.utf8.count
    row += 1
  }
}

writeInput()
var size = stat()
stat(path, &size)
let bytes = Int(size.st_size)

func readLines(bufferSize: Int) throws -> (lines: Int, bytes: Int) {
  let reader = try LineReader(path: path, bufferSize: bufferSize)
  var lines = 0, total = 0
  while let line = try reader.next() {
    lines += 1
    total &+= line.bytes.count
  }
  return (lines, total)
}

/// The same with each line lent to a closure (no reference counting per line).
func readLinesLent(bufferSize: Int) throws -> (lines: Int, bytes: Int) {
  var lines = 0, total = 0
  try LineReader(path: path, bufferSize: bufferSize).forEachLine { line in
    lines += 1
    total &+= line.bytes.count
  }
  return (lines, total)
}

/// The floor: read(2) into a 64 KiB buffer and nothing else.
func readOnly() -> Int {
  let fd = open(path, O_RDONLY)
  defer { close(fd) }
  let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 64)
  defer { buffer.deallocate() }
  var total = 0
  while true {
    let n = read(fd, buffer, 1 << 16)
    if n <= 0 { return total }
    total += n
  }
}

/// The median of five runs of `body` (which returns a count that must be
/// positive), printed as `name<TAB>GB/s<TAB>GB/s`.
func report(_ name: String, _ body: () throws -> Int) rethrows {
  var samples: [Double] = []
  for _ in 0..<5 {
    let start = now()
    let count = try body()
    precondition(count > 0)
    samples.append(Double(bytes) / (Double(now() - start) / 1e9) / 1e9)
  }
  samples.sort()
  print("\(name)\t\((samples[2] * 100).rounded() / 100)\tGB/s")
}

/// CSV records with their fields located, nothing converted; the last
/// field's length is read so that each record's bytes are used.
func readCSV() throws -> Int {
  let reader = try CSVReader(path: path, dialect: CSVDialect(hasHeader: false))
  var fields = 0
  while let record = try reader.next() { fields &+= record.count &+ record.field(record.count - 1).count }
  return fields
}

/// The same with each record lent to a closure.
func readCSVLent() throws -> Int {
  var fields = 0
  try CSVReader(path: path, dialect: CSVDialect(hasHeader: false)).forEachRecord { record in
    fields &+= record.count &+ record.field(record.count - 1).count
  }
  return fields
}

_ = try readLines(bufferSize: 1 << 16)  // warm the page cache
report("read_only_gb_per_s_buffer_64k") { readOnly() }
let suffix = lineBytes == 0 ? "" : "_\(lineBytes)b"
for bufferSize in [1 << 16, 1 << 18, 1 << 20] {
  try report("lines\(suffix)_gb_per_s_buffer_\(bufferSize / 1024)k") { try readLines(bufferSize: bufferSize).lines }
}
try report("lines_lent\(suffix)_gb_per_s_buffer_64k") { try readLinesLent(bufferSize: 1 << 16).lines }
if lineBytes == 0 {
  try report("csv_gb_per_s_buffer_64k") { try readCSV() }
  try report("csv_lent_gb_per_s_buffer_64k") { try readCSVLent() }
}
