extension Sequence {
  /// Shows progress while the elements are iterated: a live bar on a
  /// terminal (percent, count, rate, elapsed, ETA), plain lines now and then
  /// when standard error is not a terminal, nothing when `output` is
  /// `.silent`. Python's `tqdm(iterable, total=..., desc=...)`.
  ///
  /// ```swift
  /// import StreamIO                                   // CSVReader
  /// for row in try CSVReader(path: "sales.csv").progress(label: "rows") { … }
  /// // rows: 1234567 [00:03, 411k it/s]
  /// ```
  ///
  /// The bar is redrawn at most ~10 times a second and finished (with a
  /// newline) when the iteration ends, or when it is abandoned (`break`).
  ///
  /// - Parameters:
  ///   - total: how many elements to expect, if known (then: percent and ETA).
  ///   - label: printed before the bar.
  /// - Complexity: under a nanosecond per element: a counter, and a clock read
  ///   about once a millisecond.
  @inlinable
  public func progress(
    total: Int? = nil, label: String = "", output: ProgressOutput = .automatic
  ) -> ProgressSequence<Self> {
    ProgressSequence(base: self, makeReporter: { ProgressReporter(total: total, label: label, output: output) })
  }

  /// Shows progress measured in bytes: `weight` says how many bytes each
  /// element stands for (a line's length plus its newline, a chunk's count).
  /// Python: `tqdm(total=size, unit="B", unit_scale=True)` updated by hand.
  @inlinable
  public func progress(
    totalBytes: Int?, label: String = "", output: ProgressOutput = .automatic,
    bytes weight: @escaping (Element) -> Int
  ) -> ProgressSequence<Self> {
    ProgressSequence(
      base: self,
      makeReporter: { ProgressReporter(total: totalBytes, label: label, unit: .bytes, output: output) },
      weight: weight)
  }
}

/// A sequence that reports its iteration's progress; see
/// ``Swift/Sequence/progress(total:label:output:)``.
public struct ProgressSequence<Base: Sequence> {
  @usableFromInline let base: Base
  @usableFromInline let makeReporter: () -> ProgressReporter
  @usableFromInline let weight: ((Base.Element) -> Int)?

  @inlinable
  init(base: Base, makeReporter: @escaping () -> ProgressReporter, weight: ((Base.Element) -> Int)? = nil) {
    self.base = base
    self.makeReporter = makeReporter
    self.weight = weight
  }
}

extension ProgressSequence: Sequence {
  public struct Iterator: IteratorProtocol {
    @usableFromInline var base: Base.Iterator
    /// Finishes the display when the iteration ends or is abandoned (deinit).
    /// Its count lags this iterator's by less than one clock-read stride.
    public let reporter: ProgressReporter
    @usableFromInline let weight: ((Base.Element) -> Int)?
    // Counted here, where they stay in registers, and handed to the reporter
    // only when the countdown runs out: under a nanosecond per element.
    @usableFromInline var pending = 0
    @usableFromInline var countdown = 1

    @inlinable
    init(base: Base.Iterator, reporter: ProgressReporter, weight: ((Base.Element) -> Int)?) {
      self.base = base
      self.reporter = reporter
      self.weight = weight
    }

    @inlinable
    public mutating func next() -> Base.Element? {
      guard let element = base.next() else {
        _ = reporter.add(pending)
        pending = 0
        reporter.finish()
        return nil
      }
      if let weight {
        pending &+= weight(element)
      } else {
        pending &+= 1
      }
      countdown &-= 1
      if _slowPath(countdown == 0) {
        countdown = reporter.add(pending)
        pending = 0
      }
      return element
    }

    /// Elements (or bytes) counted so far, exactly.
    @inlinable
    public var count: Int { reporter.count + pending }
  }

  @inlinable
  public func makeIterator() -> Iterator {
    Iterator(base: base.makeIterator(), reporter: makeReporter(), weight: weight)
  }

  @inlinable
  public var underestimatedCount: Int { base.underestimatedCount }
}

extension AsyncSequence {
  /// Shows progress while the elements arrive; see
  /// ``Swift/Sequence/progress(total:label:output:)``. Python: `tqdm` around
  /// an `async for` (`tqdm.asyncio`).
  @inlinable
  public func progress(
    total: Int? = nil, label: String = "", output: ProgressOutput = .automatic
  ) -> AsyncProgressSequence<Self> {
    AsyncProgressSequence(base: self, total: total, label: label, output: output)
  }
}

/// An async sequence that reports its iteration's progress.
public struct AsyncProgressSequence<Base: AsyncSequence>: AsyncSequence {
  public typealias Element = Base.Element
  public typealias Failure = Base.Failure
  @usableFromInline let base: Base
  @usableFromInline let total: Int?
  @usableFromInline let label: String
  @usableFromInline let output: ProgressOutput

  @inlinable
  init(base: Base, total: Int?, label: String, output: ProgressOutput) {
    self.base = base
    self.total = total
    self.label = label
    self.output = output
  }

  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline var base: Base.AsyncIterator
    public let reporter: ProgressReporter

    @inlinable
    init(base: Base.AsyncIterator, reporter: ProgressReporter) {
      self.base = base
      self.reporter = reporter
    }

    @inlinable
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(Base.Failure) -> Base.Element? {
      guard let element = try await base.next(isolation: actor) else {
        reporter.finish()
        return nil
      }
      reporter.advance()
      return element
    }
  }

  @inlinable
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: base.makeAsyncIterator(), reporter: ProgressReporter(total: total, label: label, output: output))
  }
}
