// Numbers read from a reader's buffer, eight bytes at a time past the
// field's end (CSVNumbers.shortDecimal, ExpressionValue.readNumber(inBuffer:)),
// against the loops that read the same bytes anywhere.
@testable import GenCommand
import StreamIO
import Testing

@Suite struct BufferNumberTests {
  /// Every field of 1 to 9 bytes from a small alphabet, and random longer
  /// ones, each followed by other bytes, as a field in a buffer is.
  func fields() -> [[UInt8]] {
    let alphabet = Array("0179.-+e ax".utf8)
    var fields: [[UInt8]] = [[]]
    var frontier: [[UInt8]] = [[]]
    for _ in 1...4 {
      frontier = frontier.flatMap { prefix in alphabet.map { prefix + [$0] } }
      fields += frontier
    }
    var random = SystemRandomNumberGenerator()
    for _ in 0..<20_000 {
      fields.append((0..<Int.random(in: 5...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
    }
    return fields
  }

  @Test func shortDecimalsAreWhatTheDecimalSumReads() {
    for field in fields() {
      withBuffered(field) { bytes in
        guard let (digits, fraction) = CSVNumbers.shortDecimal(inBuffer: bytes) else { return }
        let parsed = DecimalSum.parse(bytes)
        #expect(parsed?.mantissa == digits && parsed?.scale == fraction, "\(String(decoding: field, as: UTF8.self))")
      }
    }
  }

  @Test func numbersInABufferReadAsAnywhere() {
    for field in fields() {
      withBuffered(field) { bytes in
        let fast = ExpressionValue.readNumber(inBuffer: bytes), slow = ExpressionValue.readNumber(bytes)
        #expect(describe(fast) == describe(slow), "\(String(decoding: field, as: UTF8.self))")
      }
    }
  }

  func describe(_ value: ExpressionValue?) -> String {
    switch value {
    case .integer(let n)?: "int \(n)"
    case .double(let d)?: "double \(d.bitPattern)"
    case nil: "nil"
    default: "other"
    }
  }

  /// `field` at the start of a buffer with digits after it (what a short
  /// read past the end would wrongly take for more of the number).
  func withBuffered(_ field: [UInt8], _ body: (UnsafeRawBufferPointer) -> Void) {
    let buffer = field + Array("12345678.9012345678".utf8)
    buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<field.count])) }
  }
}
