import CGeneratorsRuntime
import Synchronization

/// The untyped machinery of a coroutine: its stack, its switch context, its
/// phase and what crosses the switch besides values. ``_YieldChannel`` adds the
/// typed value slots and ``Coroutine`` the body.
///
/// No strong reference to a coroutine lives on its own stack while it is
/// suspended (the body reaches it through `unowned(unsafe)` handles), so
/// dropping the last reference outside deinitializes it and closes the body.
/// Implementation detail of ``Coroutine``; not for direct use.
public class _CoroutineCore {
  /// The switch context at the top of the stack; nil until the first resume.
  @exclusivity(unchecked) @usableFromInline
  final var context: UnsafeMutablePointer<cgr_context>?
  /// Set by the body just before it switches out, read by the resumer after.
  @exclusivity(unchecked) @usableFromInline
  final var signal: Signal = .running
  /// An error to raise at the suspended `yield` when the body resumes
  /// (`throw(_:)`, or ``GeneratorExit`` from `close()`).
  @exclusivity(unchecked) @usableFromInline
  final var injected: (any Error)?
  /// The error the body finished with, until the resumer takes it.
  @exclusivity(unchecked) @usableFromInline
  final var failure: (any Error)?
  /// Whether the stack has no guard page, so its canary must be checked.
  @exclusivity(unchecked) @usableFromInline
  final var checksCanary = false
  @exclusivity(unchecked) @usableFromInline
  final var stack = cgr_stack()
  @usableFromInline
  final let stackSize: Int
  /// Bytes reserved at the top of the stack for the values that cross the
  /// switch, and where they start once the stack is mapped.
  @usableFromInline
  final let slotBytes: Int
  @usableFromInline
  final let slotAlignment: Int
  @exclusivity(unchecked) @usableFromInline
  final var slots: UnsafeMutableRawPointer?
  /// The phase. Atomic so that a generator handed from thread to thread is
  /// seen consistently (acquire on resume, release on suspension).
  @usableFromInline
  final let phase: Atomic<UInt8>

  /// Runs the body on the coroutine stack. A closure made by the subclass's
  /// inlinable init, so it is specialized in the client (a method override
  /// would run unspecialized generic code that looks up type metadata).
  /// Takes the coroutine unretained (as a raw pointer): no strong reference
  /// may sit on its own stack, even in a debug build.
  @usableFromInline
  final let runBody: (UnsafeMutableRawPointer) -> Void
  /// Closes a suspended coroutine from deinit; specialized the same way.
  @usableFromInline
  final let closeFromDeinit: (_CoroutineCore) -> Void

  @usableFromInline
  init(
    stackSize: Int,
    slotBytes: Int,
    slotAlignment: Int,
    runBody: @escaping (UnsafeMutableRawPointer) -> Void,
    closeFromDeinit: @escaping (_CoroutineCore) -> Void
  ) {
    precondition(stackSize > 0, "stackSize must be positive, got \(stackSize)")
    self.stackSize = stackSize
    self.slotBytes = slotBytes
    self.slotAlignment = slotAlignment
    self.phase = Atomic(Phase.created.rawValue)
    self.runBody = runBody
    self.closeFromDeinit = closeFromDeinit
  }

  @inlinable
  final var currentPhase: Phase {
    Phase(rawValue: phase.load(ordering: .acquiring))!
  }

  /// Moves `expected` to `.running`, or returns the phase that was there.
  ///
  /// In an optimized build, a plain acquire-load and store, not a
  /// compare-exchange: the locked instruction cost 9 ns a round trip here,
  /// doubling the price of a yield. That refuses every resume that finds the
  /// body running (re-entrant calls, or another thread while the body runs),
  /// but two threads racing to resume the same suspended coroutine at the same
  /// instant can both get through. Swift 6 rejects that data race at compile
  /// time (Coroutine is not Sendable); only code that opts out with
  /// `nonisolated(unsafe)` or `@unchecked Sendable` can get there. A debug
  /// build (of the code that resumes: this is inlined there) uses the
  /// compare-exchange, so there the loser of such a race is refused too.
  @inlinable
  final func lock(from expected: Phase) -> Phase? {
    // (Through a property: a literal `if _isDebugAssertConfiguration()` here
    // makes the compiler warn that the other path is never executed.)
    if Self.catchesRacingResumes {
      let (exchanged, original) = phase.compareExchange(
        expected: expected.rawValue, desired: Phase.running.rawValue, ordering: .acquiring)
      return exchanged ? nil : Phase(rawValue: original)!
    }
    let original = phase.load(ordering: .acquiring)
    guard original == expected.rawValue else { return Phase(rawValue: original)! }
    phase.store(Phase.running.rawValue, ordering: .relaxed)
    return nil
  }

  /// Whether `lock(from:)` uses a compare-exchange: in debug builds of the resuming code.
  @inlinable
  static var catchesRacingResumes: Bool { _isDebugAssertConfiguration() }

  @inlinable
  final func publish(_ next: Phase) {
    phase.store(next.rawValue, ordering: .releasing)
  }

  /// Maps a stack and builds the first frame; done lazily at the first resume
  /// so that making a generator costs no system call.
  @usableFromInline
  final func prepareStack() throws(GeneratorError) {
    if context != nil { return }
    var fresh = cgr_stack()
    let error = cgr_stack_acquire(stackSize, &fresh)
    guard error == 0 else {
      throw GeneratorError(.stackAllocationFailed, Self.allocationMessage(error, size: stackSize))
    }
    stack = fresh
    checksCanary = fresh.guard == CGR_GUARD_CANARY
    let made = cgr_context_init(
      &stack, coroutineEntry, Unmanaged.passUnretained(self).toOpaque(), slotBytes, slotAlignment)!
    context = made
    slots = made.pointee.slots
  }

  static func allocationMessage(_ error: Int32, size: Int) -> String {
    var stats = cgr_stats()
    cgr_get_stats(&stats)
    return "could not map a \(size)-byte generator stack (errno \(error)): "
      + "\(stats.mapped_stacks) generator stacks are mapped. The process is out of memory or out of "
      + "memory mappings (Linux: vm.max_map_count); finish or close generators you no longer need, "
      + "or give them a smaller stackSize."
  }

  /// Switches into the body and back.
  @inlinable
  final func switchIn() {
    signal = .running
    cgr_resume(context!)
    if checksCanary { verifyCanary() }
  }

  /// Switches from the body to its resumer.
  @inlinable
  final func switchOut(_ reason: Signal) {
    signal = reason
    cgr_suspend(context!)
  }

  @usableFromInline
  final func verifyCanary() {
    if cgr_stack_intact(&stack) == 0 {
      fatalError(
        "a generator body overflowed its \(stackSize)-byte stack, which has no guard page "
          + "(the process ran out of memory mappings for guards); memory next to it may be "
          + "corrupt. Give the generator a larger stackSize.")
    }
  }

  /// Returns the stack once the body has finished for good.
  @usableFromInline
  final func releaseStack() {
    guard let finished = context else { return }
    cgr_context_dispose(finished)
    context = nil
    slots = nil
    cgr_stack_release(&stack)
  }

  /// Called by the body's last act: leaves the thread's exclusivity context
  /// (its accesses have all ended) before the final switch in `cgr_start`.
  @usableFromInline
  final func finishOnStack() {
    signal = .finished
    cgr_leave_thread_context(context!)
  }
}

/// The C entry of every coroutine stack: runs the body without retaining it.
private let coroutineEntry: @convention(c) (UnsafeMutableRawPointer?) -> Void = { raw in
  let core = Unmanaged<_CoroutineCore>.fromOpaque(raw!)
  core._withUnsafeGuaranteedRef { $0.runBody }(raw!)
  core._withUnsafeGuaranteedRef { $0.finishOnStack() }
}
