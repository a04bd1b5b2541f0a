// The state machine between an async generator's consumer and its body.
//
// Pure: no lock, no task, no continuation is touched here. The handoff
// (`_AsyncHandoff`) calls one event method under its lock and gets back an
// action to carry out after unlocking (resume a continuation, start the body,
// throw), so no continuation is ever resumed while the lock is held. The
// waiters are generic so that the tests can drive every event with plain
// values, one event at a time, without tasks.

/// What the consumer asks of a paused `yield`.
@usableFromInline
enum AsyncCommand<Sent: Sendable>: Sendable {
  case next
  case send(Sent)
  case raise(any Error)
  case close
}

/// What the body reported to the consumer. (The return value itself is kept
/// boxed in the state, so that nothing on the per-element path is generic
/// over `Return`.)
@usableFromInline
enum AsyncOutcome<Element: Sendable>: Sendable {
  case yielded(Element)
  case returned
  case failed(any Error)
}

@usableFromInline
struct AsyncHandoffStateMachine<Element: Sendable, Sent: Sendable, BodyWaiter, ConsumerWaiter> {
  /// The body, its return value boxed.
  @usableFromInline typealias Body = nonisolated(nonsending) (AsyncYielder<Element, Sent>) async throws -> any Sendable

  @usableFromInline
  enum Phase {
    /// Made; the body has not started.
    case created(Body)
    /// The body is executing. Buffered, it may be asleep waiting for room in
    /// the ring (`waitingForRoom`); unbuffered, that is always nil.
    case running(waitingForRoom: BodyWaiter?)
    /// Unbuffered: the body waits at a `yield` for the consumer.
    case suspended(BodyWaiter)
    /// The body returned, threw or was closed.
    case finished
  }

  /// How far closing has got: where ``GeneratorExit`` stands.
  @usableFromInline
  enum Exit {
    /// Nobody asked the body to stop.
    case none
    /// `close()` resumed the paused body with `GeneratorExit` and waits for it
    /// (a body that yields again pauses, and `close()` reports it).
    case thrownByClose
    /// Release or a buffered `close()` asked the body to stop while it ran:
    /// its next `yield` throws `GeneratorExit`.
    case pending
    /// `GeneratorExit` was thrown after a request: a `yield` now is ignored-close.
    case thrown
  }

  /// What a `yield` gets when the body was asked to stop.
  @usableFromInline
  enum ExitCommand {
    case generatorExit
    /// The body yielded again after `GeneratorExit`.
    case ignoredClose
  }

  @usableFromInline var phase: Phase
  @usableFromInline var exit = Exit.none
  @usableFromInline var task: Task<Void, Never>?
  /// The consumer, waiting for the body to report (or, buffered, for values).
  @usableFromInline var consumerWaiting: ConsumerWaiter?
  /// Unbuffered: what the body last reported, until the consumer takes it.
  /// Buffered: how the body finished.
  @usableFromInline var outcome: AsyncOutcome<Element>?
  /// An unbuffered consumer call (`next`, `send`, `throw`, `close`) is in progress.
  @usableFromInline var consumerBusy = false
  /// The consumer released the generator; nobody will read what the body reports.
  @usableFromInline var abandoned = false
  @usableFromInline var returnValue: (any Sendable)?

  @usableFromInline
  init(body: @escaping Body) {
    phase = .created(body)
  }

  @inlinable var isFinished: Bool {
    if case .finished = phase { return true }
    return false
  }

  /// Whether the body's next `yield` must throw: mirrored, for the buffered
  /// body's lock-free check, in the handoff's `closing` flag.
  @inlinable var exitRequested: Bool {
    switch exit {
    case .pending, .thrown: true
    case .none, .thrownByClose: false
    }
  }

  @inlinable var publicState: GeneratorState {
    switch phase {
    case .created: .created
    case .running: .running
    case .suspended: .suspended
    case .finished: .closed
    }
  }

  /// Ends a generator that never started: its body is dropped unrun.
  @inlinable mutating func finishUnstarted() {
    phase = .finished
  }

  // MARK: Unbuffered: the consumer's events

  @usableFromInline
  enum ResumeAction {
    case start(Body)
    case resume(BodyWaiter, AsyncCommand<Sent>, cancel: Task<Void, Never>?)
    case finished
    case fail(ResumeFailure)
  }

  @usableFromInline
  enum ResumeFailure {
    case alreadyExecuting
    case sendBeforeStart
    case cancelled
    /// `throw(_:)` before the start or after the end: the error itself.
    case rethrow(any Error)
  }

  /// `next()`, `send(_:)` or `throw(_:)` (unbuffered). `cancelled`: the
  /// consumer's task is cancelled.
  @inlinable
  mutating func consumerResumes(with command: AsyncCommand<Sent>, cancelled: Bool) -> ResumeAction {
    if consumerBusy { return .fail(.alreadyExecuting) }
    switch phase {
    case .created(let body):
      switch command {
      case .next, .close: break
      case .send:
        if Sent.self != Void.self { return .fail(.sendBeforeStart) }
      case .raise(let error):
        // Python: throwing into a just-started generator closes it and raises.
        finishUnstarted()
        return .fail(.rethrow(error))
      }
      if cancelled {
        finishUnstarted()
        return .fail(.cancelled)
      }
      phase = .running(waitingForRoom: nil)
      consumerBusy = true
      return .start(body)
    case .suspended(let body):
      phase = .running(waitingForRoom: nil)
      consumerBusy = true
      switch command {
      case .next, .send:
        // The consumer's task was cancelled: the body's pending yield throws.
        if cancelled { return .resume(body, .raise(CancellationError()), cancel: task) }
      case .raise, .close: break
      }
      return .resume(body, command, cancel: nil)
    case .running:
      return .fail(.alreadyExecuting)
    case .finished:
      if case .raise(let error) = command { return .fail(.rethrow(error)) }
      return .finished
    }
  }

  /// The outcome the waiting consumer is owed, if the body has reported.
  @inlinable
  mutating func takeOutcome() -> AsyncOutcome<Element>? {
    guard let outcome = outcome.take() else { return nil }
    consumerBusy = false
    return outcome
  }

  /// The consumer waits for the body to report. Returns true when it has
  /// already (resume the waiter at once); otherwise the waiter is kept.
  @inlinable
  mutating func consumerWaitsForOutcome(_ waiter: ConsumerWaiter) -> Bool {
    if outcome != nil { return true }
    consumerWaiting = waiter
    return false
  }

  @usableFromInline
  enum CloseAction {
    case done
    case resume(BodyWaiter)
    case fail(ResumeFailure)
  }

  /// `close()` (unbuffered): `GeneratorExit` at the paused `yield`.
  @inlinable
  mutating func consumerCloses() -> CloseAction {
    if consumerBusy { return .fail(.alreadyExecuting) }
    switch phase {
    case .created:
      finishUnstarted()
      return .done
    case .finished:
      return .done
    case .running:
      return .fail(.alreadyExecuting)
    case .suspended(let body):
      phase = .running(waitingForRoom: nil)
      consumerBusy = true
      exit = exit == .none ? .thrownByClose : .thrown
      return .resume(body)
    }
  }

  /// The handle was released: the body is to stop. Returns a paused body (or,
  /// buffered, one asleep waiting for room) to resume with `.close`.
  @inlinable
  mutating func consumerAbandons() -> BodyWaiter? {
    abandoned = true
    switch phase {
    case .created:
      finishUnstarted()
      return nil
    case .suspended(let body):
      phase = .running(waitingForRoom: nil)
      exit = .thrown
      return body
    case .running(let waiting?):
      phase = .running(waitingForRoom: nil)
      exit = .thrown
      return waiting
    case .running(nil):
      // Its next yield throws GeneratorExit.
      if exit == .none { exit = .pending } else if exit == .thrownByClose { exit = .thrown }
      return nil
    case .finished:
      return nil
    }
  }

  // MARK: The body's events

  @usableFromInline
  enum YieldAction {
    /// Paused: wake this consumer, if one waits.
    case paused(ConsumerWaiter?)
    /// Do not pause: the body was asked to stop.
    case resumeNow(ExitCommand)
  }

  /// The unbuffered body yields `value`, paused on `waiter`.
  @inlinable
  mutating func bodyYields(_ value: Element, waiter: BodyWaiter) -> YieldAction {
    if exitRequested { return .resumeNow(deliverExit()) }
    phase = .suspended(waiter)
    outcome = .yielded(value)
    return .paused(consumerWaiting.take())
  }

  /// A `yield` after the body was asked to stop: `GeneratorExit` once, and
  /// ignored-close if it yields yet again.
  @inlinable
  mutating func deliverExit() -> ExitCommand {
    if exit == .thrown { return .ignoredClose }
    exit = .thrown
    return .generatorExit
  }

  /// The body started as a task.
  @inlinable
  mutating func bodyStarted(as task: Task<Void, Never>) {
    if !isFinished { self.task = task }
  }

  /// The body returned or threw. Returns the consumer to wake, if any.
  @inlinable
  mutating func bodyFinished(_ result: AsyncOutcome<Element>, returning value: (any Sendable)?) -> ConsumerWaiter? {
    phase = .finished
    task = nil
    returnValue = value
    outcome = result
    return consumerWaiting.take()
  }

  // MARK: Buffered

  /// `buffered(n)` takes the body over to a new, buffered handoff; this one
  /// is finished. Nil if the body has started.
  @inlinable
  mutating func bodyMovedToBufferedHandoff() -> Body? {
    guard case .created(let body) = phase else { return nil }
    finishUnstarted()
    return body
  }

  /// The buffered consumer's first look: the body to start, if not yet started.
  @inlinable
  mutating func bufferedConsumerStarts() -> Body? {
    guard case .created(let body) = phase else { return nil }
    phase = .running(waitingForRoom: nil)
    return body
  }

  /// The buffered body found the ring full and sleeps on `waiter`, unless it
  /// was asked to stop.
  @inlinable
  mutating func bodyWaitsForRoom(_ waiter: BodyWaiter) -> ExitCommand? {
    if exitRequested { return deliverExit() }
    phase = .running(waitingForRoom: waiter)
    return nil
  }

  /// The body asleep waiting for room, taken to be woken.
  @inlinable
  mutating func takeBodyWaitingForRoom() -> BodyWaiter? {
    guard case .running(let waiter?) = phase else { return nil }
    phase = .running(waitingForRoom: nil)
    return waiter
  }

  /// The buffered consumer sleeps until values come or the body finishes.
  /// Returns true when the body has finished (resume the waiter at once).
  @inlinable
  mutating func consumerWaitsForBody(_ waiter: ConsumerWaiter) -> Bool {
    if isFinished { return true }
    consumerWaiting = waiter
    return false
  }

  /// The consumer, taken to be woken.
  @inlinable
  mutating func takeConsumerWaiting() -> ConsumerWaiter? { consumerWaiting.take() }

  /// A buffered `close()`: asks a running body to stop. Returns false when
  /// there is no body to stop (never started, or finished).
  @inlinable
  mutating func consumerClosesBuffered() -> Bool {
    switch phase {
    case .created:
      finishUnstarted()
      return false
    case .finished:
      return false
    case .running, .suspended:
      if exit == .none { exit = .pending }
      return true
    }
  }
}
