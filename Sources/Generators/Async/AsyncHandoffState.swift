// The pure state machine between an async generator's consumer and its body.
// Every method runs under the handoff's lock and returns what to do after
// unlocking (resume a continuation, start the body, finish), so no
// continuation is ever resumed while the lock is held.

/// What the consumer asks of a paused `yield`.
enum AsyncCommand<Sent: Sendable>: Sendable {
  case next
  case send(Sent)
  case raise(any Error)
  case close
}

/// What the body reported to the consumer.
enum AsyncOutcome<Element: Sendable, Return: Sendable>: Sendable {
  case yielded(Element)
  case returned(Return)
  case failed(any Error)
}

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

struct AsyncHandoffState<Element: Sendable, Sent: Sendable, Return: Sendable> {
  typealias Body = (AsyncYielder<Element, Sent>) async throws -> Return

  var phase = AsyncPhase.created
  var body: Body?
  var task: Task<Void, Never>?
  /// The body, paused in `yield` (unbuffered) or waiting for room (buffered).
  var bodyWaiting: UnsafeContinuation<AsyncCommand<Sent>, Never>?
  /// The consumer, waiting for the body to report.
  var consumerWaiting: UnsafeContinuation<Void, Never>?
  /// Unbuffered: what the body last reported. Buffered: how it finished.
  var outcome: AsyncOutcome<Element, Return>?
  /// A consumer call (`next`, `send`, `throw`, `close`) is in progress.
  var consumerBusy = false
  /// `close()` or release asked the body to stop; its next `yield` throws `GeneratorExit`.
  var closeRequested = false
  /// `GeneratorExit` has been thrown at a `yield` once already.
  var closeDelivered = false
  /// The consumer released the generator; nobody will read what the body reports.
  var abandoned = false
  var returnValue: Return?

  // Buffered mode: a ring of `capacity` values produced ahead.
  var ring: [Element?] = []
  var head = 0
  var count = 0

  init(body: @escaping Body) {
    self.body = body
  }

  mutating func push(_ value: Element) {
    ring[(head + count) % ring.count] = value
    count += 1
  }

  mutating func pop() -> Element {
    let value = ring[head].take()!
    head = (head + 1) % ring.count
    count -= 1
    return value
  }

  mutating func dropBuffered() {
    while count > 0 { _ = pop() }
  }

  /// The outcome the waiting consumer is owed, if the body has reported.
  mutating func takeOutcome() -> AsyncOutcome<Element, Return>? {
    guard let outcome = outcome.take() else { return nil }
    consumerBusy = false
    return outcome
  }

  /// The body returned or threw. Returns the consumer to wake, if any.
  mutating func bodyFinished(_ result: AsyncOutcome<Element, Return>) -> UnsafeContinuation<Void, Never>? {
    phase = .finished
    task = nil
    bodyWaiting = nil
    if case .returned(let value) = result { returnValue = value }
    outcome = result
    return consumerWaiting.take()
  }

  var publicState: GeneratorState {
    switch phase {
    case .created: .created
    case .running: .running
    case .suspended: .suspended
    case .finished: .closed
    }
  }
}
