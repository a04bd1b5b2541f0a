// Buffered mode (`AsyncCoroutine.buffered(n)`): the body runs in its own task
// and fills a lock-free ring (`AsyncRing`, which describes the protocol). The
// lock is taken only to start, to sleep, to wake and to finish.
import CGeneratorsRuntime
import Synchronization

extension _AsyncHandoff {
  /// How long a side spins before it sleeps: about as long as waking a thread
  /// takes here (tens of microseconds), so a side that keeps pace never sleeps.
  @inlinable
  static var spinLimit: Int { 200 }

  /// Pauses between two looks at the other side's counter: each look pulls
  /// its cache line over from the other core and slows the side it waits for.
  @inlinable
  static func pause() {
    for _ in 0..<64 { cgr_cpu_relax() }
  }

  // MARK: The body's side

  /// The buffered body's `yield`: publish the value; pause only while the ring is full.
  @inlinable
  nonisolated(nonsending) func produce(_ value: Element) async -> AsyncCommand<Sent> {
    // (Closing first: close() cancels the body's task too, and a yield then
    // throws GeneratorExit, as for any closed generator.)
    if closing.load(ordering: .relaxed) { return Self.command(locked { $0.deliverExit() }) }
    if Task.isCancelled { return .raise(CancellationError()) }
    let waiting = ring.push(value)
    if ring.consumerSleeping.load(ordering: .sequentiallyConsistent) { wakeConsumer() }
    // At most `capacity` values wait: with the ring full, the body stays here.
    if waiting < capacity { return .next }
    return await waitForRoom()
  }

  @usableFromInline
  func wakeConsumer() {
    let consumer = locked { state -> ConsumerContinuation? in
      ring.consumerSleeping.store(false, ordering: .relaxed)
      return state.takeConsumerWaiting()
    }
    consumer?.resume()
  }

  /// The ring is full: spin, then sleep until the consumer has taken half.
  @usableFromInline
  nonisolated(nonsending) func waitForRoom() async -> AsyncCommand<Sent> {
    // Wait for half the ring to be free, so the two sides alternate in batches.
    for _ in 0..<Self.spinLimit {
      Self.pause()
      if ring.waitingValues() <= capacity / 2 { return .next }
      if closing.load(ordering: .relaxed) { break }
    }
    return await withUnsafeContinuation { (body: BodyContinuation) in
      let exit = locked { state -> Machine.ExitCommand? in
        let exit = state.bodyWaitsForRoom(body)
        if exit == nil { ring.producerSleeping.store(true, ordering: .sequentiallyConsistent) }
        return exit
      }
      if let exit { return body.resume(returning: Self.command(exit)) }
      // The consumer may have made room before it could see the flag.
      let used = ring.tail.load(ordering: .relaxed) - ring.head.load(ordering: .sequentiallyConsistent)
      if used <= capacity / 2 { wakeProducer(with: .next) }
    }
  }

  // MARK: The consumer's side

  @usableFromInline
  func wakeProducer(with command: AsyncCommand<Sent>) {
    let body = locked { state -> BodyContinuation? in
      ring.producerSleeping.store(false, ordering: .relaxed)
      return state.takeBodyWaitingForRoom()
    }
    body?.resume(returning: command)
  }

  /// The consumer's `next()` on a buffered generator.
  @inlinable
  nonisolated(nonsending) func nextBuffered(_ command: AsyncCommand<Sent>) async throws -> Element? {
    switch command {
    case .next: break
    case .send where Sent.self == Void.self: break
    case .send, .raise, .close: throw Self.unsupportedWhenBuffered
    }
    guard !consumerClaim.exchange(true, ordering: .acquiring) else { throw Self.alreadyExecuting }
    defer { consumerClaim.store(false, ordering: .releasing) }
    if Task.isCancelled { throw cancelBuffered() }
    while true {
      if let value = ring.pop() {
        // A sleeping body waits for half the ring (it was full, so a slot is free now).
        if ring.producerSleeping.load(ordering: .relaxed), ring.knownWaiting <= capacity / 2 {
          wakeProducer(with: .next)
        }
        return value
      }
      let start = ring.head.load(ordering: .relaxed)
      if bodyDone.load(ordering: .acquiring) {
        // Values published before the body finished are read first.
        if ring.tail.load(ordering: .acquiring) != start { continue }
        return try finishBuffered()
      }
      if try await startOrWait(after: start) { continue }
    }
  }

  /// Starts the body on the first call; otherwise spins, then sleeps, until
  /// a value or the end arrives. Returns true to look at the ring again.
  @usableFromInline
  nonisolated(nonsending) func startOrWait(after start: Int) async throws -> Bool {
    if let body = locked({ $0.bufferedConsumerStarts() }) {
      self.start(body)
      return true
    }
    // An empty ring and a sleeping body: it waits for room that it already has.
    atomicMemoryFence(ordering: .sequentiallyConsistent)
    if ring.producerSleeping.load(ordering: .sequentiallyConsistent) { wakeProducer(with: .next) }
    // A consumer faster than its body would otherwise take values one at a
    // time, pulling the body's cache line over for each: at first, wait for a
    // few to gather.
    let batch = min(8, capacity)
    for round in 0..<Self.spinLimit {
      Self.pause()
      let available = ring.tail.load(ordering: .acquiring) - start
      if available >= (round < 16 ? batch : 1) || bodyDone.load(ordering: .acquiring) { return true }
    }
    try await withTaskCancellationHandler {
      await withUnsafeContinuation { (consumer: ConsumerContinuation) in
        let finished = locked { state -> Bool in
          if state.consumerWaitsForBody(consumer) { return true }
          ring.consumerSleeping.store(true, ordering: .sequentiallyConsistent)
          return false
        }
        if finished { return consumer.resume() }
        // The body may have published before it could see the flag.
        if ring.tail.load(ordering: .sequentiallyConsistent) != start { wakeConsumer() }
      }
      try Task.checkCancellation()
    } onCancel: {
      let task = locked { $0.task }
      task?.cancel()
      wakeConsumer()
    }
    return true
  }

  /// The body has finished and every value was read: its outcome, once.
  @usableFromInline
  func finishBuffered() throws -> Element? {
    let outcome = locked { $0.outcome.take() }
    if case .failed(let error) = outcome { throw error }
    return nil
  }

  /// The consumer's task was cancelled: stop the body, drop what it made.
  @usableFromInline
  func cancelBuffered() -> CancellationError {
    let task = locked { $0.task }
    task?.cancel()
    wakeProducer(with: .raise(CancellationError()))
    return CancellationError()
  }

  /// `close()` on a buffered generator: `GeneratorExit` at the body's next (or
  /// current) `yield`, and its task cancelled, so an await it is busy in
  /// throws `CancellationError`; waits until it has finished.
  @usableFromInline
  nonisolated(nonsending) func closeBuffered() async throws {
    guard !consumerClaim.exchange(true, ordering: .acquiring) else { throw Self.alreadyExecuting }
    defer { consumerClaim.store(false, ordering: .releasing) }
    let (running, task) = locked { state in
      let running = state.consumerClosesBuffered()
      if state.exitRequested { closing.store(true, ordering: .sequentiallyConsistent) }
      return (running, state.task)
    }
    guard running else { return }
    // A body busy in another await (a slow request) is cancelled: it stops
    // there, not minutes later at its next yield.
    task?.cancel()
    // A body paused for room gets GeneratorExit now; a busy one at its next yield.
    let paused = locked { state -> (BodyContinuation, Machine.ExitCommand)? in
      guard let body = state.takeBodyWaitingForRoom() else { return nil }
      ring.producerSleeping.store(false, ordering: .relaxed)
      return (body, state.deliverExit())
    }
    if let (body, exit) = paused { body.resume(returning: Self.command(exit)) }
    while !bodyDone.load(ordering: .acquiring) {
      await withUnsafeContinuation { (consumer: ConsumerContinuation) in
        if locked({ $0.consumerWaitsForBody(consumer) }) { consumer.resume() }
      }
    }
    ring.dropUnread()
    // The cancellation close() caused ends the body as GeneratorExit would.
    if let outcome = locked({ $0.outcome.take() }) {
      if case .failed(let error) = outcome, error is CancellationError { return }
      try Self.checkClosed(outcome)
    }
  }

  @usableFromInline
  static var unsupportedWhenBuffered: GeneratorError {
    GeneratorError(
      .unsupportedWhenBuffered,
      "send(_:) and throw(_:) need an unbuffered AsyncCoroutine: a buffered body runs ahead, "
        + "so no yield is waiting for the value")
  }
}
