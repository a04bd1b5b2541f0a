// Records and lines are values: kept in arrays, batches, windows, tee
// buffers, or past the reader and the generator that read them, each stays
// what Python's csv module (or splitting the file on newlines) reads there,
// for every buffer size (records across reads, buffers that must grow) and
// for gzip input.
import Foundation
import Generators
import StreamIO
import SystemPackage
import TestSupport
import Testing

@Suite struct KeptRecordsTests {
  /// The files and Python's reading of them, made once for the suite.
  final class Oracle: Sendable {
    let directory: String
    let rows: [[String]]  // header first
    let lines: [String]

    init() throws {
      directory = NSTemporaryDirectory() + "kept-records-" + UUID().uuidString
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("python_kept_oracle.py")
      let python = Process()
      python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      python.arguments = ["python3", script.path, directory, "3000", "20261202"]
      try python.run()
      python.waitUntilExit()
      try #require(python.terminationStatus == 0, "python3 must be installed to run this test")
      rows = try JSONDecoder().decode([[String]].self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/kept.csv.json")))
      lines = try JSONDecoder().decode([String].self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/kept.log.json")))
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    var records: [[String]] { Array(rows.dropFirst()) }
  }

  static let oracle = Result { try Oracle() }
  /// Buffer sizes from one byte (every record crosses reads, the buffer grows) to the default.
  static let bufferSizes = [1, 7, 64, 100, 1000, 4096, 65536]
  static let inputs = ["kept.csv", "kept.csv.gz"]

  func reader(_ name: String, bufferSize: Int) throws -> CSVReader {
    try CSVReader(path: Self.oracle.get().directory + "/" + name, bufferSize: bufferSize)
  }

  func strings(_ records: some Sequence<CSVRecord>) throws -> [[String]] {
    try records.map { try $0.strings() }
  }

  @Test(arguments: inputs, bufferSizes)
  func arrayOfTheReaderKeepsEveryRecord(input: String, bufferSize: Int) throws {
    let expected = try Self.oracle.get().records
    var kept = Array(try reader(input, bufferSize: bufferSize))  // the reader is released here
    #expect(try strings(kept) == expected)
    #expect(kept.map(\.number) == Array(1...expected.count))
    kept.shuffle()  // moved around, still themselves
    #expect(try Set(strings(kept).map { $0.joined(separator: "\u{1}") }) == Set(expected.map { $0.joined(separator: "\u{1}") }))
  }

  @Test(arguments: inputs, bufferSizes)
  func batchesWindowsAndPrefixesKeepTheirRecords(input: String, bufferSize: Int) throws {
    let expected = try Self.oracle.get().records
    let batches = Array(try reader(input, bufferSize: bufferSize).batched(500))
    #expect(try batches.flatMap { try strings($0) } == expected)
    #expect(batches.map(\.count).dropLast().allSatisfy { $0 == 500 })

    let windows = Array(try reader(input, bufferSize: bufferSize).windowed(3))
    #expect(windows.count == expected.count - 2)
    for (i, window) in windows.enumerated() where try strings(window) != Array(expected[i..<i + 3]) {
      Issue.record("window \(i) differs: \(try strings(window))")
      break
    }

    #expect(try strings(Array(reader(input, bufferSize: bufferSize).prefix(5))) == Array(expected.prefix(5)))
  }

  @Test(arguments: inputs, [1, 64, 65536])
  func teeBranchesHoldIndependentRecords(input: String, bufferSize: Int) throws {
    let expected = try Self.oracle.get().records
    let branches = try reader(input, bufferSize: bufferSize).tee(2)
    let first = Array(branches[0])  // reads everything; the second branch buffers it all
    let second = Array(branches[1])
    #expect(try strings(first) == expected)
    #expect(try strings(second) == expected)
  }

  @Test(arguments: inputs, [1, 64, 65536])
  func maxAndSortedCompareKeptRecords(input: String, bufferSize: Int) throws {
    let expected = try Self.oracle.get().records
    func quantity(_ record: CSVRecord) -> Int { (try? record[2, as: Int.self]) ?? -1 }
    let largest = try reader(input, bufferSize: bufferSize).max { quantity($0) < quantity($1) }
    let expectedLargest = expected.max { Int($0[2])! < Int($1[2])! }!
    #expect(try largest?.strings() == expectedLargest)

    let sorted = try reader(input, bufferSize: bufferSize).sorted { try $0.string(0) < $1.string(0) }
    #expect(try strings(sorted) == expected.sorted { $0[0] < $1[0] })
  }

  /// The README's generator, kept past the generator and the reader.
  func readSales(_ path: String, bufferSize: Int) -> Generator<CSVRecord> {
    Generator { co in
      let reader = try CSVReader(path: path, bufferSize: bufferSize)
      while let row = try reader.next() { try co.yield(row) }
    }
  }

  @Test(arguments: inputs, [1, 64, 65536])
  func recordsOutliveTheirGenerator(input: String, bufferSize: Int) throws {
    let oracle = try Self.oracle.get()
    let path = oracle.directory + "/" + input
    let five = Array(readSales(path, bufferSize: bufferSize).prefix(5))
    #expect(try strings(five) == Array(oracle.records.prefix(5)))
    let all = Array(readSales(path, bufferSize: bufferSize))
    #expect(try strings(all) == oracle.records)
    // Typed access, errors and Decodable rows work on kept records too.
    struct Sale: Decodable, Equatable { var name: String; var country: String; var qty: Int; var price: Double }
    let sales = try all.map { try $0.decode(Sale.self) }
    #expect(sales.map(\.qty) == oracle.records.map { Int($0[2])! })
    #expect(all.last?.header == oracle.rows.first)
    #expect(throws: StreamIOError.self) { try all[0][1, as: Int.self] }
  }

  @Test func errorPositionsOfKeptRecordsAreTheirOwn() throws {
    let csv = "a,b\n1,x\n2,y\n\"3\",\"z\nz\"\n"
    let file = try TemporaryFile(contents: csv)
    let records = Array(try CSVReader(path: file.path, bufferSize: 1))
    #expect(records.map(\.line) == [2, 3, 4])
    #expect(records.map(\.byteOffset) == [4, 8, 12])
    for (record, line) in zip(records, [2, 3, 4]) {
      do throws(StreamIOError) {
        _ = try record[1, as: Int.self]
        Issue.record("expected an error")
      } catch {
        #expect(error.line == line && error.column == (line == 4 ? 6 : 3), "\(error)")
      }
    }
  }

  /// A record's first byte is found from its first field (the quote before
  /// a quoted one); a record with no fields keeps its own.
  @Test(arguments: [1, 2, 5, 16, 64, 65536])
  func byteOffsetsOfKeptRecordsWithQuotedAndBlankStarts(bufferSize: Int) throws {
    let records = ["\u{FEFF}\"a\",b", "", "\"\",x", "plain,\"q\"", "\"say \"\"hi\"\"\",1", "\r", "'not',2", "\"multi\nline\",3", "last"]
    var text: [UInt8] = []
    var starts: [Int] = []
    for (index, record) in records.enumerated() {
      let bytes = Array(record.utf8)
      starts.append(text.count + (index == 0 ? 3 : 0))  // after the byte-order mark
      text += bytes + (record == "\r" ? [] : [0x0A])
    }
    let file = try TemporaryFile(data: text)
    let kept = Array(try CSVReader(path: file.path, dialect: CSVDialect(hasHeader: false), bufferSize: bufferSize))
    #expect(kept.map(\.byteOffset) == starts)
    #expect(kept.map(\.count) == [2, 0, 2, 2, 2, 0, 2, 2, 1])
    #expect(try kept[4].string(0) == "say \"hi\"")
  }

  // MARK: Lent records and lines

  @Test(arguments: inputs, bufferSizes)
  func lentRecordsKeptFromTheClosureStayValid(input: String, bufferSize: Int) throws {
    let expected = try Self.oracle.get().records
    var kept: [CSVRecord] = []
    var seen: [[String]] = []
    try reader(input, bufferSize: bufferSize).forEachRecord { record in
      seen.append(try record.strings())
      if record.number % 3 == 0 { kept.append(record) }
    }
    #expect(seen == expected)
    #expect(try strings(kept) == expected.enumerated().filter { ($0.offset + 1) % 3 == 0 }.map(\.element))
  }

  @Test(arguments: [1, 64, 65536])
  func aClosureThatReadsTheSameReaderSplitsTheRecords(bufferSize: Int) throws {
    let expected = try Self.oracle.get().records
    let reader = try reader("kept.csv", bufferSize: bufferSize)
    var lent: [CSVRecord] = []
    var taken: [CSVRecord] = []
    try reader.forEachRecord { record in
      lent.append(record)
      // Reading on inside the closure moves the reader on (perhaps to a new
      // block): the lent record must be unaffected.
      if let next = try reader.next() { taken.append(next) }
      #expect(try record.strings() == expected[record.number - 1], "record \(record.number) line \(record.line): \((try? record.strings()) ?? []) vs \(expected[record.number - 1])")
    }
    #expect(try strings(lent + taken).sorted { $0.joined() < $1.joined() } == expected.sorted { $0.joined() < $1.joined() })
    #expect(lent.map(\.number) == Array(stride(from: 1, through: expected.count, by: 2)))
  }

  @Test func errorsInTheClosureOrTheInputStopTheLoop() throws {
    struct Stop: Error {}
    let file = try TemporaryFile(contents: "a\nb\nc\n\"unterminated\n")
    var count = 0
    #expect(throws: Stop.self) {
      try CSVReader(path: file.path, dialect: CSVDialect(hasHeader: false)).forEachRecord { _ in
        count += 1
        if count == 2 { throw Stop() }
      }
    }
    #expect(count == 2)
    #expect(throws: StreamIOError.self) {
      try CSVReader(path: file.path, dialect: CSVDialect(hasHeader: false)).forEachRecord { _ in }
    }
    var lines: [String] = []
    #expect(throws: Stop.self) {
      try LineReader(path: file.path).forEachLine { line in
        lines.append(line.lossyString)
        if lines.count == 3 { throw Stop() }
      }
    }
    #expect(lines == ["a", "b", "c"])
  }

  @Test(arguments: [1, 64, 65536])
  func aClosureThatReadsTheSameLineReaderSplitsTheLines(bufferSize: Int) throws {
    let oracle = try Self.oracle.get()
    let reader = try LineReader(path: oracle.directory + "/kept.log", bufferSize: bufferSize)
    var lent: [Line] = []
    var taken: [Line] = []
    try reader.forEachLine { line in
      lent.append(line)
      if let next = try reader.next() { taken.append(next) }
      #expect(line.lossyString == oracle.lines[line.number - 1], "line \(line.number)")
    }
    #expect((lent + taken).sorted { $0.number < $1.number }.map(\.lossyString) == oracle.lines)
  }

  /// Reading on inside the closure may move the reader to a new segment
  /// with lines not yet scanned: none may be taken for one too long.
  @Test(arguments: [ReadErrorPolicy.throw, .skip], [4, 16, 64])
  func readingOnInsideForEachLineLosesNoLine(policy: ReadErrorPolicy, bufferSize: Int) throws {
    let file = try TemporaryFile(contents: (0..<60).map { "l\($0 % 10)" }.joined(separator: "\n") + "\n")
    let reader = try LineReader(path: file.path, bufferSize: bufferSize, maxLineLength: 4, onError: policy)
    var numbers: [Int] = []
    try reader.forEachLine { line in
      numbers.append(line.number)
      if let next = try reader.next() { numbers.append(next.number) }
    }
    #expect(numbers == Array(1...60))
    #expect(reader.skippedLines == 0)
  }

  @Test(arguments: bufferSizes)
  func lentLinesKeptFromTheClosureStayValid(bufferSize: Int) throws {
    let oracle = try Self.oracle.get()
    var kept: [Line] = []
    var seen: [String] = []
    try LineReader(path: oracle.directory + "/kept.log", bufferSize: bufferSize).forEachLine { line in
      seen.append(line.lossyString)
      if line.number % 2 == 1 { kept.append(line) }
    }
    #expect(seen == oracle.lines)
    #expect(kept.map(\.lossyString) == oracle.lines.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
  }

  // MARK: Lines

  @Test(arguments: ["kept.log"], bufferSizes)
  func keptLinesAreTheirOwn(input: String, bufferSize: Int) throws {
    let oracle = try Self.oracle.get()
    let path = oracle.directory + "/" + input
    let all = Array(try LineReader(path: path, bufferSize: bufferSize))
    #expect(all.map(\.lossyString) == oracle.lines)
    #expect(all.map(\.number) == Array(1...oracle.lines.count))
    #expect(Array(try LineReader(path: path, bufferSize: bufferSize).prefix(3)).map(\.lossyString) == Array(oracle.lines.prefix(3)))
    let batches = Array(try LineReader(path: path, bufferSize: bufferSize).batched(100))
    #expect(batches.flatMap { $0.map(\.lossyString) } == oracle.lines)
    let windows = Array(try LineReader(path: path, bufferSize: bufferSize).windowed(2))
    #expect(windows.map { $0.map(\.lossyString) } == zip(oracle.lines, oracle.lines.dropFirst()).map { [$0, $1] })
    let longest = try LineReader(path: path, bufferSize: bufferSize).max { $0.bytes.count < $1.bytes.count }
    #expect(longest?.lossyString == oracle.lines.max { $0.utf8.count < $1.utf8.count })
  }

  @Test func keptLinesFromGzipAndTheirOffsets() throws {
    let text = "first\r\nsecond line\n\nfourth"
    let plain = try TemporaryFile(contents: text)
    let gz = try TemporaryFile(contents: "", name: "lines.gz")
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
    gzip.arguments = ["-c", "gzip -c '\(plain.path)' > '\(gz.path)'"]
    try gzip.run()
    gzip.waitUntilExit()
    for path in [plain.path, gz.path] {
      for bufferSize in [1, 3, 64] {
        let lines = Array(try LineReader(path: path, bufferSize: bufferSize))
        #expect(lines.map(\.lossyString) == ["first", "second line", "", "fourth"])
        #expect(lines.map(\.byteOffset) == [0, 7, 19, 20])
      }
    }
  }
}

/// An actor owning a reader over a pipe: while `pump` waits in the reader's
/// blocking read (off the actor), the actor is free to run `poke`.
actor ReentrantPipeHolder {
  let reader: LineReader
  var pumped: [String] = []
  var pokeError: StreamIOError?

  init(fd: Int32) throws {
    reader = LineReader(
      source: try ByteSource(descriptor: FileDescriptor(rawValue: fd), name: "pipe", closeWhenDone: true), bufferSize: 64)
  }

  func pump() async throws {
    for try await line in reader { pumped.append(line.lossyString) }
  }

  func poke() {
    do throws(StreamIOError) {
      _ = try reader.next()
    } catch {
      pokeError = error
    }
  }
}

@Suite struct ReentrantReaderPipeTests {
  /// A use of the reader while its async read waits is refused, not raced.
  @Test func aReentrantUseIsRefusedNotRaced() async throws {
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    let writeEnd = fds[1]
    let holder = try ReentrantPipeHolder(fd: fds[0])
    let pumping = Task { try await holder.pump() }
    try await Task.sleep(for: .milliseconds(200))  // pump now waits in read() on a blocking-read thread
    await holder.poke()
    func send(_ text: String) { _ = text.withCString { Glibc.write(writeEnd, $0, strlen($0)) } }
    for i in 0..<5 { send("line\(i)\n") }
    close(writeEnd)
    try await pumping.value
    #expect(await holder.pokeError?.code == .concurrentUse)
    #expect(await holder.pumped == (0..<5).map { "line\($0)" })
  }
}

@Suite struct ShortRowTests {
  /// The README's pipeline on a file with a blank line and a short row:
  /// a typed field the row lacks is an error, not a trap.
  @Test func aFieldTheRowLacksIsAnErrorNotATrap() throws {
    let file = try TemporaryFile(contents: "name,country,qty,price\nx,FR,2,1.5\n\ny,DE\n")
    let reader = try CSVReader(path: file.path)
    var totals: [Double] = []
    var errors: [StreamIOError] = []
    while let row = try reader.next() {
      if row.field(1, equals: "US") { continue }  // a blank line has no field 1: not US
      do throws(StreamIOError) {
        totals.append(Double(try row[2, as: Int.self]) * (try row[3, as: Double.self]))
      } catch {
        errors.append(error)
      }
    }
    #expect(totals == [3.0])
    #expect(errors.map(\.line) == [3, 4])
    #expect(errors.allSatisfy { $0.code == .invalidField && $0.message.contains("is missing") })
  }
}

@Suite struct ReaderOperatorTests {
  /// Readers are Sequences and AsyncSequences: `let` picks the sync operator,
  /// `for try await` the async one; both keep distinct records.
  @Test func operatorsOnReadersNamedWithLet() async throws {
    let file = try TemporaryFile(contents: "a\n1\n2\n3\n")
    let batches = try CSVReader(path: file.path).batched(2)
    #expect(try Array(batches).map { try $0.map { try $0.string(0) } } == [["1", "2"], ["3"]])
    let windows = try LineReader(path: file.path).windowed(2)
    #expect(Array(windows).map { $0.map(\.lossyString) } == [["a", "1"], ["1", "2"], ["2", "3"]])
    var async: [[String]] = []
    for try await batch in try CSVReader(path: file.path).batched(2) { async.append(try batch.map { try $0.string(0) }) }
    #expect(async == [["1", "2"], ["3"]])
  }
}
