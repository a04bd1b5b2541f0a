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
  /// The phase, atomically: the resumer takes `.suspended` → `.running` with a
  /// compare-exchange, so a second thread is refused instead of corrupting the stack.
  @usableFromInline
  final let phase: Atomic<UInt8>

  @usableFromInline
  init(stackSize: Int) {
    precondition(stackSize > 0, "stackSize must be positive, got \(stackSize)")
    self.stackSize = stackSize
    self.phase = Atomic(Phase.created.rawValue)
  }

  /// Runs the body on the coroutine stack; overridden by ``Coroutine``.
  @usableFromInline
  func runBody() { fatalError("abstract") }

  @inlinable
  final var currentPhase: Phase {
    Phase(rawValue: phase.load(ordering: .acquiring))!
  }

  /// Moves `expected` to `.running`, or returns the phase that was there.
  @inlinable
  final func lock(from expected: Phase) -> Phase? {
    let (exchanged, original) = phase.compareExchange(
      expected: expected.rawValue, desired: Phase.running.rawValue,
      successOrdering: .acquiring, failureOrdering: .acquiring)
    return exchanged ? nil : Phase(rawValue: original)!
  }

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
    context = cgr_context_init(&stack, coroutineEntry, Unmanaged.passUnretained(self).toOpaque())
  }

  static func allocationMessage(_ error: Int32, size: Int) -> String {
    var stats = cgr_stats()
    cgr_get_stats(&stats)
    return "could not map a \(size)-byte generator stack (errno \(error)): "
      + "\(stats.live_stacks) generator stacks are alive. The process is out of memory or out of "
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
    guard context != nil else { return }
    context = nil
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
  Unmanaged<_CoroutineCore>.fromOpaque(raw!)._withUnsafeGuaranteedRef { core in
    core.runBody()
    core.finishOnStack()
  }
}
