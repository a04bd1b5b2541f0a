import Synchronization

/// The messages a WebSocket connection has read and its consumer has not yet
/// taken, handed over in batches: the connection's channel handler appends
/// all the messages of one read of the socket under one lock, and the
/// consumer takes everything waiting under one lock, then serves it from its
/// own array without suspending.
///
/// Back-pressure: once `capacity` messages wait, `deliver` tells the handler
/// to stop reading the socket (so TCP holds the server back), and the
/// consumer's next `take` calls `resumeReading`.
///
/// The consumer leaving (its iterator released) is a signal: what waits is
/// dropped, later deliveries are discarded, and `onConsumerLeft` runs, so
/// that the connection closes at once even when it is idle.
final class MessageQueue: Sendable {
  private struct State {
    var items: [WebSocketMessage] = []
    var end: (any Error)?? = nil  // .some(nil): finished; .some(error): failed
    var consumer: UnsafeContinuation<Void, Never>?
    var consumerCancelled = false
    var consumerLeft = false
    var readsHeld = false
    var resumeReading: (@Sendable () -> Void)?
    var onConsumerLeft: (@Sendable () -> Void)?
    var delivered = 0
  }

  let capacity: Int
  /// No consumer at all (`WebSocketStreams.send`): incoming messages are dropped as they come.
  let discards: Bool
  private let state = Mutex(State())

  init(capacity: Int, discards: Bool = false) {
    precondition(capacity > 0, "a WebSocket needs a buffer of at least one message, got \(capacity)")
    self.capacity = capacity
    self.discards = discards
  }

  // MARK: The connection's side

  /// Appends `batch` (left empty, with capacity to reuse); true when the
  /// reader must stop reading until `resumeReading` is called.
  func deliver(_ batch: inout [WebSocketMessage]) -> Bool {
    if discards {
      batch.removeAll(keepingCapacity: true)
      return false
    }
    let (consumer, hold) = state.withLock { state -> (UnsafeContinuation<Void, Never>?, Bool) in
      if state.consumerLeft {
        batch.removeAll(keepingCapacity: true)
        return (nil, false)
      }
      state.delivered += batch.count
      if state.items.isEmpty {
        swap(&state.items, &batch)  // (the consumer's emptied array comes back: no allocation)
      } else {
        state.items.append(contentsOf: batch)
        batch.removeAll(keepingCapacity: true)
      }
      let hold = state.items.count >= capacity
      if hold { state.readsHeld = true }
      defer { state.consumer = nil }
      return (state.consumer, hold)
    }
    consumer?.resume()
    return hold
  }

  /// The action that makes a held reader read again (the current connection's).
  func setResumeReading(_ action: (@Sendable () -> Void)?) {
    state.withLock { state in
      state.resumeReading = action
      state.readsHeld = false
    }
  }

  /// Messages delivered so far, over all connections.
  var delivered: Int { state.withLock { $0.delivered } }

  /// No more messages: the consumer gets those waiting, then nil, or `error`.
  func finish(throwing error: (any Error)? = nil) {
    let consumer = state.withLock { state -> UnsafeContinuation<Void, Never>? in
      if state.end == nil { state.end = .some(error) }
      defer { state.consumer = nil }
      return state.consumer
    }
    consumer?.resume()
  }

  /// Whether the consumer has left (released its iterator).
  var consumerHasLeft: Bool { state.withLock { $0.consumerLeft } }

  /// Runs `action` when the consumer leaves (at once if it has); replaces the previous one.
  func whenConsumerLeaves(_ action: (@Sendable () -> Void)?) {
    let runNow = state.withLock { state -> Bool in
      state.onConsumerLeft = action
      return state.consumerLeft
    }
    if runNow { action?() }
  }

  // MARK: The consumer's side

  /// Swaps everything waiting into `batch` (which must be empty), waiting for
  /// at least one message; false at the end.
  ///
  /// - Throws: the connection's error after the last message; `CancellationError`
  ///   if this task is cancelled while it waits.
  nonisolated(nonsending) func take(into batch: inout [WebSocketMessage]) async throws -> Bool {
    try Task.checkCancellation()  // (a busy stream would otherwise never wait, so never see it)
    while true {
      let action = state.withLock { state -> TakeAction in
        if !state.items.isEmpty {
          swap(&batch, &state.items)
          guard state.readsHeld else { return .took(nil) }
          state.readsHeld = false
          return .took(state.resumeReading)
        }
        if let end = state.end { return .ended(end) }
        if state.consumerCancelled {
          state.consumerCancelled = false
          return .cancelled
        }
        return .wait
      }
      switch action {
      case .took(let resumeReading):
        resumeReading?()
        return true
      case .ended(let error):
        if let error { throw error }
        return false
      case .cancelled:
        throw CancellationError()
      case .wait:
        await withTaskCancellationHandler {
          await withUnsafeContinuation { consumer in
            let ready = state.withLock { state -> Bool in
              if !state.items.isEmpty || state.end != nil || state.consumerCancelled { return true }
              state.consumer = consumer
              return false
            }
            if ready { consumer.resume() }
          }
        } onCancel: {
          let consumer = state.withLock { state -> UnsafeContinuation<Void, Never>? in
            state.consumerCancelled = true
            defer { state.consumer = nil }
            return state.consumer
          }
          consumer?.resume()
        }
      }
    }
  }

  /// The consumer is gone: what waits is dropped, a held reader reads again
  /// (to see the server's answer to the close), and `onConsumerLeft` runs.
  func consumerLeaves() {
    let (resume, action) = state.withLock { state -> ((@Sendable () -> Void)?, (@Sendable () -> Void)?) in
      guard !state.consumerLeft else { return (nil, nil) }
      state.consumerLeft = true
      state.items.removeAll()
      let resume = state.readsHeld ? state.resumeReading : nil
      state.readsHeld = false
      return (resume, state.onConsumerLeft)
    }
    resume?()
    action?()
  }
}

/// What `take` does after its lock.
private enum TakeAction {
  case took((@Sendable () -> Void)?)
  case ended((any Error)?)
  case cancelled
  case wait
}
