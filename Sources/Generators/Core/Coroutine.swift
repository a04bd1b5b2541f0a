import CGeneratorsRuntime

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A function that can pause: it yields values of type `Element`, receives
/// values of type `Sent` at each pause, and finally returns a `Return`.
/// Python's generator object, typed as `Generator[Yield, Send, Return]`.
///
/// The body runs on its own small stack, so a `yield` may sit anywhere: in
/// loops, in helper functions the body calls, deep in recursion.
///
/// ```swift
/// let accumulator = Coroutine<Int, Int, Void> { co in
///   var total = 0
///   while true { total += try co.yield(total) }
/// }
/// _ = try accumulator.next()        // → 0   (primes it)
/// try accumulator.send(10)          // → 10
/// try accumulator.send(20)          // → 30
/// ```
///
/// - `next()`, `send(_:)`, `throw(_:)` and `close()` are Python's
///   `next(gen)`, `gen.send(v)`, `gen.throw(e)` and `gen.close()`.
/// - Releasing a suspended coroutine closes it: ``GeneratorExit`` is thrown at
///   its `yield` and every `defer` in the body runs, at once. (Python leaves this
///   to the garbage collector.)
/// - Not `Sendable`: it may be resumed from different threads one at a time. A
///   resume while the body runs (from inside it, or from another thread) is
///   refused with ``GeneratorError/Code/alreadyExecuting``; two resumes racing
///   at the same instant (possible only by opting out of Swift's checking) are
///   caught in debug builds only (see <doc:GeneratorLimits>).
///
/// - Complexity: creating one allocates an object and nothing else; the first
///   resume takes a stack from a per-thread pool. Each `yield` is a few
///   nanoseconds.
public final class Coroutine<Element, Sent, Return>: _YieldChannel<Element, Sent> {
  @exclusivity(unchecked) @usableFromInline
  final var body: ((Yielder<Element, Sent>) throws -> Return)?

  /// The value the body returned, once it has finished normally; nil before
  /// that, or when it threw or was closed. Python's `StopIteration.value`.
  @inlinable
  public var returnValue: Return? {
    guard let box = returnBox else { return nil }
    return unsafeDowncast(box, to: ReturnBox<Return>.self).value
  }

  /// The return value, boxed, so the object has no generic stored property
  /// for the unspecialized deinit to destroy (see `_YieldChannel`).
  @exclusivity(unchecked) @usableFromInline
  final var returnBox: AnyObject?

  /// The stack size when none is given: 1 MiB of address space, of which only
  /// the pages a body touches become resident (about 4 KiB for a simple loop).
  /// Enough for recursion about 4,000 frames deep in a debug build.
  public static var defaultStackSize: Int { 1 << 20 }

  /// Makes a coroutine whose body runs on its first `next()`.
  ///
  /// - Parameters:
  ///   - stackSize: bytes of stack for the body, rounded up to whole pages
  ///     (at least four). Only touched pages use memory.
  ///   - body: the generator function. `co.yield(x)` pauses it.
  @inlinable
  public init(
    stackSize: Int = defaultStackSize,
    _ body: @escaping (Yielder<Element, Sent>) throws -> Return
  ) {
    self.body = body
    super.init(
      stackSize: stackSize,
      runBody: { raw in Unmanaged<Coroutine>.fromOpaque(raw)._withUnsafeGuaranteedRef { $0.run() } },
      closeFromDeinit: { core in unsafeDowncast(core, to: Coroutine.self).closeSuspendedFromDeinit() })
  }

  deinit {
    if currentPhase == .suspended { closeFromDeinit(self) }
    // A body that ignored GeneratorExit is still suspended: its frames are
    // abandoned (what they retain is leaked) and the stack is reclaimed.
    releaseStack()
  }

  @inlinable
  final func closeSuspendedFromDeinit() {
    do {
      try close()
    } catch {
      // Python prints "Exception ignored in: <generator>" here; so do we.
      Self.reportFailedClose(error)
    }
  }

  @usableFromInline
  static func reportFailedClose(_ error: any Error) {
    writeToStandardError(
      "swift-generators: a \(Self.self) released while suspended failed to close: \(error)\n")
  }

  /// The body's run, on the coroutine stack.
  @inlinable
  final func run() {
    let body = self.body.take()!
    do {
      let value = try body(Yielder(self))
      // A Void return needs no allocation: all of them share one box.
      returnBox = Return.self == Void.self ? voidReturnBox : ReturnBox(value)
    } catch {
      failure = error
    }
  }

  @usableFromInline
  override func bodyWillNeverRun() {
    body = nil
  }

  /// Where the coroutine is in its life. Python's `inspect.getgeneratorstate`.
  public var state: GeneratorState { currentPhase.publicState }

  /// Runs the body to its next `yield` and returns the value yielded, or nil
  /// once the body has finished. Python's `next(gen)`.
  ///
  /// The paused `yield` receives "nothing": `()` for `Sent == Void`, `nil` for
  /// an optional `Sent`, and otherwise it throws ``GeneratorError/Code/noValueSent``
  /// inside the body (use `send(_:)`).
  ///
  /// - Throws: whatever the body throws; ``GeneratorError`` on misuse.
  @inlinable
  public func next() throws -> Element? {
    if _fastPath(lock(from: .suspended) == nil) { return try resumeLocked(.next) }
    return try resumeFromOtherPhase(.next)
  }

  /// Resumes the paused `yield` with `value`, which the `yield` returns in the
  /// body; returns the next value yielded, or nil when the body finishes.
  /// Python's `gen.send(value)`.
  ///
  /// - Throws: ``GeneratorError/Code/sendBeforeStart`` before the first `next()`
  ///   (prime it with `next()` first); whatever the body throws.
  @inlinable
  @discardableResult
  public func send(_ value: Sent) throws -> Element? {
    if _fastPath(lock(from: .suspended) == nil) { return try resumeLocked(.send(value)) }
    return try resumeFromOtherPhase(.send(value))
  }

  /// Raises `error` at the paused `yield`. If the body catches it and yields
  /// again, returns that value; if the body finishes, returns nil; if the error
  /// escapes the body, rethrows it. Python's `gen.throw(error)`.
  ///
  /// On a coroutine that has not started, the body never runs: it is closed and
  /// `error` is rethrown at once. On a closed one, `error` is rethrown.
  @inlinable
  @discardableResult
  public func `throw`(_ error: any Error) throws -> Element? {
    if lock(from: .suspended) == nil { return try resumeLocked(.raise(error)) }
    return try resumeFromOtherPhase(.raise(error))
  }

  /// Throws ``GeneratorExit`` at the paused `yield` so the body unwinds and
  /// every `defer` runs, innermost delegate first. Python's `gen.close()`.
  ///
  /// Idempotent: closing a created or finished coroutine only marks it closed.
  ///
  /// - Throws: ``GeneratorError/Code/ignoredClose`` if the body yields again
  ///   instead of finishing; any other error the body throws while unwinding.
  @inlinable
  public func close() throws {
    while true {
      switch currentPhase {
      case .closed:
        return
      case .created:
        guard lock(from: .created) == nil else { continue }
        bodyWillNeverRun()
        publish(.closed)
        return
      case .running:
        throw Self.alreadyExecuting
      case .delegated:
        throw Self.delegatedError
      case .suspended:
        guard lock(from: .suspended) == nil else { continue }
        closing = true
        defer { closing = false }
        let yieldedAgain: Bool
        do {
          yieldedAgain = try resumeLocked(.raise(generatorExit)) != nil
        } catch where isGeneratorExit(error) {
          return  // the body let GeneratorExit propagate: the normal way to close
        }
        if yieldedAgain {
          throw GeneratorError(
            .ignoredClose,
            "generator ignored GeneratorExit: its body yielded again after close(); "
              + "a body that catches GeneratorExit must finish, not yield")
        }
        return
      }
    }
  }

  /// Resumes from any phase but `.suspended`: starting, or refusing.
  @inlinable
  final func resumeFromOtherPhase(_ request: Request) throws -> Element? {
    while true {
      switch currentPhase {
      case .suspended:
        if lock(from: .suspended) == nil { return try resumeLocked(request) }
      case .created:
        guard lock(from: .created) == nil else { continue }
        switch request {
        case .next:
          return try resumeLocked(.next)
        case .send:
          if Sent.self == Void.self { return try resumeLocked(.next) }
          publish(.created)
          throw GeneratorError(
            .sendBeforeStart,
            "can't send a value to a just-started generator: prime it with next() first")
        case .raise(let error):
          bodyWillNeverRun()
          publish(.closed)
          throw error
        }
      case .running:
        throw Self.alreadyExecuting
      case .delegated:
        throw Self.delegatedError
      case .closed:
        if case .raise(let error) = request { throw error }
        return nil
      }
    }
  }

  @usableFromInline
  static var alreadyExecuting: GeneratorError {
    GeneratorError(
      .alreadyExecuting,
      "generator already executing: it was resumed from inside its own body or from two threads at once")
  }

  @usableFromInline
  static var delegatedError: GeneratorError {
    GeneratorError(
      .delegated,
      "generator is being driven by another generator's yield(from:); resume that one instead")
  }
}

/// Holds a coroutine's return value.
@usableFromInline
final class ReturnBox<Value> {
  @usableFromInline
  let value: Value

  @inlinable
  init(_ value: Value) { self.value = value }
}

/// Shared by every coroutine that returns Void; immutable, so sharing is safe.
@usableFromInline
nonisolated(unsafe) let voidReturnBox = ReturnBox<Void>(())

/// `Generator<Element>` is the common case: a ``Coroutine`` that receives
/// nothing and returns nothing. Python's `Iterator[T]` from a generator function.
///
/// ```swift
/// func countUpTo(_ n: Int) -> Generator<Int> {
///   Generator { co in
///     var count = 1
///     while count <= n { try co.yield(count); count += 1 }
///   }
/// }
/// for x in countUpTo(5) { print(x) }   // → 1 2 3 4 5
/// ```
public typealias Generator<Element> = Coroutine<Element, Void, Void>
