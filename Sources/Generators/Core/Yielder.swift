/// The handle a generator body receives: `try co.yield(value)` pauses the body
/// and hands `value` to whoever called `next()` or `send(_:)`. Python's `yield`
/// expression.
///
/// Valid only inside the body it was passed to, while that body runs; do not
/// store it elsewhere.
public struct Yielder<Element, Sent> {
  @usableFromInline
  unowned(unsafe) let channel: _YieldChannel<Element, Sent>

  @usableFromInline
  init(_ channel: _YieldChannel<Element, Sent>) {
    self.channel = channel
  }

  /// Pauses the body, handing `value` to the resumer; returns what the
  /// resumer passed to `send(_:)`. Python's `received = yield value`.
  ///
  /// - Throws: the error passed to `throw(_:)`, or ``GeneratorExit`` when the
  ///   generator is closed (let it propagate so `defer` blocks run).
  /// - Complexity: O(1); a stack switch each way.
  @inlinable
  @discardableResult
  public func yield(_ value: consuming Element) throws -> Sent {
    try channel.suspend(yielding: value)
  }
}
