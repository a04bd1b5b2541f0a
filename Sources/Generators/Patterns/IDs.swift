#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Milliseconds since the Unix epoch from the system's wall clock: the ID
/// generators' default `clock`.
@usableFromInline
func unixMilliseconds() -> Int64 {
  var ts = timespec()
  clock_gettime(CLOCK_REALTIME, &ts)
  return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// 64-bit IDs unique across processes and machines, ordered by time:
/// 41 bits of milliseconds since `epoch`, 10 bits of node, 12 bits of
/// sequence (Twitter's Snowflake layout). Python: the tutorial's "yield
/// unique sequential identifiers across microservices".
///
/// ```swift
/// let ids = SnowflakeIDs(node: 7)
/// let id = try ids.next()
/// ```
///
/// - IDs always increase, even when the wall clock steps back (the last
///   timestamp is kept until the clock passes it).
/// - At most 4,096 IDs per millisecond per node: the 4,097th throws
///   ``IDError/sequenceExhausted`` instead of risking a duplicate.
/// - Give every process its own `node` (0…1023); IDs of different nodes never collide.
public final class SnowflakeIDs {
  public let node: Int64
  /// Milliseconds since the Unix epoch that count as 0 (default 2020-01-01).
  public let epoch: Int64
  let clock: () -> Int64
  var lastMilliseconds: Int64 = -1
  var sequence: Int64 = 0

  public init(node: Int, epoch: Int64 = 1_577_836_800_000, clock: @escaping () -> Int64 = unixMilliseconds) {
    precondition((0..<1024).contains(node), "Snowflake node must be in 0...1023, got \(node)")
    self.node = Int64(node)
    self.epoch = epoch
    self.clock = clock
  }

  /// The next ID.
  public func next() throws(IDError) -> Int64 {
    let now = max(clock(), lastMilliseconds)  // never go back in time
    if now == lastMilliseconds {
      sequence += 1
      guard sequence < 4096 else {
        sequence -= 1
        throw .sequenceExhausted(millisecond: now)
      }
    } else {
      sequence = 0
      lastMilliseconds = now
    }
    let elapsed = now - epoch
    guard elapsed >= 0 && elapsed < (1 << 41) else { throw .clockOutOfRange(milliseconds: now) }
    return elapsed << 22 | node << 12 | sequence
  }

  /// The parts of an ID: milliseconds since the Unix epoch, node, sequence.
  public func parts(of id: Int64) -> (milliseconds: Int64, node: Int, sequence: Int) {
    ((id >> 22) + epoch, Int((id >> 12) & 1023), Int(id & 4095))
  }
}

/// Why an ID could not be made.
public enum IDError: Error, Hashable, Sendable, CustomStringConvertible {
  /// 4,096 Snowflake IDs were already made in this millisecond on this node.
  case sequenceExhausted(millisecond: Int64)
  /// The clock is before the epoch or more than 69 years after it.
  case clockOutOfRange(milliseconds: Int64)

  public var description: String {
    switch self {
    case .sequenceExhausted(let ms):
      "Snowflake sequence exhausted: 4096 IDs already made in millisecond \(ms) on this node; "
        + "retry in the next millisecond or spread the load over more nodes"
    case .clockOutOfRange(let ms): "the clock reads \(ms) ms since 1970, outside what 41 bits after the epoch can hold"
    }
  }
}

/// UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit
/// counter that keeps IDs made in the same millisecond in order, then 62
/// random bits. Sorts by creation time; unique without coordination.
///
/// ```swift
/// import Foundation                 // UUID
/// let uuids = UUIDv7Generator()
/// let id = uuids.next()            // e.g. "019d1f2a-6b4c-7000-8f3e-5a1b2c3d4e5f"
/// let foundation = UUID(uuid: id.uuid)
/// ```
public final class UUIDv7Generator {
  let clock: () -> Int64
  var random: SplitMix64
  var lastMilliseconds: Int64 = -1
  var counter: UInt16 = 0

  public init(clock: @escaping () -> Int64 = unixMilliseconds, seed: UInt64? = nil) {
    self.clock = clock
    var system = SystemRandomNumberGenerator()
    random = SplitMix64(seed: seed ?? system.next())
  }

  /// The next UUID; always greater than the previous one from this generator.
  public func next() -> UUIDv7 {
    var now = max(clock(), lastMilliseconds)
    if now == lastMilliseconds {
      if counter == 0x0FFF {
        now += 1  // counter full: borrow the next millisecond rather than repeat
        counter = UInt16(random.next() & 0x01FF)
      } else {
        counter += 1
      }
    } else {
      counter = UInt16(random.next() & 0x01FF)  // random start, room to count up
    }
    lastMilliseconds = now
    let tail = random.next()
    var bytes = [UInt8](repeating: 0, count: 16)
    for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: now >> (8 * (5 - i))) }
    bytes[6] = 0x70 | UInt8(counter >> 8)
    bytes[7] = UInt8(truncatingIfNeeded: counter)
    bytes[8] = 0x80 | UInt8(truncatingIfNeeded: tail >> 56) & 0x3F
    for i in 9..<16 { bytes[i] = UInt8(truncatingIfNeeded: tail >> (8 * (15 - i))) }
    return UUIDv7(bytes: bytes)
  }
}

/// A version 7 UUID; `uuid` converts to Foundation's `UUID(uuid:)`.
public struct UUIDv7: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let bytes: [UInt8]

  public var uuid: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) {
    (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
     bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])
  }

  /// Unix milliseconds when it was made.
  public var milliseconds: Int64 { bytes[0..<6].reduce(0) { $0 << 8 | Int64($1) } }

  public var description: String {
    let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    let cut = [8, 12, 16, 20]
    var result = ""
    for (i, character) in hex.enumerated() {
      if cut.contains(i) { result += "-" }
      result.append(character)
    }
    return result
  }

  public static func < (a: UUIDv7, b: UUIDv7) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}
