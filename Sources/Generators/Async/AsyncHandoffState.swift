// The pure state machine between an async generator's consumer and its body.
// Every method runs under the handoff's lock and returns what to do after
// unlocking (resume a continuation, start the body, finish), so no
// continuation is ever resumed while the lock is held.

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
enum AsyncPhase: Sendable {
  /// Made; the body has not started.
  case created
  /// The body is executing (or, buffered, producing ahead).
  case running
  /// The body waits at a `yield` for the consumer.
  case suspended
  /// The body returned, threw or was closed.
  case finished
}

@usableFromInline
struct AsyncHandoffState<Element: Sendable, Sent: Sendable> {
  /// The body, its return value boxed.
  @usableFromInline typealias Body = nonisolated(nonsending) (AsyncYielder<Element, Sent>) async throws -> any Sendable

  @usableFromInline var phase = AsyncPhase.created
  @usableFromInline var body: Body?
  @usableFromInline var task: Task<Void, Never>?
  /// The body, paused in `yield` (unbuffered) or waiting for room (buffered).
  @usableFromInline var bodyWaiting: UnsafeContinuation<AsyncCommand<Sent>, Never>?
  /// The consumer, waiting for the body to report.
  @usableFromInline var consumerWaiting: UnsafeContinuation<Void, Never>?
  /// Unbuffered: what the body last reported. Buffered: how it finished.
  @usableFromInline var outcome: AsyncOutcome<Element>?
  /// A consumer call (`next`, `send`, `throw`, `close`) is in progress.
  @usableFromInline var consumerBusy = false
  /// `close()` or release asked the body to stop; its next `yield` throws `GeneratorExit`.
  @usableFromInline var closeRequested = false
  /// `GeneratorExit` has been thrown at a `yield` once already.
  @usableFromInline var closeDelivered = false
  /// The consumer released the generator; nobody will read what the body reports.
  @usableFromInline var abandoned = false
  @usableFromInline var returnValue: (any Sendable)?

  @usableFromInline
  init(body: @escaping Body) {
    self.body = body
  }

  /// The outcome the waiting consumer is owed, if the body has reported.
  @inlinable mutating func takeOutcome() -> AsyncOutcome<Element>? {
    guard let outcome = outcome.take() else { return nil }
    consumerBusy = false
    return outcome
  }

  /// The body returned or threw. Returns the consumer to wake, if any.
  @inlinable mutating func bodyFinished(_ result: AsyncOutcome<Element>, returning value: (any Sendable)?) -> UnsafeContinuation<Void, Never>? {
    phase = .finished
    task = nil
    bodyWaiting = nil
    returnValue = value
    outcome = result
    return consumerWaiting.take()
  }

  @inlinable var publicState: GeneratorState {
    switch phase {
    case .created: .created
    case .running: .running
    case .suspended: .suspended
    case .finished: .closed
    }
  }
}
