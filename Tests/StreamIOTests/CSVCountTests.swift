import Generators
import StreamIO
import Testing
import TestSupport

/// `countRecords` against counting what `next()` hands out, on the same
/// input and limits: the same count, the same error (line, column, byte),
/// the same skipped records, and the same record where a stop ends it.
@Suite struct CSVCountTests {
  struct Outcome: Equatable, CustomStringConvertible {
    var count = 0
    var stoppedAt: Int?
    var error: String?
    var skipped: [String] = []
    /// The record `next()` reads after a stop: its place and fields (the reader's bookkeeping).
    var after: String?
    var description: String {
      "\(count) records, stopped at \(stoppedAt.map(String.init) ?? "end"), error \(error ?? "none"), skipped \(skipped), then \(after ?? "nothing")"
    }
  }

  static let dialect = CSVDialect(hasHeader: false)

  static func reader(_ path: String, bufferSize: Int, maxRecordSize: Int, skip: Bool, dialect: CSVDialect) throws -> CSVReader {
    try CSVReader(
      path: path, dialect: dialect, bufferSize: bufferSize, maxRecordSize: maxRecordSize, onError: skip ? .skip : .throw)
  }

  /// The next record after a stop, as `next()` reads it.
  static func after(_ reader: CSVReader) throws -> String? {
    guard let record = try reader.next() else { return nil }
    return "#\(record.number) line \(record.line) byte \(record.byteOffset): \((0..<record.count).map { Array(record.field($0)) })"
  }

  static func finish(_ outcome: inout Outcome, _ reader: CSVReader?, _ error: (any Error)?) {
    // A count cut short by an error is not compared: only the error is.
    if error != nil { outcome.count = 0 }
    if let error = error as? StreamIOError {
      outcome.error = "\(error.code) line \(error.line ?? -1) column \(error.column ?? -1) byte \(error.byteOffset ?? -1)"
    } else if let error {
      outcome.error = "\(error)"
    }
    outcome.skipped =
      reader?.skippedErrors.map { "\($0.code) line \($0.line ?? -1) column \($0.column ?? -1) byte \($0.byteOffset ?? -1)" } ?? []
  }

  /// Counted one record at a time with `next()`: the reference.
  static func counted(_ path: String, bufferSize: Int, maxRecordSize: Int, skip: Bool, stop: Int, dialect: CSVDialect) -> Outcome {
    var outcome = Outcome()
    var reader: CSVReader?
    do {
      reader = try Self.reader(path, bufferSize: bufferSize, maxRecordSize: maxRecordSize, skip: skip, dialect: dialect)
      while let record = try reader!.next() {
        if record.byteOffset >= stop {
          outcome.stoppedAt = record.byteOffset
          outcome.after = try after(reader!)
          break
        }
        if record.count > 0 { outcome.count += 1 }
      }
      finish(&outcome, reader, nil)
    } catch {
      finish(&outcome, reader, error)
    }
    return outcome
  }

  static func countRecords(_ path: String, bufferSize: Int, maxRecordSize: Int, skip: Bool, stop: Int, dialect: CSVDialect) -> Outcome {
    var outcome = Outcome()
    var reader: CSVReader?
    do {
      reader = try Self.reader(path, bufferSize: bufferSize, maxRecordSize: maxRecordSize, skip: skip, dialect: dialect)
      (outcome.count, outcome.stoppedAt) = try reader!.countRecords(before: stop)
      if outcome.stoppedAt != nil { outcome.after = try after(reader!) }
      finish(&outcome, reader, nil)
    } catch {
      finish(&outcome, reader, error)
    }
    return outcome
  }

  static func check(
    _ text: [UInt8], bufferSizes: [Int], maxRecordSizes: [Int], stops: [Int], dialect: CSVDialect = CSVCountTests.dialect
  ) throws {
    let file = try TemporaryFile(data: text)
    for bufferSize in bufferSizes {
      for maxRecordSize in maxRecordSizes {
        for skip in [false, true] {
          for stop in stops {
            let expected = counted(
              file.path, bufferSize: bufferSize, maxRecordSize: maxRecordSize, skip: skip, stop: stop, dialect: dialect)
            let got = countRecords(
              file.path, bufferSize: bufferSize, maxRecordSize: maxRecordSize, skip: skip, stop: stop, dialect: dialect)
            #expect(
              got == expected,
              "buffer \(bufferSize), max record \(maxRecordSize), skip \(skip), stop \(stop), input \(text.count) bytes: \(Array(text.prefix(200)))")
            if got != expected { return }
          }
        }
      }
    }
  }

  /// Short inputs made mostly of the bytes that matter (delimiters, quotes,
  /// LF, CR), good and bad, with limits below and above a block's 64 bytes.
  @Test func shortInputsOfTheBytesThatMatter() throws {
    var random = SplitMix64(seed: 13)
    let alphabet = Array("ab,\"\n\r\n\n,x".utf8)
    for _ in 0..<150 {
      let length = Int.random(in: 0...300, using: &random)
      let text = (0..<length).map { _ in alphabet.randomElement(using: &random)! }
      let stops = [Int.max, Int.random(in: 0...length + 1, using: &random)]
      try Self.check(text, bufferSizes: [1, 7, 64, 4096], maxRecordSizes: [1, 63, 64, 100, 4096], stops: stops)
    }
  }

  /// Long runs of plain records (the counted-by-block path) with now and
  /// then a blank line, a quoted field (with a line break inside), a CRLF or
  /// lone CR, and one bad record; line ends at every offset of a block.
  @Test func plainRecordsWithSomethingNowAndThen() throws {
    var random = SplitMix64(seed: 31)
    for round in 0..<12 {
      var text: [UInt8] = round % 3 == 0 ? [0xEF, 0xBB, 0xBF] : []
      for line in 0..<700 {
        let length = Int.random(in: 0...140, using: &random)
        for i in 0..<length { text.append(i % 9 == 4 ? 0x2C : UInt8(ascii: "a") &+ UInt8(i % 26)) }
        switch Int.random(in: 0..<40, using: &random) {
        case 0: text += Array("\"quoted,\nfield\"\"\"".utf8)
        case 1: text += [0x0D]
        case 2: text += [0x0D, 0x0A]
        case 3 where line == 350 && round % 2 == 1: text += Array("bad\"quote".utf8)
        case 4: text += [0x0A, 0x0A]
        default: break
        }
        text.append(0x0A)
      }
      if round % 4 == 1 { text += Array("no,line,break,at,the,end".utf8) }
      let stops = [Int.max, Int.random(in: 0...text.count, using: &random), Int.random(in: 0...text.count, using: &random)]
      // (A header read first, its records parsed ahead, in every other round.)
      let dialect = CSVDialect(hasHeader: round % 2 == 0)
      try Self.check(
        text, bufferSizes: [64, 100, 1000, CSVReader.defaultBufferSize], maxRecordSizes: [150, 4096], stops: stops, dialect: dialect)
    }
  }

  /// Another dialect's quote: a `"` is then a plain byte (counted by block),
  /// a `'` the quote the parser is handed.
  @Test func anotherQuoteAndDelimiter() throws {
    var text: [UInt8] = []
    for line in 0..<400 {
      text += Array("a\"b;\"c\";\(line)".utf8)
      if line % 17 == 3 { text += Array(";'quoted;\n\"field'".utf8) }
      text.append(0x0A)
    }
    try Self.check(
      text, bufferSizes: [64, 1000], maxRecordSizes: [4096], stops: [Int.max, text.count / 2, text.count / 3],
      dialect: CSVDialect(delimiter: ";", quote: "'", hasHeader: false))
  }

  /// A stop at every offset of a quote-free input: the count ends at the
  /// first record that starts at or after it, wherever that falls in a block.
  @Test func aStopAtEveryOffset() throws {
    var text: [UInt8] = []
    for length in 0..<90 {
      text += Array(repeating: UInt8(ascii: "z"), count: length % 13) + (length % 5 == 0 ? [0x0A, 0x0A] : [0x0A])
    }
    try Self.check(text, bufferSizes: [64, 4096], maxRecordSizes: [4096], stops: Array(0...text.count + 1))
  }

  /// A stop at every offset of an input with a byte-order mark, CRLF and
  /// lone CR line ends, blank lines and quoted line breaks.
  @Test func aStopAtEveryOffsetOfMixedLineEnds() throws {
    var text: [UInt8] = [0xEF, 0xBB, 0xBF]
    let pieces = ["a,b\r\n", "\"x\ny\",z\n", "\n", "plain,row,of,some,length\r", "\r\n", "q,\"\r\n\"\n", "last,one\n"]
    for index in 0..<40 { text += Array(pieces[index % pieces.count].utf8) + Array(repeating: UInt8(ascii: "w"), count: index % 9) + [0x0A] }
    try Self.check(text, bufferSizes: [64, 4096], maxRecordSizes: [4096], stops: Array(0...text.count + 1))
  }
}
