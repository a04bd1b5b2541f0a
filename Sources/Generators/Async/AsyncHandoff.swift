import CGeneratorsRuntime
import Dispatch
import Synchronization

/// What an async generator's consumer handle and its body share, and the
/// executor the body runs on. The decisions are the state machine's
/// (`AsyncHandoffStateMachine`, under `state`'s lock); this type carries out
/// the actions it returns (resuming continuations after unlocking, starting
/// the body's task), and, buffered, moves values through `ring`.
///
/// The body is a task of its own (its frames must live somewhere while it is
/// paused). Unbuffered, that task prefers this executor, which runs a job
/// *inline* when the consumer has just resumed the body: `next()` then runs the
/// body on the consumer's thread up to its next `yield` and returns without
/// suspending, so no thread is woken per element. Every other job (the body's
/// own awaits finishing, child tasks) goes to a global queue, so nothing runs
/// inline under someone else's lock.
///
/// The handle (``AsyncCoroutine``) owns this object, and so does the body's
/// task; the body never references the handle, so releasing the handle is seen
/// here (`abandon()`) and closes the body.
@usableFromInline
final class _AsyncHandoff<Element: Sendable, Sent: Sendable>: TaskExecutor, Sendable {
  @usableFromInline typealias BodyContinuation = UnsafeContinuation<AsyncCommand<Sent>, Never>
  @usableFromInline typealias ConsumerContinuation = UnsafeContinuation<Void, Never>
  @usableFromInline typealias Machine = AsyncHandoffStateMachine<Element, Sent, BodyContinuation, ConsumerContinuation>

  /// The state machine, under the package's one lock (which Thread Sanitizer sees).
  @usableFromInline let state: LockedState<Machine>
  /// Set by the consumer around a resume: the next job enqueued runs inline.
  @usableFromInline let runNextJobInline = Atomic<Bool>(false)
  /// Buffered mode's ring of values (capacity 0: unbuffered).
  @usableFromInline let ring: AsyncRing<Element>
  /// Held by the one consumer inside a buffered `next()` or `close()`.
  @usableFromInline let consumerClaim = Atomic<Bool>(false)
  /// The body has finished; its outcome is in the machine. (Read lock-free by the buffered consumer.)
  @usableFromInline let bodyDone = Atomic<Bool>(false)
  /// A lock-free hint for the buffered body, set when the machine's
  /// `exitRequested` becomes true: a body that sees it takes the lock and
  /// asks the machine; one that has not seen it yet learns at its next pause.
  @usableFromInline let closing = Atomic<Bool>(false)

  @inlinable var capacity: Int { ring.capacity }

  @usableFromInline
  init(capacity: Int, body: sending @escaping Machine.Body) {
    self.state = LockedState(Machine(body: body))
    self.ring = AsyncRing(capacity: capacity)
  }

  /// Runs `body` under the lock.
  @inlinable @inline(__always)
  func locked<Result>(_ body: (inout sending Machine) -> sending Result) -> sending Result {
    state.withLock(body)
  }

  // MARK: Executor

  @usableFromInline
  func enqueue(_ job: consuming ExecutorJob) {
    if runNextJobInline.exchange(false, ordering: .relaxed) {
      job.runSynchronously(on: asUnownedTaskExecutor())
    } else {
      let job = UnownedJob(job)
      let executor = asUnownedTaskExecutor()
      DispatchQueue.global().async { job.runSynchronously(on: executor) }
    }
  }

  /// Runs `resume` with the body's next job (if it makes one) inline.
  @inlinable @inline(__always)
  func inline(_ resume: () -> Void) {
    runNextJobInline.store(true, ordering: .relaxed)
    resume()
    runNextJobInline.store(false, ordering: .relaxed)
  }

  // MARK: Starting and finishing the body

  /// Starts the body's task. Unbuffered, it runs inline up to its first `yield`.
  @usableFromInline
  func start(_ body: sending @escaping Machine.Body) {
    let yielder = AsyncYielder(self)
    let task: Task<Void, Never>
    if capacity == 0 {
      runNextJobInline.store(true, ordering: .relaxed)
      task = Task(executorPreference: self) { await self.run(body, yielder) }
      runNextJobInline.store(false, ordering: .relaxed)
    } else {
      task = Task { await self.run(body, yielder) }
    }
    locked { $0.bodyStarted(as: task) }
  }

  nonisolated(nonsending) func run(_ body: Machine.Body, _ yielder: AsyncYielder<Element, Sent>) async {
    let result: AsyncOutcome<Element>
    var value: (any Sendable)?
    do {
      value = try await body(yielder)
      result = .returned
    } catch {
      result = .failed(error)
    }
    let (consumer, abandoned) = locked { [value] state in
      bodyDone.store(true, ordering: .sequentiallyConsistent)
      ring.consumerSleeping.store(false, ordering: .relaxed)
      return (state.bodyFinished(result, returning: value), state.abandoned)
    }
    if abandoned, case .failed(let error) = result, !isGeneratorExit(error), !(error is CancellationError) {
      // Python prints "Exception ignored in: <async_generator>" here.
      writeToStandardError("swift-generators: a released AsyncCoroutine's body threw while closing: \(error)\n")
    }
    consumer?.resume()
  }

  // MARK: The consumer's side

  /// `next()`, `send(_:)` and `throw(_:)`.
  @inlinable
  nonisolated(nonsending) func resume(_ command: AsyncCommand<Sent>) async throws -> Element? {
    if capacity > 0 { return try await nextBuffered(command) }
    let cancelled = Task.isCancelled
    let action = locked { $0.consumerResumes(with: command, cancelled: cancelled) }
    switch action {
    case .fail(let failure):
      throw Self.error(failure)
    case .finished:
      return nil
    case .start(let body):
      start(body)
    case .resume(let body, let command, let cancel):
      cancel?.cancel()
      inline { body.resume(returning: command) }
    }
    switch await outcome() {
    case .yielded(let value): return value
    case .returned: return nil
    case .failed(let error): throw error
    }
  }

  /// What the body reports next: at once when it ran inline, else after waiting.
  @inlinable
  nonisolated(nonsending) func outcome() async -> AsyncOutcome<Element> {
    if let ready = locked({ $0.takeOutcome() }) { return ready }
    return await withTaskCancellationHandler {
      while true {
        await withUnsafeContinuation { (consumer: UnsafeContinuation<Void, Never>) in
          if locked({ $0.consumerWaitsForOutcome(consumer) }) { consumer.resume() }
        }
        if let ready = locked({ $0.takeOutcome() }) { return ready }
      }
    } onCancel: {
      // The body is in some other await: cancelling its task ends that await.
      locked { $0.task }?.cancel()
    }
  }

  /// `close()`: `GeneratorExit` at the paused `yield`; waits for the body to finish.
  @usableFromInline
  nonisolated(nonsending) func close() async throws {
    if capacity > 0 { return try await closeBuffered() }
    let action = locked { $0.consumerCloses() }
    switch action {
    case .done: return
    case .fail(let failure): throw Self.error(failure)
    case .resume(let body): inline { body.resume(returning: .close) }
    }
    try Self.checkClosed(await outcome())
  }

  @usableFromInline
  static func checkClosed(_ outcome: AsyncOutcome<Element>) throws {
    switch outcome {
    case .returned: return
    case .failed(let error):
      if isGeneratorExit(error) { return }
      throw error
    case .yielded:
      throw ignoredClose
    }
  }

  /// The handle was released: close the body without waiting for it.
  @usableFromInline
  func abandon() {
    let (body, task) = locked { state in
      let body = state.consumerAbandons()
      if state.exitRequested { closing.store(true, ordering: .sequentiallyConsistent) }
      return (body, state.task)
    }
    ring.producerSleeping.store(false, ordering: .relaxed)
    // Buffered, the body may be busy in another await (a slow request): nobody
    // will read what it makes, so that await is cancelled too.
    if capacity > 0 { task?.cancel() }
    guard let body else { return }
    // Unbuffered, the body's cleanup runs right here, before the release returns.
    if capacity == 0 {
      inline { body.resume(returning: .close) }
    } else {
      body.resume(returning: .close)
    }
  }

  // MARK: The body's side

  /// Pauses the body at a `yield` until the consumer resumes it.
  @inlinable
  nonisolated(nonsending) func suspend(yielding value: Element) async -> AsyncCommand<Sent> {
    if capacity > 0 { return await produce(value) }
    return await withUnsafeContinuation { (body: UnsafeContinuation<AsyncCommand<Sent>, Never>) in
      let action = locked { $0.bodyYields(value, waiter: body) }
      switch action {
      case .paused(let consumer): consumer?.resume()
      case .resumeNow(let exit): body.resume(returning: Self.command(exit))
      }
    }
  }

  /// What a `yield` gets when the body was asked to stop: `GeneratorExit`, or
  /// an ignored-close error (reported, as Python does) if it yields again after it.
  @usableFromInline
  static func command(_ exit: Machine.ExitCommand) -> AsyncCommand<Sent> {
    switch exit {
    case .generatorExit:
      return .close
    case .ignoredClose:
      writeToStandardError("swift-generators: an AsyncCoroutine body yielded again after GeneratorExit\n")
      return .raise(ignoredClose)
    }
  }

  // MARK: Errors

  @usableFromInline
  static func error(_ failure: Machine.ResumeFailure) -> any Error {
    switch failure {
    case .alreadyExecuting: alreadyExecuting
    case .sendBeforeStart: sendBeforeStart
    case .cancelled: CancellationError()
    case .rethrow(let error): error
    }
  }

  @usableFromInline
  static var alreadyExecuting: GeneratorError {
    GeneratorError(
      .alreadyExecuting,
      "async generator already executing: it was resumed from inside its own body, "
        + "or by two consumers at once (Python: RuntimeError: anext(): asynchronous generator is already running)")
  }

  @usableFromInline
  static var sendBeforeStart: GeneratorError {
    GeneratorError(
      .sendBeforeStart,
      "can't send a value to a just-started async generator: prime it with next() first")
  }

  @usableFromInline
  static var ignoredClose: GeneratorError {
    GeneratorError(
      .ignoredClose,
      "async generator ignored GeneratorExit: its body yielded again after close(); "
        + "a body that catches GeneratorExit must finish, not yield")
  }
}
