/// A type that is both a `Sequence` and an `AsyncSequence`: a `Generator` or
/// `Coroutine`, and the StreamIO readers. Both protocols have `batched`,
/// `windowed`, `tee` and the rest, so `let b = g.batched(3)` would be
/// ambiguous; the forms below, on this more specific protocol, pick the
/// `Sequence` one. In `for try await x in g.batched(3)` only the
/// `AsyncSequence` form fits, and the compiler still takes it.
public protocol SyncAndAsyncSequence: Sequence, AsyncSequence {}

/// The `Sequence` form of each operator, called from a context where only
/// `Sequence` is known (so the call is not ambiguous).
@usableFromInline
enum SequenceForms {
  @inlinable
  static func batched<S: Sequence>(_ s: S, _ size: Int, _ strict: Bool) -> BatchedSequence<S> {
    s.batched(size, strict: strict)
  }
  @inlinable
  static func windowed<S: Sequence>(_ s: S, _ size: Int, _ step: Int, _ partial: Bool) -> WindowedSequence<S> {
    s.windowed(size, step: step, partial: partial)
  }
  @inlinable
  static func peekable<S: Sequence>(_ s: S) -> Peekable<S.Iterator> { s.peekable() }
  @inlinable
  static func uniqueEverSeen<S: Sequence>(_ s: S) -> UniqueEverSeenSequence<S> where S.Element: Hashable {
    s.uniqueEverSeen()
  }
  @inlinable
  static func uniqueJustSeen<S: Sequence>(_ s: S) -> UniqueJustSeenSequence<S> where S.Element: Equatable {
    s.uniqueJustSeen()
  }
  @inlinable
  static func sliced<S: Sequence>(_ s: S, _ start: Int, _ stop: Int?, _ step: Int) -> SlicedSequence<S> {
    s.sliced(start, stop, step)
  }
  @inlinable
  static func grouped<S: Sequence, Key: Equatable>(
    _ s: S, _ key: @escaping (S.Element) -> Key
  ) -> GroupedConsecutiveSequence<S, Key> {
    s.grouped(consecutiveBy: key)
  }
  @inlinable
  static func cycled<S: Sequence>(_ s: S) -> CycledSequence<S> { s.cycled() }
  @inlinable
  static func tee<S: Sequence>(_ s: S, _ count: Int) -> [TeeIterator<S.Element>] { s.tee(count) }
  @inlinable
  static func progress<S: Sequence>(
    _ s: S, _ total: Int?, _ label: String, _ output: ProgressOutput
  ) -> ProgressSequence<S> {
    s.progress(total: total, label: label, output: output)
  }
}

extension SyncAndAsyncSequence {
  /// ``Swift/Sequence/batched(_:strict:)``, chosen where the async form would also fit.
  @inlinable
  public func batched(_ size: Int, strict: Bool = false) -> BatchedSequence<Self> {
    SequenceForms.batched(self, size, strict)
  }

  /// ``Swift/Sequence/windowed(_:step:partial:)``, chosen where the async form would also fit.
  @inlinable
  public func windowed(_ size: Int, step: Int = 1, partial: Bool = false) -> WindowedSequence<Self> {
    SequenceForms.windowed(self, size, step, partial)
  }

  /// ``Swift/Sequence/peekable()``, chosen where the async form would also fit.
  @inlinable
  public func peekable() -> Peekable<Self.Iterator> { SequenceForms.peekable(self) }

  /// ``Swift/Sequence/sliced(_:_:_:)``, chosen where the async form would also fit.
  @inlinable
  public func sliced(_ start: Int, _ stop: Int?, _ step: Int = 1) -> SlicedSequence<Self> {
    SequenceForms.sliced(self, start, stop, step)
  }

  /// ``Swift/Sequence/grouped(consecutiveBy:)``, chosen where the async form would also fit.
  @inlinable
  public func grouped<Key: Equatable>(
    consecutiveBy key: @escaping (Self.Element) -> Key
  ) -> GroupedConsecutiveSequence<Self, Key> {
    SequenceForms.grouped(self, key)
  }

  /// ``Swift/Sequence/cycled()``, chosen where the async form would also fit.
  @inlinable
  public func cycled() -> CycledSequence<Self> { SequenceForms.cycled(self) }

  /// ``Swift/Sequence/tee(_:)``, chosen where the async form would also fit.
  @inlinable
  public func tee(_ count: Int) -> [TeeIterator<Self.Element>] { SequenceForms.tee(self, count) }

  /// ``Swift/Sequence/tee()``, chosen where the async form would also fit.
  @inlinable
  public func tee() -> (TeeIterator<Self.Element>, TeeIterator<Self.Element>) {
    let branches = SequenceForms.tee(self, 2)
    return (branches[0], branches[1])
  }

  /// ``Swift/Sequence/progress(total:label:output:)``, chosen where the async form would also fit.
  @inlinable
  public func progress(
    total: Int? = nil, label: String = "", output: ProgressOutput = .automatic
  ) -> ProgressSequence<Self> {
    SequenceForms.progress(self, total, label, output)
  }
}

extension SyncAndAsyncSequence where Self.Element: Hashable {
  /// ``Swift/Sequence/uniqueEverSeen()``, chosen where the async form would also fit.
  @inlinable
  public func uniqueEverSeen() -> UniqueEverSeenSequence<Self> { SequenceForms.uniqueEverSeen(self) }
}

extension SyncAndAsyncSequence where Self.Element: Equatable {
  /// ``Swift/Sequence/uniqueJustSeen()``, chosen where the async form would also fit.
  @inlinable
  public func uniqueJustSeen() -> UniqueJustSeenSequence<Self> { SequenceForms.uniqueJustSeen(self) }
}

extension Coroutine: SyncAndAsyncSequence {}
