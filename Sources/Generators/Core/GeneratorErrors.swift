/// Thrown at a suspended `yield` by ``Coroutine/close()`` (and by deinit) so
/// that the body unwinds and every `defer` runs. Python's `GeneratorExit`.
///
/// A body may catch it to clean up, but must not yield again afterwards
/// (that is ``GeneratorError/Code/ignoredClose``). Rethrowing it, or letting it
/// propagate, is the normal way out.
public struct GeneratorExit: Error, Sendable, Hashable, CustomStringConvertible {
  public init() {}
  public var description: String { "GeneratorExit" }
}

/// One boxed GeneratorExit for every close(), so closing allocates nothing.
@usableFromInline
let generatorExit: any Error = GeneratorExit()

/// Whether `error` is a ``GeneratorExit``, by comparing its dynamic type:
/// cheaper than `is`, which runs a general dynamic cast.
@inlinable
func isGeneratorExit(_ error: any Error) -> Bool {
  ObjectIdentifier(type(of: error)) == ObjectIdentifier(GeneratorExit.self)
}

/// Misuse of a generator, with the message Python users know.
public struct GeneratorError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What went wrong.
  public enum Code: Sendable, Hashable {
    /// The generator was resumed while its body was executing: from inside its
    /// own body, or from a second thread. Python: `ValueError: generator already executing`.
    case alreadyExecuting
    /// `send(_:)` before the first `next()`. Python: `TypeError: can't send
    /// non-None value to a just-started generator`.
    case sendBeforeStart
    /// The body yielded again after `close()` threw ``GeneratorExit`` into it.
    /// Python: `RuntimeError: generator ignored GeneratorExit`.
    case ignoredClose
    /// `next()` resumed a `yield` whose result type has no "nothing sent"
    /// value (neither `Void` nor `Optional`). Python: `TypeError` on `None`.
    case noValueSent
    /// The coroutine is being driven by another coroutine's `yield(from:)`.
    case delegated
    /// A value was sent while `yield(from:)` was walking a plain `Sequence`,
    /// which cannot receive it. Python: `AttributeError: ... has no attribute 'send'`.
    case sendToSequence
    /// `yield(from:)` met a coroutine that had finished without a return value
    /// (it threw or was closed), so there is no value to return.
    case noReturnValue
    /// `send(_:)` or `throw(_:)` on a buffered ``AsyncCoroutine``: its body runs
    /// ahead, so no `yield` is waiting to receive the value.
    case unsupportedWhenBuffered
    /// No stack could be mapped: out of memory or out of memory mappings.
    case stackAllocationFailed
    /// The body overflowed a stack that has no guard page (detected by its canary).
    case stackOverflow
  }

  public let code: Code
  public let message: String

  @usableFromInline
  init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { message }
}

/// What `next()` passes to a paused `yield` (sync or async): `()`, `nil` for
/// an optional, and otherwise an error, since Swift has no `None` for every type.
@usableFromInline
func nothingSent<Sent>(_ type: Sent.Type) throws -> Sent {
  if Sent.self == Void.self { return () as! Sent }
  if let nilType = Sent.self as? any ExpressibleByNilLiteral.Type {
    return nilType.init(nilLiteral: ()) as! Sent
  }
  throw GeneratorError(
    .noValueSent,
    "next() resumed a yield that expects a \(Sent.self) value; use send(_:) to pass one "
      + "(in Python, the yield would have received None)")
}
