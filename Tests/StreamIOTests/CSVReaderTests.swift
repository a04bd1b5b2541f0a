import Foundation
import StreamIO
import Testing
import TestSupport

/// A reference parser, written for clarity: character by character, the
/// RFC 4180 rules plus Python's reading of blank lines (no fields) and of a
/// lone CR outside quotes (a line end).
func referenceCSV(_ text: [UInt8], delimiter: UInt8 = 0x2C, quote: UInt8 = 0x22) -> [[[UInt8]]] {
  var records: [[[UInt8]]] = []
  var i = 0
  if text.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
  let n = text.count
  while i < n {
    if text[i] == 0x0A { records.append([]); i += 1; continue }
    if text[i] == 0x0D && i + 1 < n && text[i + 1] == 0x0A { records.append([]); i += 2; continue }
    if text[i] == 0x0D { records.append([]); i += 1; continue }
    var record: [[UInt8]] = []
    var field: [UInt8] = []
    var ended = false
    while !ended {
      if i < n && text[i] == quote {
        i += 1
        while true {
          precondition(i < n, "reference parser given an unterminated quote")
          if text[i] == quote {
            if i + 1 < n && text[i + 1] == quote { field.append(quote); i += 2; continue }
            i += 1
            break
          }
          field.append(text[i]); i += 1
        }
      } else {
        while i < n && text[i] != delimiter && text[i] != 0x0A && text[i] != 0x0D { field.append(text[i]); i += 1 }
      }
      record.append(field); field = []
      if i == n { ended = true }
      else if text[i] == delimiter { i += 1; if i == n { record.append([]); ended = true } }
      else if text[i] == 0x0A { i += 1; ended = true }
      else if text[i] == 0x0D && i + 1 < n && text[i + 1] == 0x0A { i += 2; ended = true }
      else if text[i] == 0x0D { i += 1; ended = true }
      else { preconditionFailure("reference parser given text after a closing quote") }
    }
    records.append(record)
  }
  return records
}

func readRecords(_ reader: CSVReader) throws -> [[[UInt8]]] {
  var records: [[[UInt8]]] = []
  while let record = try reader.next() {
    records.append((0..<record.count).map { Array(record.field($0)) })
  }
  return records
}

func utf8(_ records: [[String]]) -> [[[UInt8]]] { records.map { $0.map { Array($0.utf8) } } }

let nastyCSV = "\u{FEFF}name,note,qty\r\n"
  + "plain,simple,1\r\n"
  + "\"Smith, John\",\"said \"\"hi\"\"\",2\n"
  + "\"multi\nline\r\nfield\",,3\n"
  + ",,\n"
  + "\n"
  + "ragged,row\n"
  + "\"\",\"\"\"\",\"x\"\n"
  + "ünïcödé,\"é,\"\"ü\"\"\",4\r\n"
  + "trailing,delimiter,\n"
  + "lone\rcarriage,return\r"
  + "last,\"quoted at end\""

@Suite struct CSVReaderTests {
  @Test func rfc4180AndPythonCases() throws {
    let file = try TemporaryFile(contents: nastyCSV)
    let reader = try CSVReader(path: file.path, dialect: CSVDialect(hasHeader: false))
    let expected = utf8([
      ["name", "note", "qty"], ["plain", "simple", "1"], ["Smith, John", "said \"hi\"", "2"],
      ["multi\nline\r\nfield", "", "3"], ["", "", ""], [], ["ragged", "row"], ["", "\"", "x"],
      ["ünïcödé", "é,\"ü\"", "4"], ["trailing", "delimiter", ""], ["lone"], ["carriage", "return"],
      ["last", "quoted at end"],
    ])
    #expect(try readRecords(reader) == expected)
    #expect(referenceCSV(Array(nastyCSV.utf8)) == expected, "the reference parser agrees")
  }

  @Test func everyBufferSizeFromOneUp() throws {
    let text = Array((nastyCSV + "\n" + nastyCSV.dropFirst()).utf8)
    let expected = referenceCSV(text)
    let file = try TemporaryFile(data: text)
    for size in 1...300 {
      let got = try readRecords(CSVReader(path: file.path, dialect: CSVDialect(hasHeader: false), bufferSize: size))
      #expect(got == expected, "buffer size \(size)")
      if got != expected { break }
    }
  }

  /// `withLentFields` (what gen's expressions read a lent row through) gives
  /// each record's fields as `field(_:)` does: quoted, empty, ragged and
  /// blank records, on buffers small enough that records move between blocks.
  @Test func lentFieldsAreTheRecordsFields() throws {
    let text = nastyCSV + "\n" + nastyCSV.dropFirst()
    let file = try TemporaryFile(contents: text)
    for size in [1, 7, 64, 4096] {
      var records = 0
      try CSVReader(path: file.path, dialect: CSVDialect(hasHeader: false), bufferSize: size).forEachRecord { record in
        record.withLentFields { lent in
          #expect(lent.count == record.count, "buffer size \(size), record \(record.number)")
          for index in 0..<min(lent.count, record.count) {
            #expect(Array(lent.field(index)) == Array(record.field(index)), "buffer size \(size), record \(record.number)")
          }
        }
        records += 1
      }
      #expect(records == referenceCSV(Array(text.utf8)).count, "buffer size \(size)")
    }
  }

  /// Quote-free records (the batched path) whose line ends fall on every
  /// offset of a 64-byte block: LF only (blocks taken a record at a time), or
  /// mixed with CRLF (also split across blocks and reads) and lone CR (bit by
  /// bit); blank lines; a record with more fields than a batch holds.
  @Test(arguments: [[[0x0A]], [[0x0A], [0x0D, 0x0A], [0x0D]]] as [[[UInt8]]])
  func batchedRecordsAtEveryBlockOffset(endings: [[UInt8]]) throws {
    var text: [UInt8] = []
    var starts: [Int] = []
    for length in 0...150 {
      starts.append(text.count)
      for i in 0..<length { text.append(i % 7 == 3 ? 0x2C : UInt8(ascii: "a") + UInt8(i % 26)) }
      text += endings[length % endings.count]
    }
    starts.append(text.count)
    text += Array(repeating: Array("x,".utf8), count: 3000).joined() + [0x0A]
    let expected = referenceCSV(text)
    let file = try TemporaryFile(data: text)
    for size in [7, 64, 65, 100, 1000, CSVReader.defaultBufferSize] {
      let reader = try CSVReader(path: file.path, dialect: CSVDialect(hasHeader: false), bufferSize: size)
      var got: [[[UInt8]]] = []
      while let record = try reader.next() {
        got.append((0..<record.count).map { Array(record.field($0)) })
        guard got.count <= starts.count else { break }
        #expect(record.line == got.count, "line of record \(got.count), buffer \(size)")
        #expect(record.byteOffset == starts[got.count - 1], "offset of record \(got.count), buffer \(size)")
      }
      // The first difference, not two long arrays.
      let firstDifference = (0..<Swift.max(got.count, expected.count)).first {
        $0 >= got.count || $0 >= expected.count || got[$0] != expected[$0]
      }
      #expect(firstDifference == nil, "buffer size \(size): records differ from record \(firstDifference.map { $0 + 1 } ?? 0)")
    }
  }

  @Test func linesAndNumbersOfRecords() throws {
    let file = try TemporaryFile(contents: "a,b\n1,\"x\ny\"\n2,z\n")
    let reader = try CSVReader(path: file.path)
    #expect(reader.header == ["a", "b"])
    let first = try #require(try reader.next())
    #expect(first.number == 1 && first.line == 2 && first.byteOffset == 4)
    let second = try #require(try reader.next())
    #expect(second.number == 2 && second.line == 4)
    #expect(try reader.next() == nil)
  }

  /// Names that Swift's `String ==` finds equal (canonically equivalent)
  /// but Python's `str` does not are two columns, each found by its own name.
  @Test func headerNamesCompareByCodePoints() throws {
    let file = try TemporaryFile(contents: "\u{E9},e\u{301},\u{212A},K\n1,2,3,4\n")
    let reader = try CSVReader(path: file.path)
    #expect(try reader.column("\u{E9}") == 0)
    #expect(try reader.column("e\u{301}") == 1)
    #expect(try reader.column("\u{212A}") == 2)
    #expect(try reader.column("K") == 3)
    #expect(throws: StreamIOError.self) { try reader.column("E\u{301}") }
    let row = try #require(try reader.next())
    #expect(try row["e\u{301}", as: Int.self] == 2)
    #expect(try row.string("K") == "4")
  }

  @Test func headerNamesAndTypedAccess() throws {
    let file = try TemporaryFile(contents: "name,country,qty,price\nAnn,DE,3,2.50\nBob,US,-2,1e3\n")
    let reader = try CSVReader(path: file.path)
    let qty = try reader.column("qty")
    var rows: [(String, Int, Double)] = []
    while let row = try reader.next() {
      rows.append((try row.string("name"), try row[qty, as: Int.self], try row["price", as: Double.self]))
    }
    #expect(rows.map(\.0) == ["Ann", "Bob"])
    #expect(rows.map(\.1) == [3, -2])
    #expect(rows.map(\.2) == [2.5, 1000])
  }

  @Test func doublesMatchSwiftsParser() throws {
    let samples = ["0", "1.5", "-0.25", "12345.678", "0.1", "0.3", "99999999999999.9", "3.14159265358979",
                   "1e-7", "inf", "-nan", ".5", "5.", "+2.75", "123456789012345678"]
    let file = try TemporaryFile(contents: "v\n" + samples.joined(separator: "\n") + "\n")
    let reader = try CSVReader(path: file.path)
    for sample in samples {
      let row = try #require(try reader.next())
      let got = try row[0, as: Double.self]
      let expected = try #require(Double(sample))
      #expect(got == expected || (got.isNaN && expected.isNaN), "\(sample)")
    }
  }

  @Test func aFieldThatDoesNotConvertNamesItsPlace() throws {
    let file = try TemporaryFile(contents: "name,qty\nAnn,3\nBob,three\n")
    let reader = try CSVReader(path: file.path)
    _ = try reader.next()
    let row = try #require(try reader.next())
    let error = #expect(throws: StreamIOError.self) { try row["qty", as: Int.self] }
    #expect(error?.code == .invalidField)
    #expect(error?.line == 3 && error?.column == 5 && error?.byteOffset == 19)
    #expect(error?.message == "column \"qty\" (field 2): expected Int, found \"three\"")
  }

  @Test func unknownColumnIsAnError() throws {
    let file = try TemporaryFile(contents: "a,b\n1,2\n")
    let reader = try CSVReader(path: file.path)
    let error = #expect(throws: StreamIOError.self) { try reader.column("c") }
    #expect(error?.code == .missingColumn)
    #expect(error?.message.contains("columns: a, b") == true)
  }

  @Test func otherDialects() throws {
    let file = try TemporaryFile(contents: "a\tb\n'x\ty'\t'it''s'\n")
    let reader = try CSVReader(path: file.path, dialect: CSVDialect(delimiter: "\t", quote: "'"))
    let row = try #require(try reader.next())
    #expect(try row.strings() == ["x\ty", "it's"])
  }

  static let badInputs: [(text: String, code: StreamIOError.Code, line: Int, column: Int, byte: Int)] = [
    ("a,b\n1,\"open\n2,3\n", .unterminatedQuote, 2, 3, 6),
    ("a,b\n1,x\"y\n", .quoteInUnquotedField, 2, 4, 7),
    ("a,b\n\"q\"z,1\n", .textAfterClosingQuote, 2, 4, 7),
    ("a,b\n\"multi\nline\"x,1\n", .textAfterClosingQuote, 3, 6, 16),
  ]

  @Test(arguments: badInputs.indices)
  func badInputNamesLineColumnAndByte(_ index: Int) throws {
    let bad = Self.badInputs[index]
    let file = try TemporaryFile(contents: bad.text)
    let reader = try CSVReader(path: file.path)
    let error = #expect(throws: StreamIOError.self) { while try reader.next() != nil {} }
    #expect(error?.code == bad.code)
    #expect(error?.line == bad.line)
    #expect(error?.column == bad.column)
    #expect(error?.byteOffset == bad.byte)
    #expect(error?.description.hasPrefix("\(file.path):\(bad.line):\(bad.column): ") == true)
    #expect(!reader.source.isOpen)
  }

  @Test func skipModeCountsAndReportsBadRecords() throws {
    let text = "a,b\n1,2\n3,x\"y\n\"q\"z,4\n5,6\n7,\"open\n"
    let file = try TemporaryFile(contents: text)
    let reader = try CSVReader(path: file.path, onError: .skip)
    var good: [[String]] = []
    while let row = try reader.next() { good.append(try row.strings()) }
    #expect(good == [["1", "2"], ["5", "6"]])
    #expect(reader.skippedRecords == 3)
    #expect(reader.skippedErrors.map(\.line) == [3, 4, 6])
    #expect(reader.skippedErrors.map(\.code) == [.quoteInUnquotedField, .textAfterClosingQuote, .unterminatedQuote])
  }

  @Test func recordOverTheMaximumIsAnError() throws {
    let text = "a,b\n1,2\n" + String(repeating: "x", count: 200) + ",3\n4,5\n"
    let file = try TemporaryFile(contents: text)
    let reader = try CSVReader(path: file.path, bufferSize: 16, maxRecordSize: 100)
    _ = try reader.next()
    let error = #expect(throws: StreamIOError.self) { try reader.next() }
    #expect(error?.code == .recordTooLarge)
    #expect(error?.line == 3)
    let skipping = try CSVReader(path: file.path, bufferSize: 16, maxRecordSize: 100, onError: .skip)
    var values: [String] = []
    while let row = try skipping.next() { values.append(try row.string(0)) }
    #expect(values == ["1", "4"])
    #expect(skipping.skippedRecords == 1)
  }
}

@Suite struct CSVReaderBoundaryTests {
  /// Found by the fuzzer: the same input and limits must give the same
  /// records and errors whatever the buffer size.
  @Test(arguments: [[UInt8]([0x0A, 0x00, 0xBD, 0x0A]), [0x00, 0x00, 0x3D, 0x22], Array("\"abc".utf8)], [false, true])
  func bufferSizeNeverChangesTheOutcome(_ input: [UInt8], skip: Bool) throws {
    let file = try TemporaryFile(data: input)
    func outcome(_ bufferSize: Int) -> [String] {
      var result: [String] = []
      do {
        let reader = try CSVReader(
          path: file.path, dialect: CSVDialect(hasHeader: false), bufferSize: bufferSize, maxRecordSize: 1,
          onError: skip ? .skip : .throw)
        while let row = try reader.next() {
          result.append("\(row.number)@\(row.line):\((0..<row.count).map { Array(row.field($0)) })")
        }
        for error in reader.skippedErrors { result.append("skipped \(error.code) line \(error.line ?? -1)") }
      } catch {
        result.append("\(error.code) line \(error.line ?? -1) byte \(error.byteOffset ?? -1)")
      }
      return result
    }
    let reference = outcome(65536)
    for size in 1...8 { #expect(outcome(size) == reference, "buffer size \(size)") }
  }
}

/// Numbers read from a reader's buffer (eight bytes at a time) against Swift's
/// own parsers, on many short fields made of digits, dots, signs and letters.
@Suite struct CSVNumberTests {
  @Test func shortNumbersMatchSwiftsParsers() throws {
    var generator = SystemRandomNumberGenerator()
    let alphabet = Array("0123456789012345678901234567890123456789..-+eE x")
    var samples: [String] = []
    for length in 1...12 {
      for _ in 0..<1500 {
        samples.append(String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
      }
    }
    samples += ["0", "00000000", "99999999", "12345678", "1234567.", ".1234567", "0.000001", "9999.99", "1.", "."]
    // Single-column CSV: no field holds a delimiter, quote or line break.
    let file = try TemporaryFile(contents: "v\n" + samples.joined(separator: "\n") + "\n")
    let reader = try CSVReader(path: file.path)
    for sample in samples {
      let row = try #require(try reader.next())
      let double = try? row[0, as: Double.self]
      let expectedDouble = sample.contains(where: { $0 == "x" || $0 == "X" }) ? nil : Double(sample)
      #expect(
        double == expectedDouble || (double?.isNaN == true && expectedDouble?.isNaN == true),
        "Double \(sample): \(String(describing: double)) vs \(String(describing: expectedDouble))")
      #expect((try? row[0, as: Int.self]) == Int(sample), "Int \(sample)")
    }
    #expect(try reader.next() == nil)
  }
}
