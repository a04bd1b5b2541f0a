// `yield(from:)`: Python's `yield from`, for coroutines and for sequences.

extension Yielder {
  /// Delegates to another coroutine until it finishes, and returns its return
  /// value. Python's `result = yield from sub`.
  ///
  /// Every value `sub` yields goes straight to this generator's resumer, and
  /// `send(_:)`, `throw(_:)` and `close()` on this generator reach `sub`'s
  /// paused `yield`. An error that escapes `sub` is thrown here; when this
  /// generator is closed, `sub` is closed first (its `defer` blocks run before
  /// this body's).
  ///
  /// - Complexity: O(1) per element at any nesting depth: the outermost
  ///   generator resumes the innermost delegate directly.
  @discardableResult
  public func yield<Result>(from sub: Coroutine<Element, Sent, Result>) throws -> Result {
    precondition(withChannel { $0.signal } == .running, "yield(from:) was called outside the generator's body")
    guard try claim(sub) else {
      // Python: `yield from` an exhausted generator returns at once.
      if let value = sub.returnValue { return value }
      if Result.self == Void.self { return () as! Result }
      throw GeneratorError(
        .noReturnValue,
        "yield(from:) on a coroutine that finished without returning a \(Result.self)")
    }
    try withChannel { me in
      me.pendingDelegate = Unmanaged.passUnretained(sub)
      me.switchOut(.delegating)
      // Back when `sub` has finished (the resumer walked up the chain).
      if let error = me.injected.take() { throw error }  // closed while delegating
    }
    if let error = sub.failure.take() { throw error }
    return sub.returnValue!
  }

  /// Takes `sub` for delegation: created or suspended becomes delegated.
  /// Returns false when `sub` has already finished.
  private func claim<Result>(_ sub: Coroutine<Element, Sent, Result>) throws -> Bool {
    while true {
      switch sub.currentPhase {
      case .created, .suspended:
        let phase = sub.currentPhase
        guard sub.lock(from: phase) == nil else { continue }
        if phase == .created {
          do {
            try sub.prepareStack()
          } catch {
            sub.bodyWillNeverRun()
            sub.publish(.closed)
            throw error
          }
        }
        sub.publish(.delegated)
        return true
      case .closed:
        return false
      case .running:
        throw Coroutine<Element, Sent, Result>.alreadyExecuting
      case .delegated:
        throw Coroutine<Element, Sent, Result>.delegatedError
      }
    }
  }

  /// Yields every element of `elements`. Python's `yield from iterable`.
  ///
  /// `throw(_:)` and `close()` on this generator raise at the paused `yield`
  /// inside this loop, so they end it. A plain sequence cannot receive sent
  /// values: `send(_:)` raises ``GeneratorError/Code/sendToSequence`` here
  /// (Python raises `AttributeError`), and `next()` is what drives it.
  ///
  /// - Complexity: O(1) per element.
  @inlinable
  public func yield<S: Sequence<Element>>(from elements: S) throws {
    for element in elements {
      try withChannel { try $0.suspendForSequence(yielding: element) }
    }
  }
}

extension _YieldChannel {
  @inlinable
  final func suspendForSequence(yielding value: Element) throws {
    precondition(signal == .running, "yield was called outside the generator's body")
    yieldedSlot.initialize(to: value)
    switchOut(.yielded)
    if let error = injected.take() { throw error }
    if Sent.self != Void.self, hasSent {
      hasSent = false
      _ = sentSlot.move()
      throw GeneratorError(
        .sendToSequence,
        "send(_:) reached yield(from:) over a plain Sequence, which cannot receive values")
    }
  }
}
