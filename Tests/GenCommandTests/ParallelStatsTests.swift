// `--threads`: a file split into byte ranges gives the one-thread output
// (stats' table, filter's, select's, convert's and derive's records in order) byte for
// byte, wherever the split falls, quoted line breaks included.
import Foundation
@testable import GenCommand
import StreamIO
import Testing

@Suite struct ParallelStatsTests {
  /// Quoted line breaks (LF, CRLF, a lone CR), doubled quotes, delimiters in
  /// quotes, blank lines, a byte-order mark, non-ASCII rows, text in a
  /// numeric column: a split at any of these bytes must not change a number.
  static let adversarial: String = {
    var rows = ["\u{FEFF}name,country,qty,price"]
    let names = ["\"two\nlines\"", "\"a,\"\"b\"\"\"", "\"\r\n\"", "\"x\ry\"", "plain", "\"Zoë\"", "\"\"", "\"\n\n,\""]
    let countries = ["US", "\"D\nE\"", "FR", "\"U,S\"", "JP"]
    for index in 0..<60 {
      rows.append("\(names[index % names.count]),\(countries[index % countries.count]),\(index % 7 == 3 ? "many" : String(index)),\(Double(index) / 4)")
      if index % 13 == 5 { rows.append("") }
    }
    return rows.joined(separator: "\n") + "\n"
  }()

  @Test(arguments: [
    ["stats", "--group-by", "country"], ["stats"], ["stats", "--group-by", "name", "--derive", "t=qty * price", "--where", "qty != 5"],
    ["filter", "--where", "qty * 2 > 30 or name ~ '^\\S'"], ["select", "price,name"], ["convert", "--to", "jsonl"],
    ["count"], ["derive", "t=qty * price", "u=lower(name)", "w=t / qty"],
  ])
  func everySplitOffsetGivesTheOneThreadOutput(arguments: [String]) throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("adversarial.csv", Self.adversarial)
    let one = try gen(arguments + [csv, "--threads", "1"])
    #expect(one.status == 0, "\(one.stderr)")
    let size = Self.adversarial.utf8.count
    // The true record starts, blank lines' included, as the reader finds them.
    let reader = try CSVReader(path: csv, dialect: CSVDialect(hasHeader: false))
    var recordStarts: Set<Int> = []
    while let record = try reader.next() { recordStarts.insert(record.byteOffset) }
    recordStarts.remove(3)  // the header's (after the byte-order mark) starts no data range
    var differing: [Int] = [], wronglyParallel: [Int] = [], wronglySequential: [Int] = []
    for offset in 1..<size {
      var ranges = 0
      let split = try genSplit(arguments + [csv], at: [offset]) { ranges = $0 }
      if split.stdout != one.stdout || split.stderr != one.stderr || split.status != one.status { differing.append(offset) }
      // Two ranges exactly when the offset is a record's start; else the
      // first range's end shows the split wrong and one thread reads it all.
      if ranges == 2 && !recordStarts.contains(offset) { wronglyParallel.append(offset) }
      if ranges != 2 && recordStarts.contains(offset) { wronglySequential.append(offset) }
    }
    #expect(differing.isEmpty, "offsets \(differing.prefix(10)) gave another table")
    #expect(wronglyParallel.isEmpty, "\(wronglyParallel.prefix(10))")
    #expect(wronglySequential.isEmpty, "\(wronglySequential.prefix(10))")
    #expect(recordStarts.count > 60)
  }

  @Test func threeRangesAtRandomOffsets() throws {
    let dir = try TemporaryDirectory()
    let csv = try dir.file("adversarial.csv", Self.adversarial)
    let one = try gen(["stats", csv, "--group-by", "country", "--threads", "1"])
    var random = SystemRandomNumberGenerator()
    let size = Self.adversarial.utf8.count
    for _ in 0..<300 {
      let offsets = (0..<3).map { _ in Int.random(in: 1..<size, using: &random) }.sorted()
      guard Set(offsets).count == 3 else { continue }
      let split = try genSplit(["stats", csv, "--group-by", "country"], at: offsets)
      #expect(split.stdout == one.stdout, "\(offsets)")
    }
  }

  /// Bad data in a later range is reported as one thread reports it: its
  /// line is the file's, not the range's.
  @Test func badDataInALaterRangeNamesTheFilesLine() throws {
    let dir = try TemporaryDirectory()
    var text = "name,qty\n"
    for index in 0..<50 { text += "n\(index),\(index)\n" }
    text += "bad,\"unterminated\n"
    let csv = try dir.file("bad.csv", text)
    let one = try gen(["stats", csv, "--threads", "1"])
    #expect(one.status == 65)
    #expect(one.stderr.contains("bad.csv:52"))
    let split = try genSplit(["stats", csv], at: [text.utf8.count / 2])
    #expect(split.status == one.status)
    #expect(split.stderr == one.stderr)
  }

  /// The verbs that write records: bad data in a later range leaves what
  /// the first range wrote, and one thread's output, its first bytes (those
  /// already written) dropped, completes it up to the error.
  @Test(arguments: [
    ["filter", "--where", "qty >= 0"], ["derive", "t=qty * 2"], ["select", "qty,name"], ["convert", "--to", "jsonl"],
  ])
  func badDataInALaterRangeLeavesTheOneThreadOutput(arguments: [String]) throws {
    let dir = try TemporaryDirectory()
    var text = "name,qty\n"
    for index in 0..<2_000 { text += "n\(index),\(index)\n" }
    text += "bad,\"unterminated\n"
    let csv = try dir.file("bad.csv", text)
    let one = try gen(arguments + [csv, "--threads", "1"])
    #expect(one.status == 65)
    #expect(one.stdout.split(separator: "\n").count > 1_000)
    var ranges = 0
    let split = try genSplit(arguments + [csv], at: [text.utf8.count / 2], rangesRead: { ranges = $0 })
    #expect(ranges == 1)  // (the ranges failed: one thread read it all)
    #expect(split.status == one.status)
    #expect(split.stdout == one.stdout)
    #expect(split.stderr == one.stderr)
    // Without bad data, the two ranges' output is the one thread's.
    let good = try dir.file("good.csv", String(text.dropLast("bad,\"unterminated\n".count)))
    let whole = try gen(arguments + [good, "--threads", "1"])
    let halves = try genSplit(arguments + [good], at: [text.utf8.count / 3], rangesRead: { ranges = $0 })
    #expect(ranges == 2)
    #expect(halves.stdout == whole.stdout)
    #expect(whole.status == 0 && halves.status == 0)
  }

  /// A file of many pieces (``ParallelRecords/pieceBytes`` each, more than
  /// threads, taken in turn): each verb's output is the one-thread output,
  /// byte for byte, with quoted line breaks throughout; and with bad data
  /// near the end (most pieces written by then) the output, the error and
  /// its line are the one-thread run's.
  @Test(arguments: [
    ["filter", "--where", "qty % 3 != 1"], ["derive", "t=qty * price", "u=upper(name)"], ["select", "price,name"],
    ["convert", "--to", "jsonl"],
    // Problems counted in every piece, reported with the first one's example as one thread reports them.
    ["derive", "r=price / (qty % 7)"], ["filter", "--where", "qty % 3 != 1 or name * 2 > 1"],
  ])
  func manyPiecesGiveTheOneThreadOutput(arguments: [String]) throws {
    let dir = try TemporaryDirectory()
    var text = "name,qty,price\n"
    var index = 0
    while text.utf8.count < 10 << 20 {  // (over 8 MB, so threaded: five pieces)
      let name = index % 97 == 0 ? "\"line\nbreak, \"\"quoted\"\"\"" : index % 89 == 0 ? "Zoë \(index)" : "n\(index)"
      text += "\(name),\(index % 1000),\(Double(index % 5000) / 8)\n"
      index += 1
    }
    let csv = try dir.file("big.csv", text)
    let bad = try dir.file("bad.csv", text + "late,\"unterminated\n" + String(repeating: "n,1,2\n", count: 100))
    for path in [csv, bad] {
      let one = try gen(arguments + [path, "--threads", "1"])
      let two = try gen(arguments + [path, "--threads", "2"])
      #expect(two.status == one.status, "\(path)")
      #expect(two.stdout == one.stdout, "\(path)")
      #expect(two.stderr == one.stderr, "\(path)")
    }
    #expect(try gen(arguments + [csv, "--threads", "1"]).status == 0)
    // JSON Lines, from the same rows.
    let jsonl = try dir.file("big.jsonl", try gen(["convert", "--to", "jsonl", csv]).stdout)
    let jsonArguments = arguments == ["convert", "--to", "jsonl"] ? ["convert", "--to", "csv"] : arguments
    for path in [jsonl, try dir.file("bad.jsonl", String(contentsOfFile: jsonl, encoding: .utf8) + "{\"name\": x}\n{}\n")] {
      let one = try gen(jsonArguments + [path, "--threads", "1"])
      let two = try gen(jsonArguments + [path, "--threads", "2"])
      #expect(two.status == one.status, "\(path)")
      #expect(two.stdout == one.stdout, "\(path)")
      #expect(two.stderr == one.stderr, "\(path)")
    }
  }

  /// A row that starts with a byte-order mark's bytes keeps them where a
  /// piece starts at it, as it does on one thread: only the file's first
  /// bytes can be a byte-order mark (a piece's reader took them for one).
  @Test(arguments: [["select", "id,qty"], ["filter", "--where", "qty >= 0"], ["stats"], ["count"]])
  func rowsStartingWithAByteOrderMarkKeepIt(arguments: [String]) throws {
    let dir = try TemporaryDirectory()
    var text = "id,qty\n"
    var index = 0
    while text.utf8.count < 9 << 20 {  // (over 8 MB: threaded, in pieces)
      text += "\u{FEFF}\(index),\(index % 100)\n"
      index += 1
    }
    let csv = try dir.file("bom-rows.csv", text)
    let one = try gen(arguments + [csv, "--threads", "1"])
    var ranges = 0
    let two = try gen(arguments + [csv, "--threads", "2"], rangesRead: { ranges = $0 })
    #expect(ranges == 2)  // (read on two threads, not again on one)
    #expect(one.status == 0 && two.status == 0)
    #expect(two.stdout == one.stdout)
    #expect(two.stderr == one.stderr)
    if arguments[0] == "select" { #expect(two.stdout.components(separatedBy: "\u{FEFF}").count == index + 1) }
  }

  /// A piece read before the one whose turn it is is parked, and its thread
  /// reads on: with the first piece held back, the next pieces are read and
  /// parked, then written in order once it ends; the output is the
  /// one-thread output. With bad data in a later piece, the parked pieces
  /// are never written: the output and the error are the one-thread run's.
  @Test(arguments: [["filter", "--where", "qty % 3 != 1"], ["select", "price,name"]])
  func piecesReadEarlyAreParkedAndWrittenInOrder(arguments: [String]) throws {
    let dir = try TemporaryDirectory()
    var rows: [String] = []
    var bytes = 0
    while bytes < 10 << 20 {  // (ten pieces)
      rows.append("n\(rows.count),\(rows.count % 1000),\(Double(rows.count % 5000) / 8)\n")
      bytes += rows.last!.utf8.count
    }
    let csv = try dir.file("big.csv", "name,qty,price\n" + rows.joined())
    var badRows = rows
    badRows[rows.count * 2 / 3] = "b\"x,1,2\n"  // (in the seventh piece)
    let bad = try dir.file("bad.csv", "name,qty,price\n" + badRows.joined())
    for path in [csv, bad] {
      let one = try gen(arguments + [path, "--threads", "1"])
      // Piece 0 ends once the other thread has read pieces 1 and 2 (or
      // after 60 s): it read piece 2 only if it parked piece 1.
      let secondRead = DispatchSemaphore(value: 0)
      let holdFirst: @Sendable (Int) -> Void = { piece in
        if piece == 2 { secondRead.signal() }
        if piece == 0 { _ = secondRead.wait(timeout: .now() + 60) }
      }
      var parked = 0
      let two = try gen(arguments + [path, "--threads", "2"], pieceRead: holdFirst, mostParked: { parked = $0 })
      #expect(parked >= 1, "\(path)")
      #expect(two.status == one.status, "\(path)")
      #expect(two.stdout == one.stdout, "\(path)")
      #expect(two.stderr == one.stderr, "\(path)")
      #expect(one.status == (path == csv ? 0 : 65))
    }
  }

  /// Output many times larger than its piece (short rows, as JSON objects):
  /// a piece that is not yet written holds up to its limit, then waits for
  /// its turn; the output is still the one-thread output.
  @Test func outputLargerThanAPieceMayHoldWaitsForItsTurn() throws {
    let dir = try TemporaryDirectory()
    var text = "name,quantity\n"
    var index = 0
    while text.utf8.count < 9 << 20 {
      text += "\(index % 10),\(index % 7)\n"
      index += 1
    }
    let csv = try dir.file("narrow.csv", text)
    let one = try gen(["convert", "--to", "jsonl", csv, "--threads", "1"])
    let two = try gen(["convert", "--to", "jsonl", csv, "--threads", "2"])
    #expect(one.status == 0 && two.status == 0)
    #expect(two.stdout.utf8.count > 6 * text.utf8.count)
    #expect(two.stdout == one.stdout)
  }

  /// JSON Lines: a byte-order mark, blank lines, escaped line breaks,
  /// non-ASCII text, nesting, Python's NaN: a split at any byte counts what
  /// one thread counts, in two ranges exactly when it falls at a line's start.
  static let adversarialLines: String = {
    var lines = ["\u{FEFF}{\"name\":\"first\",\"n\":1}"]
    let values = [
      "\"two\\nlines\"", "\"Zoë \\u00e9 \\ud83d\\ude00\"", "[1, [2, {\"a\": null}]]", "NaN", "-0.5e-3", "{}", "\"\\\"{\\\"\"",
      "true",
    ]
    for index in 0..<60 {
      lines.append("{\"name\": \"n\(index)\", \"v\": \(values[index % values.count])}")
      if index % 11 == 4 { lines.append(index % 2 == 0 ? "" : "  ") }
    }
    return lines.joined(separator: "\n") + "\n"
  }()

  @Test func everySplitOffsetOfJSONLinesCountsAsOneThread() throws {
    let dir = try TemporaryDirectory()
    let path = try dir.file("adversarial.jsonl", Self.adversarialLines)
    let one = try gen(["count", path, "--threads", "1"])
    #expect(one.status == 0, "\(one.stderr)")
    #expect(one.stdout == "61\n")
    let bytes = Array(Self.adversarialLines.utf8)
    var differing: [Int] = [], wronglyParallel: [Int] = [], wronglySequential: [Int] = []
    for offset in 1..<bytes.count {
      var ranges = 0
      let split = try genSplit(["count", path], at: [offset]) { ranges = $0 }
      if split.stdout != one.stdout || split.stderr != one.stderr || split.status != one.status { differing.append(offset) }
      let lineStart = bytes[offset - 1] == 0x0A
      if ranges == 2 && !lineStart { wronglyParallel.append(offset) }
      if ranges != 2 && lineStart { wronglySequential.append(offset) }
    }
    #expect(differing.isEmpty, "offsets \(differing.prefix(10)) gave another count")
    #expect(wronglyParallel.isEmpty, "\(wronglyParallel.prefix(10))")
    #expect(wronglySequential.isEmpty, "\(wronglySequential.prefix(10))")
  }

  /// A bad JSON line in a later range is reported with the file's line number.
  @Test func badJSONInALaterRangeNamesTheFilesLine() throws {
    let dir = try TemporaryDirectory()
    var text = ""
    for index in 0..<50 { text += "{\"n\": \(index)}\n" }
    text += "{\"n\": 01}\n{\"n\": 2}\n"
    let path = try dir.file("bad.jsonl", text)
    let one = try gen(["count", path, "--threads", "1"])
    #expect(one.status == 65)
    #expect(one.stderr.contains("bad.jsonl:51"), "\(one.stderr)")
    for offset in [text.utf8.count / 3, text.utf8.count / 2, text.utf8.count - 8] {
      let split = try genSplit(["count", path], at: [offset])
      #expect(split.status == one.status)
      #expect(split.stderr == one.stderr)
    }
  }

  /// LineSplit's starts are line starts, increasing, whatever the count.
  @Test func lineSplitStartsAreLineStarts() throws {
    let dir = try TemporaryDirectory()
    var text = ""
    for index in 0..<5_000 { text += String(repeating: "x", count: index % 97) + "\n" }
    text += "a last line without a line break"
    let path = try dir.file("lines.txt", text)
    let bytes = Array(text.utf8)
    for count in [1, 2, 3, 8, 64, 10_000] {
      let starts = try LineSplit.starts(path: path, count: count)
      #expect(starts.first == 0)
      #expect(starts.count <= count)
      #expect(zip(starts, starts.dropFirst()).allSatisfy { $0 < $1 })
      #expect(starts.dropFirst().allSatisfy { $0 < bytes.count && bytes[$0 - 1] == 0x0A }, "\(count): \(starts.prefix(5))")
      if count <= 8 { #expect(starts.count == count) }
    }
    #expect(try LineSplit.starts(path: try dir.file("one.txt", "one line, no break"), count: 4) == [0])
  }

  /// The speculative split finds the true record starts in a file whose
  /// quoted fields hold whole lines that look like records.
  @Test func speculationReadsQuotedLinesAsFieldText() throws {
    let dir = try TemporaryDirectory()
    var text = "id,note,n\n"
    for index in 0..<20_000 {
      text += index % 3 == 0 ? "\(index),\"fake\n\(index),row,1\nend\",\(index)\n" : "\(index),plain,\(index)\n"
    }
    let csv = try dir.file("tricky.csv", text)
    let starts = try CSVSplit.starts(path: csv, count: 8, firstRecord: 0, columns: 3)
    #expect(starts.count == 8)
    // Each start is a true record start: a line of the file that begins a record.
    let bytes = Array(text.utf8)
    var recordStarts: Set<Int> = []
    var inQuotes = false
    var start = 0
    for (offset, byte) in bytes.enumerated() {
      if byte == UInt8(ascii: "\"") { inQuotes.toggle() }
      if byte == 0x0A && !inQuotes {
        recordStarts.insert(start)
        start = offset + 1
      }
    }
    #expect(starts.dropFirst().allSatisfy { recordStarts.contains($0) }, "\(starts)")
  }
}

/// Runs `gen` with `--threads` splitting the file at `offsets`.
func genSplit(_ arguments: [String], at offsets: [Int], rangesRead: ((Int) -> Void)? = nil) throws -> GenRun {
  try gen(arguments + ["--threads", String(offsets.count + 1)], splitOffsets: offsets, rangesRead: rangesRead)
}
