import CGeneratorsRuntime

/// The typed half of a coroutine: the slots a value crosses in each
/// direction, and the resume loop that follows `yield(from:)` delegation.
///
/// Delegation costs the same per element at any depth: the outermost
/// coroutine remembers the innermost one it delegates to (`leaf`) and resumes
/// it directly; the chain between them is only walked when a delegate finishes.
/// Implementation detail of ``Coroutine``; not for direct use.
public class _YieldChannel<Element, Sent>: _CoroutineCore {
  /// Body → resumer: the value of the last `yield`.
  @exclusivity(unchecked) @usableFromInline
  final var yielded: Element?
  /// Resumer → body: what `send(_:)` passed, nil for `next()`.
  @exclusivity(unchecked) @usableFromInline
  final var sent: Sent?
  /// On the outermost coroutine: the innermost delegate, resumed directly.
  @exclusivity(unchecked) @usableFromInline
  final var leaf: _YieldChannel<Element, Sent>?
  /// On a delegate: the coroutine whose `yield(from:)` drives it.
  @exclusivity(unchecked) @usableFromInline
  final unowned(unsafe) var parent: _YieldChannel<Element, Sent>?
  /// Set by `close()` so that a delegator whose delegate returned instead of
  /// unwinding still sees ``GeneratorExit``, as Python's `yield from` does.
  @exclusivity(unchecked) @usableFromInline
  final var closing = false
  /// Set by the body together with `Signal.delegating`.
  @exclusivity(unchecked) @usableFromInline
  final var pendingDelegate: _YieldChannel<Element, Sent>?

  // MARK: The resumer's side

  /// What the resumer asks of the body.
  @usableFromInline
  enum Request {
    case next
    case send(Sent)
    case raise(any Error)
  }

  /// Resumes the body (or its innermost delegate) and returns the next value,
  /// nil when the body has finished. The caller has locked `phase` to `.running`.
  @inlinable
  final func resumeLocked(_ request: Request) throws -> Element? {
    if _fastPath(leaf == nil && context != nil) {
      deliver(request)
      switchIn()
      if _fastPath(signal == .yielded) {
        publish(.suspended)
        return yielded.take()
      }
      return try afterSwitch(from: self)
    }
    return try resumeStartingOrDelegating(request)
  }

  @inlinable
  final func deliver(_ request: Request) {
    switch request {
    case .next: break
    case .send(let value): sent = value
    case .raise(let error): injected = error
    }
  }

  /// The first resume (which maps the stack) and resumes during delegation.
  @usableFromInline
  final func resumeStartingOrDelegating(_ request: Request) throws -> Element? {
    if context == nil {
      do {
        try prepareStack()
      } catch {
        bodyWillNeverRun()
        publish(.closed)
        throw error
      }
    }
    let target = leaf ?? self
    target.deliver(request)
    target.switchIn()
    return try afterSwitch(from: target)
  }

  /// Follows delegation starts and delegate ends until some coroutine in the
  /// chain yields, or the outermost one finishes.
  @usableFromInline
  final func afterSwitch(from start: _YieldChannel<Element, Sent>) throws -> Element? {
    var target = start
    while true {
      switch target.signal {
      case .yielded:
        publish(.suspended)
        return target.yielded.take()
      case .delegating:
        let child = target.pendingDelegate.take()!
        child.parent = target
        leaf = child
        target = child
        target.switchIn()
      case .finished:
        if target === self { return try finishedLocked() }
        // A delegate ended: its parent's yield(from:) picks up the result.
        let parent = target.parent!
        target.parent = nil
        target.releaseStack()
        target.publish(.closed)
        leaf = parent === self ? nil : parent
        if closing, target.failure == nil { parent.injected = GeneratorExit() }
        target = parent
        target.switchIn()
      case .running:
        fatalError("a generator switched back without saying why")
      }
    }
  }

  /// Drops the body of a coroutine that will never start; overridden by ``Coroutine``.
  @usableFromInline
  func bodyWillNeverRun() {}

  /// The body has finished: closes, frees the stack, reports its error.
  @usableFromInline
  final func finishedLocked() throws -> Element? {
    releaseStack()
    publish(.closed)
    if let error = failure.take() { throw error }
    return nil
  }

  // MARK: The body's side

  /// Suspends the body with `value`; returns what the resumer sent, or throws
  /// what it injected.
  @inlinable
  final func suspend(yielding value: Element) throws -> Sent {
    precondition(signal == .running, "yield was called outside the generator's body")
    yielded = value
    switchOut(.yielded)
    return try receive()
  }

  /// What the resumer asked for, as seen from the resumed `yield`.
  @inlinable
  final func receive() throws -> Sent {
    if let error = injected.take() { throw error }
    if Sent.self == Void.self { return () as! Sent }
    if let value = sent.take() { return value }
    return try noValueSent()
  }

  /// `next()` resumed a yield of a type with no "nothing" value.
  @usableFromInline
  final func noValueSent() throws -> Sent {
    if let nilType = Sent.self as? any ExpressibleByNilLiteral.Type {
      return nilType.init(nilLiteral: ()) as! Sent
    }
    throw GeneratorError(
      .noValueSent,
      "next() resumed a yield that expects a \(Sent.self) value; use send(_:) to pass one "
        + "(in Python, the yield would have received None)")
  }
}
