import Synchronization

/// A bounded queue from one producer task (a connection's reader) to one
/// consumer (an iterator): the producer waits when `capacity` elements wait,
/// the consumer takes everything waiting at once (one lock per batch, not per
/// element). The consumer leaving is a signal the producer sees: its `push`
/// returns false, and `onConsumerLeft` runs, so that a connection closes at
/// once even when it is idle.
final class EventBuffer<Element: Sendable>: Sendable {
  private struct State {
    var items: [Element] = []
    var end: (any Error)?? = nil  // .some(nil): finished; .some(error): failed
    var consumer: UnsafeContinuation<Void, Never>?
    var producer: UnsafeContinuation<Bool, Never>?
    var consumerCancelled = false
    var consumerLeft = false
    var onConsumerLeft: (@Sendable () -> Void)?
  }

  let capacity: Int
  private let state = Mutex(State())

  init(capacity: Int) {
    precondition(capacity > 0, "a buffer needs room for at least one element, got \(capacity)")
    self.capacity = capacity
  }

  // MARK: The producer's side

  /// Adds `element`, waiting while the buffer is full. False once the consumer has left.
  func push(_ element: Element) async -> Bool {
    let action = state.withLock { state -> PushAction in
      if state.consumerLeft { return .left }
      state.items.append(element)
      if state.items.count >= capacity { return .wait }
      defer { state.consumer = nil }
      return .resume(state.consumer)
    }
    switch action {
    case .left: return false
    case .resume(let consumer):
      consumer?.resume()
      return true
    case .wait:
      return await withUnsafeContinuation { producer in
        let consumer = state.withLock { state -> UnsafeContinuation<Void, Never>? in
          if state.consumerLeft || state.items.count < capacity {
            producer.resume(returning: !state.consumerLeft)
          } else {
            state.producer = producer
          }
          defer { state.consumer = nil }
          return state.consumer
        }
        consumer?.resume()
      }
    }
  }

  /// No more elements: the consumer gets those waiting, then nil, or `error`.
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
  /// at least one element; false at the end.
  ///
  /// - Throws: the producer's error after the last element; `CancellationError`
  ///   if this task is cancelled while it waits.
  nonisolated(nonsending) func take(into batch: inout [Element]) async throws -> Bool {
    try Task.checkCancellation()  // (a busy stream would otherwise never wait, so never see it)
    while true {
      let action = state.withLock { state -> TakeAction in
        if !state.items.isEmpty {
          swap(&batch, &state.items)
          defer { state.producer = nil }
          return .took(state.producer)
        }
        if let end = state.end { return .ended(end) }
        if state.consumerCancelled {
          state.consumerCancelled = false
          return .cancelled
        }
        return .wait
      }
      switch action {
      case .took(let producer):
        producer?.resume(returning: true)
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

  /// The consumer is gone: what waits is dropped, the producer is told.
  func consumerLeaves() {
    let (producer, action) = state.withLock { state -> (UnsafeContinuation<Bool, Never>?, (@Sendable () -> Void)?) in
      guard !state.consumerLeft else { return (nil, nil) }
      state.consumerLeft = true
      state.items.removeAll()
      defer { state.producer = nil }
      return (state.producer, state.onConsumerLeft)
    }
    producer?.resume(returning: false)
    action?()
  }
}

/// What `push` does after its lock.
private enum PushAction {
  case resume(UnsafeContinuation<Void, Never>?)
  case wait
  case left
}

/// What `take` does after its lock.
private enum TakeAction {
  case took(UnsafeContinuation<Bool, Never>?)
  case ended((any Error)?)
  case cancelled
  case wait
}
