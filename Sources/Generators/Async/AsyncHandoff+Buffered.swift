// Buffered mode (`AsyncCoroutine.buffered(n)`): the body runs in its own task
// and fills a lock-free ring; see the stored properties of `_AsyncHandoff` for
// the protocol. The lock is taken only to start, to sleep, to wake and to finish.
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
    if Task.isCancelled { return .raise(CancellationError()) }
    if closing.load(ordering: .relaxed) { return locked { Self.closeCommand(&$0) } }
    let end = tail.load(ordering: .relaxed)  // only the body writes `tail`
    (slots.unsafelyUnwrapped + end % capacity).initialize(to: value)
    tail.store(end + 1, ordering: .sequentiallyConsistent)
    if consumerSleeping.load(ordering: .sequentiallyConsistent) { wakeConsumer() }
    // At most `capacity` values wait: with the ring full, the body stays here.
    if end + 1 - producerCachedHead < capacity { return .next }
    producerCachedHead = head.load(ordering: .acquiring)
    if end + 1 - producerCachedHead < capacity { return .next }
    return await waitForRoom()
  }

  @usableFromInline
  func wakeConsumer() {
    let consumer = locked { state -> ConsumerContinuation? in
      consumerSleeping.store(false, ordering: .relaxed)
      return state.consumerWaiting.take()
    }
    consumer?.resume()
  }

  /// The ring is full: spin, then sleep until the consumer has taken half.
  @usableFromInline
  nonisolated(nonsending) func waitForRoom() async -> AsyncCommand<Sent> {
    // Wait for half the ring to be free, so the two sides alternate in batches.
    let end = tail.load(ordering: .relaxed)
    for _ in 0..<Self.spinLimit {
      Self.pause()
      producerCachedHead = head.load(ordering: .acquiring)
      if end - producerCachedHead <= capacity / 2 { return .next }
      if closing.load(ordering: .relaxed) { break }
    }
    return await withUnsafeContinuation { (body: BodyContinuation) in
      let now = locked { state -> AsyncCommand<Sent>? in
        if state.closeRequested { return Self.closeCommand(&state) }
        state.bodyWaiting = body
        producerSleeping.store(true, ordering: .sequentiallyConsistent)
        return nil
      }
      if let now { return body.resume(returning: now) }
      // The consumer may have made room before it could see the flag.
      let used = tail.load(ordering: .relaxed) - head.load(ordering: .sequentiallyConsistent)
      if used <= capacity / 2 { wakeProducer(with: .next) }
    }
  }

  // MARK: The consumer's side

  @usableFromInline
  func wakeProducer(with command: AsyncCommand<Sent>) {
    let body = locked { state -> BodyContinuation? in
      producerSleeping.store(false, ordering: .relaxed)
      return state.bodyWaiting.take()
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
      let start = head.load(ordering: .relaxed)  // only the consumer writes `head`
      if start == consumerCachedTail { consumerCachedTail = tail.load(ordering: .acquiring) }
      if start != consumerCachedTail {
        let value = (slots.unsafelyUnwrapped + start % capacity).move()
        head.store(start + 1, ordering: .releasing)
        // A sleeping body waits for half the ring (it was full, so a slot is free now).
        if producerSleeping.load(ordering: .relaxed),
          consumerCachedTail - (start + 1) <= capacity / 2
        {
          wakeProducer(with: .next)
        }
        return value
      }
      if bodyDone.load(ordering: .acquiring) {
        // Values published before the body finished are read first.
        if tail.load(ordering: .acquiring) != start { continue }
        return try finishBuffered()
      }
      if try await startOrWait(after: start) { continue }
    }
  }

  /// Starts the body on the first call; otherwise spins, then sleeps, until
  /// a value or the end arrives. Returns true to look at the ring again.
  @usableFromInline
  nonisolated(nonsending) func startOrWait(after start: Int) async throws -> Bool {
    let body = locked { state -> State.Body? in
      guard state.phase == .created else { return nil }
      state.phase = .running
      return state.body.take()
    }
    if let body {
      self.start(body)
      return true
    }
    // An empty ring and a sleeping body: it waits for room that it already has.
    atomicMemoryFence(ordering: .sequentiallyConsistent)
    if producerSleeping.load(ordering: .sequentiallyConsistent) { wakeProducer(with: .next) }
    // A consumer faster than its body would otherwise take values one at a
    // time, pulling the body's cache line over for each: at first, wait for a
    // few to gather.
    let batch = min(8, capacity)
    for round in 0..<Self.spinLimit {
      Self.pause()
      let available = tail.load(ordering: .acquiring) - start
      if available >= (round < 16 ? batch : 1) || bodyDone.load(ordering: .acquiring) { return true }
    }
    try await withTaskCancellationHandler {
      await withUnsafeContinuation { (consumer: ConsumerContinuation) in
        let finished = locked { state -> Bool in
          if state.phase == .finished { return true }
          state.consumerWaiting = consumer
          consumerSleeping.store(true, ordering: .sequentiallyConsistent)
          return false
        }
        if finished { return consumer.resume() }
        // The body may have published before it could see the flag.
        if tail.load(ordering: .sequentiallyConsistent) != start { wakeConsumer() }
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
  /// current) `yield`; waits until it has finished.
  @usableFromInline
  nonisolated(nonsending) func closeBuffered() async throws {
    guard !consumerClaim.exchange(true, ordering: .acquiring) else { throw Self.alreadyExecuting }
    defer { consumerClaim.store(false, ordering: .releasing) }
    let running = locked { state -> Bool in
      switch state.phase {
      case .created:
        state.phase = .finished
        state.body = nil
        return false
      case .finished:
        return false
      case .running, .suspended:
        state.closeRequested = true
        closing.store(true, ordering: .sequentiallyConsistent)
        return true
      }
    }
    guard running else { return }
    // A body paused for room gets GeneratorExit now; a busy one at its next yield.
    let paused = locked { state -> (BodyContinuation, AsyncCommand<Sent>)? in
      guard let body = state.bodyWaiting.take() else { return nil }
      producerSleeping.store(false, ordering: .relaxed)
      return (body, Self.closeCommand(&state))
    }
    if let (body, command) = paused { body.resume(returning: command) }
    while !bodyDone.load(ordering: .acquiring) {
      await withUnsafeContinuation { (consumer: ConsumerContinuation) in
        let finished = locked { state -> Bool in
          if state.phase == .finished { return true }
          state.consumerWaiting = consumer
          return false
        }
        if finished { consumer.resume() }
      }
    }
    dropUnread()
    if let outcome = locked({ $0.outcome.take() }) { try Self.checkClosed(outcome) }
  }

  /// Frees the values the closed body made and nobody will read.
  @usableFromInline
  func dropUnread() {
    let end = tail.load(ordering: .acquiring)
    var index = head.load(ordering: .relaxed)
    while index < end {
      (slots.unsafelyUnwrapped + index % capacity).deinitialize(count: 1)
      index += 1
    }
    head.store(end, ordering: .releasing)
  }

  @usableFromInline
  static var unsupportedWhenBuffered: GeneratorError {
    GeneratorError(
      .unsupportedWhenBuffered,
      "send(_:) and throw(_:) need an unbuffered AsyncCoroutine: a buffered body runs ahead, "
        + "so no yield is waiting for the value")
  }
}
