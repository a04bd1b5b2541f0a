/// An async function that can pause: its body is `async throws`, it yields
/// values of type `Element` to a consumer one at a time, receives `Sent` values
/// at each pause, and finally returns a `Return`. Python's async generator
/// (`async def` with `yield`), with `asend`, `athrow` and `aclose`.
///
/// ```swift
/// func pages(from api: API) -> AsyncGenerator<Page> {
///   AsyncGenerator { co in
///     let connection = try await api.connect()
///     defer { connection.close() }             // runs on early break, close, release
///     var cursor: String? = nil
///     repeat {
///       let page = try await connection.fetch(after: cursor)
///       try await co.yield(page)               // waits until the consumer wants it
///       cursor = page.next
///     } while cursor != nil
///   }
/// }
/// for try await page in pages(from: api) { … }
/// ```
///
/// - Back-pressure: unbuffered (the default), the body never runs ahead of the
///   consumer; ``buffered(_:)`` lets it run up to `n` values ahead in its own
///   task. Nothing is ever unbounded (`AsyncStream`'s default buffer is).
/// - Cancelling the consumer's task reaches the body: its paused `yield`, or
///   whatever else it awaits, throws `CancellationError`.
/// - Releasing the generator (or breaking out of `for try await`) closes the
///   body: ``GeneratorExit`` is thrown at its `yield` and its `defer` blocks
///   run. Unbuffered, that happens before the release returns; Python needs
///   `contextlib.aclosing()` for this. Buffered, the body's task is also
///   cancelled, so an await it is busy in ends with `CancellationError`.
/// - `Sendable`: one consumer at a time; a second, concurrent call is refused
///   with ``GeneratorError/Code/alreadyExecuting``.
///
/// - Complexity: unbuffered, each value costs a few hundred nanoseconds and no
///   thread switch: the body runs on the consumer's thread, inline, until its
///   next `yield`.
public final class AsyncCoroutine<Element: Sendable, Sent: Sendable, Return: Sendable>: Sendable {
  @usableFromInline
  let handoff: _AsyncHandoff<Element, Sent>

  /// Makes an async coroutine whose body starts on the first `next()`.
  ///
  /// - Parameter body: the async generator function; `try await co.yield(x)` pauses it.
  public init(_ body: sending nonisolated(nonsending) @escaping (AsyncYielder<Element, Sent>) async throws -> Return) {
    handoff = _AsyncHandoff(capacity: 0, body: { co in try await body(co) })
  }

  init(capacity: Int, handoffBody body: sending @escaping _AsyncHandoff<Element, Sent>.Machine.Body) {
    handoff = _AsyncHandoff(capacity: capacity, body: body)
  }

  /// Wraps a sync generator as an async one: the bridge from ``Coroutine``.
  /// `send`, `throw` and `close` are forwarded to it.
  public convenience init(_ generator: sending Coroutine<Element, Sent, Return>) {
    self.init { co in try await co.yield(from: generator) }
  }

  deinit {
    handoff.abandon()
  }

  /// Where the coroutine is in its life. Python's `inspect.getasyncgenstate`.
  public var state: GeneratorState {
    handoff.locked { $0.publicState }
  }

  /// The value the body returned, once it has finished normally.
  public var returnValue: Return? {
    handoff.locked { $0.returnValue } as? Return
  }

  /// Runs the body to its next `yield` and returns the value, or nil once it
  /// has finished. Python's `await anext(agen)` (`asend(None)`).
  ///
  /// - Throws: whatever the body throws; `CancellationError` when this task is
  ///   cancelled; ``GeneratorError`` on misuse.
  @inlinable
  nonisolated(nonsending) public func next() async throws -> Element? {
    try await handoff.resume(.next)
  }

  /// Resumes the paused `yield` with `value` and returns the next value
  /// yielded, or nil when the body finishes. Python's `await agen.asend(value)`.
  ///
  /// - Throws: ``GeneratorError/Code/sendBeforeStart`` before the first
  ///   `next()`; ``GeneratorError/Code/unsupportedWhenBuffered`` when buffered.
  @inlinable @discardableResult
  nonisolated(nonsending) public func send(_ value: Sent) async throws -> Element? {
    try await handoff.resume(.send(value))
  }

  /// Raises `error` at the paused `yield`; returns the next value if the body
  /// catches it and yields again, nil if it finishes, or rethrows. Python's
  /// `await agen.athrow(error)`. On a coroutine that has not started, it is
  /// closed and `error` rethrown.
  @inlinable @discardableResult
  nonisolated(nonsending) public func `throw`(_ error: any Error) async throws -> Element? {
    try await handoff.resume(.raise(error))
  }

  /// Throws ``GeneratorExit`` at the paused `yield` and waits until the body
  /// has finished unwinding. Python's `await agen.aclose()`. Idempotent; a
  /// later `next()` returns nil. Buffered, the values made ahead are dropped
  /// and the body's task is cancelled, so an await it is busy in (a slow
  /// request) ends at once with `CancellationError` instead of being waited for.
  ///
  /// - Throws: ``GeneratorError/Code/ignoredClose`` if the body yields again;
  ///   any other error it throws while unwinding.
  nonisolated(nonsending) public func close() async throws {
    try await handoff.close()
  }
}

extension AsyncCoroutine where Sent == Void {
  /// Lets the body run in its own task up to `n` values ahead of the consumer
  /// (at most `n` values wait; the body pauses at its `yield` when they do).
  /// Use it when producing and consuming both take time and should overlap.
  ///
  /// Call before the first `next()`; the result replaces this generator.
  ///
  /// ```swift
  /// for try await page in pages.buffered(64) { … }   // up to 64 pages fetched ahead
  /// ```
  ///
  /// - Complexity: tens of nanoseconds per value; the two sides wake each
  ///   other only when the buffer is empty or half drained.
  public func buffered(_ n: Int) -> AsyncCoroutine {
    precondition(n > 0, "buffered(_:) needs a positive size (got \(n))")
    let body = handoff.locked { $0.bodyMovedToBufferedHandoff() }
    guard let body else {
      preconditionFailure("buffered(_:) must be called before the first next(); this generator is \(state)")
    }
    return AsyncCoroutine(capacity: n, handoffBody: body)
  }
}

/// `AsyncGenerator<Element>` is the common case: an ``AsyncCoroutine`` that
/// receives nothing and returns nothing. Python's `AsyncIterator[T]` from an
/// async generator function.
public typealias AsyncGenerator<Element: Sendable> = AsyncCoroutine<Element, Void, Void>

extension AsyncCoroutine: AsyncSequence {
  public typealias Failure = any Error

  /// Iterates with `for try await x in g`. Python's `async for x in agen`.
  /// Releasing the last reference (breaking out of the loop) closes the body.
  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline
    let base: AsyncCoroutine

    @usableFromInline
    init(base: AsyncCoroutine) { self.base = base }

    @inlinable
    nonisolated(nonsending) public mutating func next() async throws -> Element? {
      try await base.next()
    }
  }

  /// The coroutine itself, as an iterator: single pass, like Python's.
  @inlinable
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: self) }
}
