import CGeneratorsRuntime
import Dispatch
import Synchronization

/// The storage shared by an async generator's consumer handle and its body:
/// the lock, the continuations, and the executor the body runs on.
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
  @usableFromInline typealias State = AsyncHandoffState<Element, Sent>
  @usableFromInline typealias BodyContinuation = UnsafeContinuation<AsyncCommand<Sent>, Never>
  @usableFromInline typealias ConsumerContinuation = UnsafeContinuation<Void, Never>

  // What to do once the lock is released, one enum per operation.
  @usableFromInline enum ResumeAction {
    case start(State.Body)
    case resume(BodyContinuation, AsyncCommand<Sent>, cancel: Task<Void, Never>?)
    case finished
    case fail(any Error)
  }
  @usableFromInline enum CloseAction { case done, resume(BodyContinuation), fail(any Error) }
  @usableFromInline enum YieldAction { case paused(ConsumerContinuation?), resumeNow(AsyncCommand<Sent>) }

  @usableFromInline let state: Mutex<State>
  /// Set by the consumer around a resume: the next job enqueued runs inline.
  @usableFromInline let runNextJobInline = Atomic<Bool>(false)
  /// 0: unbuffered. Otherwise the body may run this many values ahead.
  @usableFromInline let capacity: Int

  // Buffered mode: a single-producer, single-consumer ring of `capacity`
  // values. The body writes a slot, then publishes it by advancing `tail`; the
  // consumer reads the slot, then frees it by advancing `head`. Only the side
  // that owns a counter writes it; the acquire/release pairs order the slot
  // accesses, so no lock is taken per value. A side that finds the ring empty
  // (full) spins briefly, then sleeps on a continuation under the lock after
  // raising its `…Sleeping` flag; the other side checks that flag after each
  // publish (both sequentially consistent, so one of the two always sees the
  // other) and wakes it. The consumer's side is cheaper: it publishes with a
  // release store and reads the body's flag relaxed, because it always checks
  // again, fenced, before it sleeps itself; a body whose flag it saw late has
  // only run less far ahead. The body cannot do the same: it may go quiet in
  // some other await for minutes with a value the consumer must not miss. Each side keeps a private copy of the other's
  // counter and rereads it only when the ring looks full (empty), and the two
  // counters sit on separate cache lines, so the lines move between cores once
  // per batch rather than once per value.
  @usableFromInline nonisolated(unsafe) let slots: UnsafeMutablePointer<Element>?
  let padding0 = CacheLinePadding()
  @usableFromInline let tail = Atomic<Int>(0)
  /// The body's copy of `head`: written and read by the body's task only.
  @exclusivity(unchecked) @usableFromInline nonisolated(unsafe) var producerCachedHead = 0
  let padding1 = CacheLinePadding()
  @usableFromInline let head = Atomic<Int>(0)
  /// The consumer's copy of `tail`: used only while holding `consumerClaim`.
  @exclusivity(unchecked) @usableFromInline nonisolated(unsafe) var consumerCachedTail = 0
  /// Held by the one consumer inside `next()`.
  @usableFromInline let consumerClaim = Atomic<Bool>(false)
  let padding2 = CacheLinePadding()
  // Written rarely, read often by both sides.
  @usableFromInline let consumerSleeping = Atomic<Bool>(false)
  @usableFromInline let producerSleeping = Atomic<Bool>(false)
  /// The body has finished; its outcome is in the state.
  @usableFromInline let bodyDone = Atomic<Bool>(false)
  /// Mirrors `state.closeRequested` for the producer's lock-free check.
  @usableFromInline let closing = Atomic<Bool>(false)

  @usableFromInline
  init(capacity: Int, body: sending @escaping State.Body) {
    precondition(capacity >= 0, "an async generator's buffer cannot be negative (got \(capacity))")
    self.state = Mutex(State(body: body))
    self.capacity = capacity
    self.slots = capacity > 0 ? .allocate(capacity: capacity) : nil
  }

  deinit {
    guard let slots else { return }
    withExtendedLifetime((padding0, padding1, padding2)) {}
    // Values produced and never consumed.
    for index in head.load(ordering: .acquiring)..<tail.load(ordering: .acquiring) {
      (slots + index % capacity).deinitialize(count: 1)
    }
    slots.deallocate()
  }

  /// Runs `body` under the lock. (Announced to Thread Sanitizer, which cannot see `Mutex`.)
  @inlinable @inline(__always)
  func locked<Result>(_ body: (inout sending State) -> sending Result) -> sending Result {
    state.withLock { state in
      let address = Unmanaged.passUnretained(self).toOpaque()
      cgr_tsan_acquire(address)
      defer { cgr_tsan_release(address) }
      return body(&state)
    }
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
  func start(_ body: sending @escaping State.Body) {
    let yielder = AsyncYielder(self)
    let task: Task<Void, Never>
    if capacity == 0 {
      runNextJobInline.store(true, ordering: .relaxed)
      task = Task(executorPreference: self) { await self.run(body, yielder) }
      runNextJobInline.store(false, ordering: .relaxed)
    } else {
      task = Task { await self.run(body, yielder) }
    }
    locked { state in
      if state.phase != .finished { state.task = task }
    }
  }

  nonisolated(nonsending) func run(_ body: State.Body, _ yielder: AsyncYielder<Element, Sent>) async {
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
      consumerSleeping.store(false, ordering: .relaxed)
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
    let action = locked { state -> ResumeAction in
      if state.consumerBusy { return .fail(Self.alreadyExecuting) }
      switch state.phase {
      case .created:
        switch command {
        case .next, .close: break
        case .send:
          if Sent.self != Void.self { return .fail(Self.sendBeforeStart) }
        case .raise(let error):
          // Python: throwing into a just-started generator closes it and raises.
          state.phase = .finished
          state.body = nil
          return .fail(error)
        }
        if cancelled {
          state.phase = .finished
          state.body = nil
          return .fail(CancellationError())
        }
        state.phase = .running
        state.consumerBusy = true
        return .start(state.body.take()!)
      case .suspended:
        state.phase = .running
        state.consumerBusy = true
        let body = state.bodyWaiting.take()!
        switch command {
        case .next, .send:
          // The consumer's task was cancelled: the body's pending yield throws.
          if cancelled { return .resume(body, .raise(CancellationError()), cancel: state.task) }
        case .raise, .close: break
        }
        return .resume(body, command, cancel: nil)
      case .running:
        return .fail(Self.alreadyExecuting)
      case .finished:
        if case .raise(let error) = command { return .fail(error) }
        return .finished
      }
    }
    switch action {
    case .fail(let error):
      throw error
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
          let ready = locked { state in
            if state.outcome != nil { return true }
            state.consumerWaiting = consumer
            return false
          }
          if ready { consumer.resume() }
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
    let action = locked { state -> CloseAction in
      if state.consumerBusy { return .fail(Self.alreadyExecuting) }
      switch state.phase {
      case .created:
        state.phase = .finished
        state.body = nil
        return .done
      case .finished:
        return .done
      case .running:
        return .fail(Self.alreadyExecuting)
      case .suspended:
        state.phase = .running
        state.consumerBusy = true
        state.closeDelivered = true
        return .resume(state.bodyWaiting.take()!)
      }
    }
    switch action {
    case .done: return
    case .fail(let error): throw error
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
    let body = locked { state -> UnsafeContinuation<AsyncCommand<Sent>, Never>? in
      state.abandoned = true
      state.closeRequested = true
      closing.store(true, ordering: .sequentiallyConsistent)
      switch state.phase {
      case .created:
        state.phase = .finished
        state.body = nil
        return nil
      case .suspended:
        state.phase = .running
        state.closeDelivered = true
        return state.bodyWaiting.take()
      case .running:
        // Buffered and waiting for room; otherwise the next yield sees closeRequested.
        if let waiting = state.bodyWaiting.take() {
          producerSleeping.store(false, ordering: .relaxed)
          state.closeDelivered = true
          return waiting
        }
        return nil
      case .finished:
        return nil
      }
    }
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
      let action = locked { state -> YieldAction in
        if state.closeRequested { return .resumeNow(Self.closeCommand(&state)) }
        state.bodyWaiting = body
        state.outcome = .yielded(value)
        state.phase = .suspended
        return .paused(state.consumerWaiting.take())
      }
      switch action {
      case .paused(let consumer): consumer?.resume()
      case .resumeNow(let command): body.resume(returning: command)
      }
    }
  }

  /// A `yield` after close was requested while the body ran: `GeneratorExit`
  /// once, and an ignored-close error if the body yields yet again.
  @usableFromInline
  static func closeCommand(_ state: inout State) -> AsyncCommand<Sent> {
    if state.closeDelivered {
      writeToStandardError("swift-generators: an AsyncCoroutine body yielded again after GeneratorExit\n")
      return .raise(ignoredClose)
    }
    state.closeDelivered = true
    return .close
  }

  // MARK: Errors

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

/// 64 bytes that keep the fields on either side on different cache lines.
struct CacheLinePadding: Sendable {
  var bytes: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
}
