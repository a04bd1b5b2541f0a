/// The handle a generator body receives: `try co.yield(value)` pauses the body
/// and hands `value` to whoever called `next()` or `send(_:)`. Python's `yield`
/// expression.
///
/// Valid only inside the body it was passed to, while that body runs; do not
/// store it elsewhere.
public struct Yielder<Element, Sent> {
  /// Unretained on purpose: a strong reference held on the coroutine's own
  /// stack across a `yield` would keep it alive forever (see ``withChannel(_:)``).
  @usableFromInline
  let channel: Unmanaged<_YieldChannel<Element, Sent>>

  @usableFromInline
  init(_ channel: _YieldChannel<Element, Sent>) {
    self.channel = Unmanaged.passUnretained(channel)
  }

  /// Runs `body` with the channel borrowed, not retained: even a debug build
  /// then keeps no +1 copy on the body's stack while it is switched out.
  @inlinable
  func withChannel<Result>(_ body: (_YieldChannel<Element, Sent>) throws -> Result) rethrows -> Result {
    try channel._withUnsafeGuaranteedRef(body)
  }

  /// Pauses the body, handing `value` to the resumer; returns what the
  /// resumer passed to `send(_:)`. Python's `received = yield value`.
  ///
  /// - Throws: the error passed to `throw(_:)`, or ``GeneratorExit`` when the
  ///   generator is closed (let it propagate so `defer` blocks run).
  /// - Complexity: O(1); a stack switch each way. The value is moved, not
  ///   copied, when this is its last use (no retain for a class or a record).
  @inlinable
  @discardableResult
  public func yield(_ value: consuming Element) throws -> Sent {
    // The slot is filled here, outside the closure, so that `value` is
    // moved into it rather than captured and copied.
    let slot = withChannel { $0.slotForYield() }
    slot.initialize(to: value)
    return try withChannel { try $0.suspendYielded() }
  }
}
