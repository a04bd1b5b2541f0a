import CGeneratorsRuntime

/// The typed half of a coroutine: the slots a value crosses in each
/// direction, and the resume loop that follows `yield(from:)` delegation.
///
/// Delegation costs the same per element at any depth: the outermost
/// coroutine remembers the innermost one it delegates to (`leaf`) and resumes
/// it directly; the chain between them is only walked when a delegate finishes.
/// Implementation detail of ``Coroutine``; not for direct use.
public class _YieldChannel<Element, Sent>: _CoroutineCore {
  /// Whether the sent-value slot holds what `send(_:)` passed (not for `next()`).
  @exclusivity(unchecked) @usableFromInline
  final var hasSent = false
  // The delegation links are unretained (Unmanaged, so not even a debug build
  // or the ARC optimizer adds a retain per element): each delegate is kept
  // alive by its parent's `yield(from:)` frame, each parent by its own parent
  // or, at the top, by whoever is resuming it.

  /// On the outermost coroutine: the innermost delegate, resumed directly.
  @exclusivity(unchecked) @usableFromInline
  final var leaf: Unmanaged<_YieldChannel<Element, Sent>>?
  /// On a delegate: the coroutine whose `yield(from:)` drives it.
  @exclusivity(unchecked) @usableFromInline
  final var parent: Unmanaged<_YieldChannel<Element, Sent>>?
  /// Set by `close()` so that a delegator whose delegate returned instead of
  /// unwinding still sees ``GeneratorExit``, as Python's `yield from` does.
  @exclusivity(unchecked) @usableFromInline
  final var closing = false
  /// Set by the body together with `Signal.delegating`.
  @exclusivity(unchecked) @usableFromInline
  final var pendingDelegate: Unmanaged<_YieldChannel<Element, Sent>>?

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
        return takeYielded()
      }
      return try afterSwitch(from: Unmanaged.passUnretained(self))
    }
    return try resumeStartingOrDelegating(request)
  }

  @inlinable
  final func deliver(_ request: Request) {
    switch request {
    case .next: break
    case .send(let value):
      if Sent.self != Void.self {
        sentSlot.initialize(to: value)
        hasSent = true
      }
    case .raise(let error): injected = error
    }
  }

  /// The first resume (which maps the stack) and resumes during delegation.
  @inlinable
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
    let target = leaf ?? Unmanaged.passUnretained(self)
    target._withUnsafeGuaranteedRef {
      $0.deliver(request)
      $0.switchIn()
    }
    return try afterSwitch(from: target)
  }

  /// Follows delegation starts and delegate ends until some coroutine in the
  /// chain yields, or the outermost one finishes.
  @inlinable
  final func afterSwitch(from start: Unmanaged<_YieldChannel<Element, Sent>>) throws -> Element? {
    let me = Unmanaged.passUnretained(self)
    var target = start
    while true {
      switch target._withUnsafeGuaranteedRef({ $0.signal }) {
      case .yielded:
        publish(.suspended)
        return target._withUnsafeGuaranteedRef { $0.takeYielded() }
      case .delegating:
        let child = target._withUnsafeGuaranteedRef { $0.pendingDelegate.take()! }
        child._withUnsafeGuaranteedRef { $0.parent = target }
        leaf = child
        target = child
        target._withUnsafeGuaranteedRef { $0.switchIn() }
      case .finished:
        if target.toOpaque() == me.toOpaque() { return try finishedLocked() }
        // A delegate ended: its parent's yield(from:) picks up the result.
        let (parent, failed) = target._withUnsafeGuaranteedRef { ended in
          let parent = ended.parent.take()!
          ended.releaseStack()
          ended.publish(.closed)
          return (parent, ended.failure != nil)
        }
        leaf = parent.toOpaque() == me.toOpaque() ? nil : parent
        target = parent
        target._withUnsafeGuaranteedRef { parent in
          if closing, !failed { parent.injected = generatorExit }
          parent.switchIn()
        }
      case .running:
        fatalError("a generator switched back without saying why")
      }
    }
  }

  /// Drops the body of a coroutine that will never start; overridden by ``Coroutine``.
  @usableFromInline
  func bodyWillNeverRun() {}

  @inlinable
  init(
    stackSize: Int,
    runBody: @escaping (UnsafeMutableRawPointer) -> Void,
    closeFromDeinit: @escaping (_CoroutineCore) -> Void
  ) {
    super.init(
      stackSize: stackSize,
      slotBytes: Self.sentOffset + MemoryLayout<Sent>.size,
      slotAlignment: max(MemoryLayout<Element>.alignment, MemoryLayout<Sent>.alignment),
      runBody: runBody, closeFromDeinit: closeFromDeinit)
  }

  // The values crossing the switch live in slots at the top of the stack, not
  // in generic stored properties: destroying those in the unspecialized deinit
  // looked up Optional<T> metadata each time (hundreds of ns per generator).
  // A slot is filled just before a switch and emptied just after it.

  @inlinable
  static var sentOffset: Int {
    let alignment = MemoryLayout<Sent>.alignment
    return (MemoryLayout<Element>.size + alignment - 1) / alignment * alignment
  }

  /// Body → resumer: the value of the last `yield`.
  @inlinable
  final var yieldedSlot: UnsafeMutablePointer<Element> {
    slots.unsafelyUnwrapped.assumingMemoryBound(to: Element.self)
  }

  /// Resumer → body: what `send(_:)` passed.
  @inlinable
  final var sentSlot: UnsafeMutablePointer<Sent> {
    (slots.unsafelyUnwrapped + Self.sentOffset).assumingMemoryBound(to: Sent.self)
  }

  /// Takes the value the body just yielded.
  @inlinable
  final func takeYielded() -> Element {
    yieldedSlot.move()
  }

  /// The body has finished: closes, frees the stack, reports its error.
  @usableFromInline
  final func finishedLocked() throws -> Element? {
    releaseStack()
    publish(.closed)
    if let error = failure.take() { throw error }
    return nil
  }

  // MARK: The body's side

  /// The slot a yielded value goes in, once the body is known to be running.
  @inlinable
  final func slotForYield() -> UnsafeMutablePointer<Element> {
    precondition(signal == .running, "yield was called outside the generator's body")
    return yieldedSlot
  }

  /// Suspends the body once the yielded slot is filled; returns what the
  /// resumer sent, or throws what it injected.
  @inlinable
  final func suspendYielded() throws -> Sent {
    switchOut(.yielded)
    return try receive()
  }

  /// What the resumer asked for, as seen from the resumed `yield`.
  @inlinable
  final func receive() throws -> Sent {
    if let error = injected.take() { throw error }
    if Sent.self == Void.self { return () as! Sent }
    if hasSent {
      hasSent = false
      return sentSlot.move()
    }
    return try noValueSent()
  }

  /// `next()` resumed a yield of a type with no "nothing" value.
  @usableFromInline
  final func noValueSent() throws -> Sent { try nothingSent(Sent.self) }
}
