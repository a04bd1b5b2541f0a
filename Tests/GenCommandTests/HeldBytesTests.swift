// `gen batch`'s held batch: its own growing buffer, against an array.
@testable import GenCommand
import Testing

@Suite struct HeldBytesTests {
  @Test func heldBytesAreWhatWasWrittenAcrossGrowth() {
    var random = SystemRandomNumberGenerator()
    let held = HeldBytes(capacity: 0)
    var expected: [UInt8] = []
    for round in 0..<2_000 {
      let piece = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
      switch round % 4 {
      case 0:
        piece.withUnsafeBytes { held.write($0) }
        expected += piece
      case 1:
        held.write(byte: piece.first ?? 7)
        expected.append(piece.first ?? 7)
      case 2:
        let text = String(repeating: "é,", count: piece.count % 5)
        held.write(text)
        expected += Array(text.utf8)
      default:  // in place: room for more than is written
        held.writeInPlace(upTo: piece.count + 8) { output in
          piece.withUnsafeBytes { if let base = $0.baseAddress { output.copyMemory(from: base, byteCount: piece.count) } }
          return piece.count
        }
        expected += piece
      }
      #expect(held.count == expected.count)
    }
    #expect(Array(held.bytes) == expected)
  }
}
