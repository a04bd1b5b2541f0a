/// The waits between retries, as an infinite sequence: exponential growth up
/// to a cap, with optional jitter. Python: the tutorial's "yield increasing
/// wait times between API retries" generator.
///
/// ```swift
/// for (attempt, wait) in Backoff(initial: .milliseconds(100), jitter: .none).prefix(4).enumerated() {
///   print(attempt, wait)   // 100 ms, 200 ms, 400 ms, 800 ms
/// }
/// ```
///
/// - `.none`: `initial × multiplierⁿ`, capped at `maximum`.
/// - `.full`: a uniform random wait between 0 and that (AWS "full jitter"),
///   which spreads out clients that failed together.
/// - `.decorrelated`: a uniform random wait between `initial` and three times
///   the previous wait, capped (AWS "decorrelated jitter").
///
/// Pass a `seed` for repeatable waits in tests.
public struct Backoff: Sequence, Sendable {
  public enum Jitter: Sendable, Hashable {
    case none
    case full
    case decorrelated
  }

  public var initial: Duration
  public var multiplier: Double
  public var maximum: Duration
  public var jitter: Jitter
  public var seed: UInt64?

  public init(
    initial: Duration = .milliseconds(100), multiplier: Double = 2, maximum: Duration = .seconds(30),
    jitter: Jitter = .full, seed: UInt64? = nil
  ) {
    precondition(initial > .zero, "Backoff needs a positive initial wait, got \(initial)")
    precondition(multiplier >= 1, "Backoff needs a multiplier of at least 1, got \(multiplier)")
    precondition(maximum >= initial, "Backoff's maximum \(maximum) is below its initial wait \(initial)")
    self.initial = initial
    self.multiplier = multiplier
    self.maximum = maximum
    self.jitter = jitter
    self.seed = seed
  }

  public struct Iterator: IteratorProtocol {
    let backoff: Backoff
    var exponential: Double  // seconds, before jitter
    var previous: Double  // seconds, the last wait (decorrelated jitter)
    var random: SplitMix64

    public mutating func next() -> Duration? {
      let cap = backoff.maximum.seconds
      let wait: Double
      switch backoff.jitter {
      case .none:
        wait = Swift.min(exponential, cap)
      case .full:
        wait = random.nextUnit() * Swift.min(exponential, cap)
      case .decorrelated:
        let low = backoff.initial.seconds
        wait = Swift.min(cap, low + random.nextUnit() * Swift.max(0, previous * 3 - low))
      }
      exponential = Swift.min(exponential * backoff.multiplier, cap)
      previous = wait
      return .nanoseconds(Int64(wait * 1e9))
    }
  }

  public func makeIterator() -> Iterator {
    var seedSource = SystemRandomNumberGenerator()
    return Iterator(
      backoff: self, exponential: initial.seconds, previous: initial.seconds,
      random: SplitMix64(seed: seed ?? seedSource.next()))
  }
}

extension Duration {
  var seconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) / 1e18
  }
}

/// A small, fast, seedable random number generator (Steele, Lea, Flood 2014):
/// the jitter's and the UUIDs' randomness, and the tests' repeatable data.
package struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  package init(seed: UInt64) { state = seed }

  package mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform value in [0, 1).
  mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
