// CSVRangeReader and CSVSplit: ranges read in parallel give the file's records,
// and a range that starts inside a record is told apart.
import Foundation
@testable import StreamIO
import Testing

@Suite struct CSVRangeReaderTests {
  static let text = "id,note\n1,plain\n2,\"two\nlines\"\n3,\"a \"\"quote\"\"\"\r\n\n4,\"x\ry\"\n5,last\n"

  func withFile<R>(_ body: (String) throws -> R) throws -> R {
    let path = NSTemporaryDirectory() + "range-\(UUID().uuidString).csv"
    try Self.text.write(toFile: path, atomically: false, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
  }

  /// The records' fields as one reader gives them.
  func records(_ reader: () throws -> CSVRecord?) throws -> [[String]] {
    var out: [[String]] = []
    while let record = try reader() { out.append(try (0..<record.count).map { try record.string($0) }) }
    return out
  }

  @Test func twoRangesAtEveryOffset() throws {
    try withFile { path in
      let whole = try CSVReader(path: path)
      let expected = try records { try whole.next() }
      // The true record starts (after the header), from one reader.
      let plain = try CSVReader(path: path, dialect: CSVDialect(hasHeader: false))
      var starts: Set<Int> = []
      while let record = try plain.next() { starts.insert(record.byteOffset) }
      starts.remove(0)
      for offset in 1..<Self.text.utf8.count {
        let first = try CSVRangeReader(path: path, range: 0..<offset)
        var got = try records { try first.next() }
        #expect(first.endedAtBoundary == starts.contains(offset), "offset \(offset)")
        if first.endedAtBoundary {
          #expect(first.nextRecordStart == offset)
          let second = try CSVRangeReader(path: path, range: offset..<Int.max)
          got += try records { try second.next() }
          #expect(second.endedAtBoundary)
          #expect(got == expected, "offset \(offset)")
        } else if let next = first.nextRecordStart {
          // Read again from the true start: the file's records.
          let second = try CSVRangeReader(path: path, range: next..<Int.max)
          got += try records { try second.next() }
          #expect(got == expected, "offset \(offset), again from \(next)")
        }
      }
    }
  }

  @Test func splitStartsAreRecordStarts() throws {
    var text = "id,note,n\n"
    for index in 0..<5_000 {
      text += index % 4 == 0 ? "\(index),\"looks\n\(index),like,a row\n\",\(index)\n" : "\(index),\"a,b\",\(index)\n"
    }
    let path = NSTemporaryDirectory() + "split-\(UUID().uuidString).csv"
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let starts = try CSVSplit.starts(path: path, count: 6, firstRecord: 0, columns: 3)
    #expect(starts.count == 6)
    var total = 0
    for (index, start) in starts.enumerated() {
      let end = index + 1 < starts.count ? starts[index + 1] : Int.max
      let part = try CSVRangeReader(path: path, range: start..<end)
      while let record = try part.next() {
        #expect(record.count == 3)
        total += 1
      }
      #expect(part.endedAtBoundary, "range \(index)")
    }
    #expect(total == 5_000)
    // Looked for on several threads, the starts are the same, however many splits.
    for count in [2, 6, 50, 400] {
      let one = try CSVSplit.starts(path: path, count: count, firstRecord: 0, columns: 3)
      for threads in [2, 3] {
        #expect(try CSVSplit.starts(path: path, count: count, firstRecord: 0, columns: 3, threads: threads) == one)
      }
    }
  }

  /// `firstRecordEnd` (which finds quotes with memchr) against a byte-by-byte
  /// reading, on seeded random text of quotes, doubled quotes, delimiters,
  /// CR and LF, read from inside quotes and from outside, with `"` and with
  /// `'` as the quote.
  @Test(arguments: [UInt8(ascii: "\""), UInt8(ascii: "'")])
  func firstRecordEndAsReadByteByByte(quote: UInt8) {
    func reference(_ bytes: [UInt8], quoted: Bool) -> Int? {
      var inQuotes = quoted
      var i = 0
      while i < bytes.count {
        let byte = bytes[i]
        if inQuotes {
          if byte == quote {
            if i + 1 < bytes.count && bytes[i + 1] == quote { i += 2; continue }
            inQuotes = false
          }
        } else if byte == quote {
          inQuotes = true
        } else if byte == 0x0A {
          return i + 1
        } else if byte == 0x0D {
          return i + 1 < bytes.count && bytes[i + 1] == 0x0A ? i + 2 : i + 1
        }
        i += 1
      }
      return nil
    }
    let dialect = CSVDialect(quote: Character(UnicodeScalar(quote)))
    var state: UInt64 = 5
    func next(_ bound: Int) -> Int {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Int((state >> 33) % UInt64(bound))
    }
    // (The other quote character is an ordinary byte here.)
    let alphabet: [UInt8] = [UInt8(ascii: "a"), UInt8(ascii: ","), quote, quote, quote, 0x0A, 0x0D, UInt8(ascii: "\"") ^ UInt8(ascii: "'") ^ quote]
    for _ in 0..<20_000 {
      let bytes = (0..<next(25)).map { _ in alphabet[next(alphabet.count)] }
      for quoted in [false, true] {
        let got = bytes.withUnsafeBytes { CSVSplit.firstRecordEnd($0, quoted: quoted, dialect: dialect) }
        #expect(got == reference(bytes, quoted: quoted), "\(String(decoding: bytes, as: UTF8.self).debugDescription) quoted: \(quoted)")
      }
    }
  }
}
