/// The handle an async generator body receives: `try await co.yield(value)`
/// pauses the body until the consumer asks for the next value. Python's
/// `yield` inside `async def`.
///
/// Valid only inside the body it was passed to.
public struct AsyncYielder<Element: Sendable, Sent: Sendable>: Sendable {
  @usableFromInline
  let handoff: _AsyncHandoff<Element, Sent>

  @usableFromInline
  init(_ handoff: _AsyncHandoff<Element, Sent>) {
    self.handoff = handoff
  }

  /// Hands `value` to the consumer and pauses until it calls `next()`,
  /// `send(_:)`, `throw(_:)` or `close()`; returns what `send(_:)` passed.
  /// Python's `received = yield value` in an async generator.
  ///
  /// Unbuffered, the body never runs ahead of the consumer. Buffered
  /// (``AsyncCoroutine/buffered(_:)``), this returns at once while there is room.
  ///
  /// - Throws: the error passed to `throw(_:)`; ``GeneratorExit`` when the
  ///   generator is closed or released (let it propagate so `defer` blocks run);
  ///   `CancellationError` when the consumer's task is cancelled.
  /// - Complexity: a few hundred nanoseconds unbuffered, no thread switch when
  ///   the consumer is waiting; tens of nanoseconds buffered.
  @inlinable @discardableResult
  nonisolated(nonsending) public func yield(_ value: Element) async throws -> Sent {
    switch await handoff.suspend(yielding: value) {
    case .next: return try Self.nothingSent()
    case .send(let sent): return sent
    case .raise(let error): throw error
    case .close: throw GeneratorExit()
    }
  }

  /// What `next()` passes to a paused `yield`: `()`, `nil`, or an error.
  @inlinable
  static func nothingSent() throws -> Sent { try Generators.nothingSent(Sent.self) }


  /// A `yield` inside `yield(from:)` over a sequence, which cannot take a sent value.
  @inlinable
  nonisolated(nonsending) func yieldForSequence(_ value: Element) async throws {
    switch await handoff.suspend(yielding: value) {
    case .next: return
    case .send:
      if Sent.self == Void.self { return }
      throw GeneratorError(
        .sendToSequence,
        "send(_:) reached yield(from:) over a plain sequence, which cannot receive values")
    case .raise(let error): throw error
    case .close: throw GeneratorExit()
    }
  }

  /// Delegates to another async coroutine until it finishes, and returns its
  /// return value. Python's `result = yield from sub` (which async generators
  /// lack; here it works).
  ///
  /// Values go straight to this generator's consumer; `send(_:)`, `throw(_:)`
  /// and `close()` reach `sub`'s paused `yield`; an error escaping `sub` is
  /// thrown here. Closing this generator closes `sub` first.
  @inlinable @discardableResult
  nonisolated(nonsending) public func yield<Result>(from sub: AsyncCoroutine<Element, Sent, Result>) async throws -> Result {
    var value = try await sub.next()
    while let element = value {
      switch await handoff.suspend(yielding: element) {
      case .next: value = try await sub.next()
      case .send(let sent): value = try await sub.send(sent)
      case .raise(let error): value = try await sub.throw(error)
      case .close:
        try await sub.close()
        throw GeneratorExit()
      }
    }
    return try Self.returnValue(sub.returnValue)
  }

  /// Delegates to a sync coroutine: the bridge from ``Coroutine`` and
  /// ``Generator``. `send`, `throw` and `close` are forwarded as for an async one.
  @inlinable @discardableResult
  nonisolated(nonsending) public func yield<Result>(from sub: Coroutine<Element, Sent, Result>) async throws -> Result {
    var value = try sub.next()
    while let element = value {
      switch await handoff.suspend(yielding: element) {
      case .next: value = try sub.next()
      case .send(let sent): value = try sub.send(sent)
      case .raise(let error): value = try sub.throw(error)
      case .close:
        try sub.close()
        throw GeneratorExit()
      }
    }
    return try Self.returnValue(sub.returnValue)
  }

  @usableFromInline
  static func returnValue<Result>(_ value: Result?) throws -> Result {
    if let value { return value }
    if Result.self == Void.self { return () as! Result }
    throw GeneratorError(
      .noReturnValue, "yield(from:) on a coroutine that finished without returning a \(Result.self)")
  }

  /// Yields every element of an async sequence (a stream, a socket, another
  /// generator). Python's `async for x in aiter: yield x`.
  ///
  /// `throw(_:)` and `close()` end the loop at the paused `yield`; `send(_:)`
  /// raises ``GeneratorError/Code/sendToSequence``.
  @inlinable
  nonisolated(nonsending) public func yield<S: AsyncSequence>(from elements: S) async throws where S.Element == Element {
    for try await element in elements {
      try await yieldForSequence(element)
    }
  }

  /// Yields every element of a sequence. Python's `for x in iterable: yield x`.
  @inlinable
  nonisolated(nonsending) public func yield<S: Sequence>(from elements: S) async throws where S.Element == Element {
    for element in elements {
      try await yieldForSequence(element)
    }
  }
}

