extension AsyncSequence where Self: Sendable {
  /// Delivers the elements no faster than `perSecond` on average, allowing
  /// bursts of up to `burst` after a pause (a ``TokenBucket`` per iteration).
  /// Upstream is asked for the next element only after a permit is granted,
  /// so a throttled API client fetches no faster either. Python: an
  /// `async for` loop with `await limiter.acquire()` in it.
  ///
  /// ```swift
  /// for try await page in pages.throttled(perSecond: 5, burst: 2) { … }
  /// ```
  public func throttled<C: Clock>(
    perSecond: Double, burst: Int = 1, clock: C = ContinuousClock()
  ) -> ThrottledSequence<Self, C> where C.Duration == Duration {
    ThrottledSequence(base: self, perSecond: perSecond, burst: burst, clock: clock)
  }
}

/// An async sequence slowed to a rate; see ``_Concurrency/AsyncSequence/throttled(perSecond:burst:clock:)``.
public struct ThrottledSequence<Base: AsyncSequence & Sendable, C: Clock>: AsyncSequence, Sendable
where C.Duration == Duration {
  public typealias Element = Base.Element
  let base: Base
  let perSecond: Double
  let burst: Int
  let clock: C

  public struct AsyncIterator: AsyncIteratorProtocol {
    var base: Base.AsyncIterator
    let bucket: TokenBucket<C>

    public mutating func next() async throws -> Base.Element? {
      try await bucket.acquire()
      return try await base.next()
    }
  }

  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: base.makeAsyncIterator(), bucket: TokenBucket(rate: perSecond, burst: burst, clock: clock))
  }
}
