import Foundation

/// An approximate count of distinct values in 4 KiB, whatever their number:
/// a HyperLogLog (Flajolet et al. 2007) of 4,096 registers, read with Ertl's
/// improved estimator (2017), which needs no bias tables and is nearly exact
/// for small counts. Standard error 1.04/√4096 = 1.6%: within 4.9% (three
/// standard errors) for 99.7% of columns.
///
/// Values are hashed as written (their UTF-8 bytes), with a fixed hash, so
/// sketches merge by taking each register's maximum: the same values give
/// the same sketch in any order or split (byte-identical `--threads` and
/// `--merge` tables).
///
/// Python: `len(set(values))`, which holds every distinct value in memory.
struct DistinctSketch {
  static let precision = 12
  static let registerCount = 1 << precision
  private(set) var registers = [UInt8](repeating: 0, count: DistinctSketch.registerCount)

  init() {}

  /// Registers as ``registers`` gave them (`stats`' spill files).
  init(registers: [UInt8]) {
    precondition(registers.count == Self.registerCount, "\(registers.count) registers, not \(Self.registerCount)")
    self.registers = registers
  }

  init?(hex: String) {
    let bytes = Array(hex.utf8)
    guard bytes.count == 2 * Self.registerCount else { return nil }
    func nibble(_ byte: UInt8) -> UInt8? {
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
      default: nil
      }
    }
    for index in 0..<Self.registerCount {
      guard let high = nibble(bytes[2 * index]), let low = nibble(bytes[2 * index + 1]) else { return nil }
      registers[index] = high << 4 | low
      if registers[index] > 64 - Self.precision + 1 { return nil }
    }
  }

  @inline(__always)
  mutating func add(_ bytes: UnsafeRawBufferPointer) {
    let hash = Self.hash(bytes)
    let index = Int(hash >> UInt64(64 - Self.precision))
    // The rank of the first 1 bit among the other 52 bits (53 if all are 0).
    let rest = hash << UInt64(Self.precision) | (1 << UInt64(Self.precision - 1))
    let rank = UInt8(rest.leadingZeroBitCount + 1)
    if rank > registers[index] { registers[index] = rank }
  }

  mutating func add(_ text: String) {
    var text = text
    text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
  }

  mutating func merge(_ other: DistinctSketch) {
    for index in 0..<Self.registerCount where other.registers[index] > registers[index] {
      registers[index] = other.registers[index]
    }
  }

  /// FNV-1a over the bytes, then MurmurHash3's finalizer to spread the bits.
  @inline(__always)
  static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
      h ^= UInt64(byte)
      h = h &* 0x100_0000_01b3
    }
    h ^= h >> 33
    h = h &* 0xff51_afd7_ed55_8ccd
    h ^= h >> 33
    h = h &* 0xc4ce_b9fe_1a85_ec53
    h ^= h >> 33
    return h
  }

  /// Ertl's improved raw estimate (Algorithm 6 of "New cardinality
  /// estimation algorithms for HyperLogLog sketches", 2017).
  var estimate: Double {
    let m = Double(Self.registerCount)
    let q = 64 - Self.precision
    var histogram = [Int](repeating: 0, count: q + 2)
    for register in registers { histogram[Int(register)] += 1 }
    var z = m * Self.tau(1 - Double(histogram[q + 1]) / m)
    for k in stride(from: q, through: 1, by: -1) {
      z += Double(histogram[k])
      z *= 0.5
    }
    z += m * Self.sigma(Double(histogram[0]) / m)
    return (0.5 / Foundation.log(2.0)) * m * m / z
  }

  private static func sigma(_ x: Double) -> Double {
    guard x < 1 else { return .infinity }
    var x = x, y = 1.0, z = x, previous = 0.0
    repeat {
      x *= x
      previous = z
      z += x * y
      y += y
    } while z != previous
    return z
  }

  private static func tau(_ x: Double) -> Double {
    guard x > 0 && x < 1 else { return 0 }
    var x = x, y = 1.0, z = 1 - x, previous = 0.0
    repeat {
      x = x.squareRoot()
      previous = z
      y *= 0.5
      z -= (1 - x) * (1 - x) * y
    } while z != previous
    return z / 3
  }

  /// For partials: the registers as hexadecimal.
  var hex: String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(2 * Self.registerCount)
    for register in registers {
      out.append(digits[Int(register >> 4)])
      out.append(digits[Int(register & 0xF)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}
