import StreamIO
import Testing

/// ``ByteWords``' eight-bytes-at-a-time answers against the same question
/// asked of each byte, for every span length around the word size and a
/// marked byte at every position (a borrow from one byte must not hide or
/// invent another).
@Suite struct ByteWordsTests {
  @Test func anyAgreesWithTheByteByByteAnswer() {
    let sets: [(String, (UInt64) -> UInt64, (UInt8) -> Bool)] = [
      ("quote or CR", { ByteWords.equal($0, 0x22) | ByteWords.equal($0, 0x0D) }, { $0 == 0x22 || $0 == 0x0D }),
      ("control or high", { ByteWords.control($0) | ByteWords.high($0) }, { $0 < 0x20 || $0 >= 0x80 }),
      ("zero", { ByteWords.equal($0, 0) }, { $0 == 0 }),
    ]
    // Bytes next to the marked ones (0x21, 0x23, 0x1F, 0x20, 0x7F, 0x01) are where a borrow would go wrong.
    let plain: [UInt8] = [0x21, 0x23, 0x20, 0x7F, 0x01, 0x41, 0x0C, 0x0E]
    let marked: [UInt8] = [0x22, 0x0D, 0x1F, 0x00, 0x80, 0xFF]
    for (name, marks, isMarked) in sets {
      for length in 0...40 {
        for plainByte in plain {
          var bytes = [UInt8](repeating: plainByte, count: length)
          for position in -1..<length {
            for mark in marked {
              if position >= 0 { bytes[position] = mark }
              let expected = bytes.contains(where: isMarked)
              let got = bytes.withUnsafeBytes { ByteWords.any(in: $0, marks: marks, isMarked: isMarked) }
              #expect(got == expected, "\(name): \(bytes)")
              if position >= 0 { bytes[position] = plainByte }
              if position < 0 { break }
            }
          }
        }
      }
    }
  }

  @Test func theLowestMarkIsTheFirstMatch() {
    for first in 0..<8 {
      for later in first..<8 {
        var bytes = [UInt8](repeating: 0x21, count: 8)
        bytes[first] = 0x22
        bytes[later] = 0x22
        let word = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        #expect(ByteWords.equal(word, 0x22).trailingZeroBitCount / 8 == first)
      }
    }
  }

  @Test func copyCopiesExactlyTheCountAsked() {
    let source = (0..<48).map { UInt8($0 + 1) }  // read up to 7 past the copied bytes
    for count in 0...40 {
      var destination = [UInt8](repeating: 0, count: 48)
      source.withUnsafeBytes { from in
        destination.withUnsafeMutableBytes { ByteWords.copy(from.baseAddress!, count: count, to: $0.baseAddress!) }
      }
      #expect(Array(destination[..<count]) == Array(source[..<count]))
    }
  }
}
