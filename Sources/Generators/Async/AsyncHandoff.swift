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
final class _AsyncHandoff<Element: Sendable, Sent: Sendable, Return: Sendable>: TaskExecutor, Sendable {
  typealias State = AsyncHandoffState<Element, Sent, Return>
  typealias BodyContinuation = UnsafeContinuation<AsyncCommand<Sent>, Never>
  typealias ConsumerContinuation = UnsafeContinuation<Void, Never>

  // What to do once the lock is released, one enum per operation.
  enum ResumeAction {
    case start(State.Body)
    case resume(BodyContinuation, AsyncCommand<Sent>, cancel: Task<Void, Never>?)
    case finished
    case fail(any Error)
  }
  enum CloseAction { case done, resume(BodyContinuation), fail(any Error) }
  enum YieldAction { case paused(ConsumerContinuation?), resumeNow(AsyncCommand<Sent>) }
  enum ProduceAction { case proceed(ConsumerContinuation?), wait(ConsumerContinuation?), command(AsyncCommand<Sent>) }
  enum BufferedNextAction {
    case value(Element, BodyContinuation?)
    case start(State.Body)
    case wait
    case finished(AsyncOutcome<Element, Return>?)
    case fail(any Error)
  }
  enum BufferedCloseAction { case done, wait(BodyContinuation?) }

  private let state: Mutex<State>
  /// Set by the consumer around a resume: the next job enqueued runs inline.
  let runNextJobInline = Atomic<Bool>(false)
  /// 0: unbuffered. Otherwise the body may run this many values ahead.
  let capacity: Int

  init(capacity: Int, body: sending @escaping State.Body) {
    precondition(capacity >= 0, "an async generator's buffer cannot be negative (got \(capacity))")
    var initial = State(body: body)
    if capacity > 0 { initial.ring = Array(repeating: nil, count: capacity) }
    self.state = Mutex(initial)
    self.capacity = capacity
  }

  /// Runs `body` under the lock. (Announced to Thread Sanitizer, which cannot see `Mutex`.)
  @inline(__always)
  func locked<Result>(_ body: (inout sending State) -> sending Result) -> sending Result {
    state.withLock { state in
      let address = Unmanaged.passUnretained(self).toOpaque()
      cgr_tsan_acquire(address)
      defer { cgr_tsan_release(address) }
      return body(&state)
    }
  }

  // MARK: Executor

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
  @inline(__always)
  func inline(_ resume: () -> Void) {
    runNextJobInline.store(true, ordering: .relaxed)
    resume()
    runNextJobInline.store(false, ordering: .relaxed)
  }

  // MARK: Starting and finishing the body

  /// Starts the body's task. Unbuffered, it runs inline up to its first `yield`.
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

  private func run(_ body: State.Body, _ yielder: AsyncYielder<Element, Sent>) async {
    let result: AsyncOutcome<Element, Return>
    do {
      result = .returned(try await body(yielder))
    } catch {
      result = .failed(error)
    }
    let (consumer, abandoned) = locked { state in
      (state.bodyFinished(result), state.abandoned)
    }
    if abandoned, case .failed(let error) = result, !isGeneratorExit(error), !(error is CancellationError) {
      // Python prints "Exception ignored in: <async_generator>" here.
      writeToStandardError("swift-generators: a released AsyncCoroutine's body threw while closing: \(error)\n")
    }
    consumer?.resume()
  }

  // MARK: The consumer's side

  /// `next()`, `send(_:)` and `throw(_:)`.
  func resume(_ command: AsyncCommand<Sent>) async throws -> Element? {
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
  private func outcome() async -> AsyncOutcome<Element, Return> {
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
  func close() async throws {
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

  static func checkClosed(_ outcome: AsyncOutcome<Element, Return>) throws {
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
  func abandon() {
    let body = locked { state -> UnsafeContinuation<AsyncCommand<Sent>, Never>? in
      state.abandoned = true
      state.closeRequested = true
      state.dropBuffered()
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
  func suspend(yielding value: Element) async -> AsyncCommand<Sent> {
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
  private static func closeCommand(_ state: inout State) -> AsyncCommand<Sent> {
    if state.closeDelivered {
      writeToStandardError("swift-generators: an AsyncCoroutine body yielded again after GeneratorExit\n")
      return .raise(ignoredClose)
    }
    state.closeDelivered = true
    return .close
  }

  // MARK: Buffered

  /// The buffered body's `yield`: add to the ring; pause only when it is full.
  private func produce(_ value: Element) async -> AsyncCommand<Sent> {
    if Task.isCancelled { return .raise(CancellationError()) }
    let action = locked { state -> ProduceAction in
      if state.closeRequested { return .command(Self.closeCommand(&state)) }
      state.push(value)
      let consumer = state.consumerWaiting.take()
      return state.count == capacity ? .wait(consumer) : .proceed(consumer)
    }
    switch action {
    case .command(let command):
      return command
    case .proceed(let consumer):
      consumer?.resume()
      return .next
    case .wait(let consumer):
      consumer?.resume()
      return await withUnsafeContinuation { (body: UnsafeContinuation<AsyncCommand<Sent>, Never>) in
        let resumeNow = locked { state -> AsyncCommand<Sent>? in
          if state.closeRequested { return Self.closeCommand(&state) }
          if state.count < capacity { return .next }  // the consumer made room meanwhile
          state.bodyWaiting = body
          return nil
        }
        if let resumeNow { body.resume(returning: resumeNow) }
      }
    }
  }

  /// The consumer's `next()` on a buffered generator.
  private func nextBuffered(_ command: AsyncCommand<Sent>) async throws -> Element? {
    switch command {
    case .next: break
    case .send where Sent.self == Void.self: break
    case .send, .raise, .close:
      throw GeneratorError(
        .unsupportedWhenBuffered,
        "send(_:) and throw(_:) need an unbuffered AsyncCoroutine: a buffered body runs ahead, "
          + "so no yield is waiting for the value")
    }
    if Task.isCancelled {
      let (task, body) = locked { state in
        state.dropBuffered()
        return (state.task, state.bodyWaiting.take())
      }
      task?.cancel()
      body?.resume(returning: .raise(CancellationError()))
      throw CancellationError()
    }
    while true {
      let action = locked { state -> BufferedNextAction in
        if state.consumerBusy { return .fail(Self.alreadyExecuting) }
        if state.count > 0 {
          let value = state.pop()
          // Wake a paused body only when half the ring is free, so it refills in bulk.
          let refill = state.count <= capacity / 2 ? state.bodyWaiting.take() : nil
          return .value(value, refill)
        }
        switch state.phase {
        case .created:
          state.phase = .running
          return .start(state.body.take()!)
        case .finished:
          return .finished(state.outcome.take())
        case .running, .suspended:
          state.consumerBusy = true
          return .wait
        }
      }
      switch action {
      case .value(let value, let body):
        body?.resume(returning: .next)
        return value
      case .start(let body):
        start(body)
      case .finished(let outcome):
        guard let outcome else { return nil }
        switch outcome {
        case .returned, .yielded: return nil
        case .failed(let error): throw error
        }
      case .fail(let error):
        throw error
      case .wait:
        defer { locked { $0.consumerBusy = false } }
        try await waitForBody()
      }
    }
  }

  /// Waits until the buffered body has produced or finished.
  private func waitForBody() async throws {
    try await withTaskCancellationHandler {
      await withUnsafeContinuation { (consumer: UnsafeContinuation<Void, Never>) in
        let ready = locked { state in
          if state.count > 0 || state.phase == .finished { return true }
          state.consumerWaiting = consumer
          return false
        }
        if ready { consumer.resume() }
      }
      try Task.checkCancellation()
    } onCancel: {
      let (task, consumer) = locked { ($0.task, $0.consumerWaiting.take()) }
      task?.cancel()
      consumer?.resume()
    }
  }

  private func closeBuffered() async throws {
    let action = locked { state -> BufferedCloseAction in
      state.dropBuffered()
      switch state.phase {
      case .created:
        state.phase = .finished
        state.body = nil
        return .done
      case .finished:
        return .done
      case .running, .suspended:
        state.closeRequested = true
        guard let body = state.bodyWaiting.take() else { return .wait(nil) }
        state.closeDelivered = true
        return .wait(body)
      }
    }
    guard case .wait(let body) = action else { return }
    body?.resume(returning: .close)
    while true {
      await withUnsafeContinuation { (consumer: UnsafeContinuation<Void, Never>) in
        let finished = locked { state in
          if state.phase == .finished { return true }
          state.consumerWaiting = consumer
          return false
        }
        if finished { consumer.resume() }
      }
      let outcome = locked { state -> AsyncOutcome<Element, Return>?? in
        state.dropBuffered()
        return state.phase == .finished ? .some(state.outcome.take()) : nil
      }
      if let outcome {
        if let outcome { try Self.checkClosed(outcome) }
        return
      }
    }
  }

  // MARK: Errors

  static var alreadyExecuting: GeneratorError {
    GeneratorError(
      .alreadyExecuting,
      "async generator already executing: it was resumed from inside its own body, "
        + "or by two consumers at once (Python: RuntimeError: anext(): asynchronous generator is already running)")
  }

  static var sendBeforeStart: GeneratorError {
    GeneratorError(
      .sendBeforeStart,
      "can't send a value to a just-started async generator: prime it with next() first")
  }

  static var ignoredClose: GeneratorError {
    GeneratorError(
      .ignoredClose,
      "async generator ignored GeneratorExit: its body yielded again after close(); "
        + "a body that catches GeneratorExit must finish, not yield")
  }
}
