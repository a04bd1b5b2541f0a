import Synchronization

extension AsyncSequence where Self: Sendable, Element: Sendable {
  /// `count` independent async sequences over one single-pass async sequence,
  /// each consumable from its own task. Python: `itertools.tee` over an async
  /// iterator (which Python's asyncio lacks). See ``Swift/Sequence/tee(_:)``.
  ///
  /// The branches share one buffer holding only what the slowest has not read
  /// yet, so its size is the lag between the fastest and the slowest. The base
  /// is read once, on demand, by one branch at a time; a branch that needs
  /// the next element while another is fetching it waits for that fetch.
  ///
  /// - Complexity: amortized O(1) per element read, plus an O(`count`) scan
  ///   when the slowest branch reads; memory O(lag).
  public func tee(_ count: Int) -> [AsyncTeeSequence<Element>] {
    precondition(count >= 1, "tee(_:) needs at least 1 branch, got \(count)")
    let shared = AsyncTeeBuffer<Element>(consumers: count) { IteratorBox(self.makeAsyncIterator()) }
    return (0..<count).map { AsyncTeeSequence(shared: shared, consumer: $0) }
  }

  /// Two independent branches: Python's `a, b = itertools.tee(iterable)`.
  public func tee() -> (AsyncTeeSequence<Element>, AsyncTeeSequence<Element>) {
    let branches = tee(2)
    return (branches[0], branches[1])
  }
}

/// One of the branches ``_Concurrency/AsyncSequence/tee(_:)`` returns; iterate
/// each branch once.
public struct AsyncTeeSequence<Element: Sendable>: AsyncSequence, Sendable {
  public typealias Failure = any Error
  let shared: AsyncTeeBuffer<Element>
  let consumer: Int

  public struct AsyncIterator: AsyncIteratorProtocol {
    let shared: AsyncTeeBuffer<Element>
    let consumer: Int

    public mutating func next() async throws -> Element? { try await shared.next(for: consumer) }
  }

  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(shared: shared, consumer: consumer) }

  /// How many elements the shared buffer holds right now (the lag between
  /// the fastest and the slowest branch).
  public var bufferedCount: Int { shared.state.withLock { $0.queue.count } }
}

/// The base's iterator, passed between the branches' tasks. Unchecked because
/// the compiler cannot see the protocol that makes it safe: it lives in the
/// locked state, and only the one branch that took it out (`base.take()`,
/// under the lock) calls it, until it puts it back under the lock.
final class IteratorBox: @unchecked Sendable {
  var iterator: any AsyncIteratorProtocol
  init(_ iterator: any AsyncIteratorProtocol) { self.iterator = iterator }
}

/// The buffer and the base iterator behind ``AsyncTeeSequence``. The base
/// iterator is held here and lent, whole, to the one branch fetching the next
/// element, so no two tasks ever touch it at once.
final class AsyncTeeBuffer<Element: Sendable>: Sendable {
  struct State {
    /// The base iterator (made on the first fetch), or nil while a branch is fetching with it.
    var base: IteratorBox?
    var started = false
    var queue: TeeQueue<Element>
    var finished: Result<Void, any Error>?
    /// Branches waiting for the fetch in progress.
    var waiting: [UnsafeContinuation<Void, Never>] = []
  }

  let state: LockedState<State>
  let makeIterator: @Sendable () -> IteratorBox

  init(consumers: Int, makeIterator: @escaping @Sendable () -> IteratorBox) {
    state = LockedState(State(queue: TeeQueue(consumers: consumers)))
    self.makeIterator = makeIterator
  }

  enum Step {
    case element(Element)
    case end(Result<Void, any Error>)
    case fetch(IteratorBox?)
    case wait
  }

  func next(for consumer: Int) async throws -> Element? {
    while true {
      let step = state.withLock { state -> Step in
        if state.queue.hasElement(for: consumer) { return .element(state.queue.take(for: consumer)) }
        if let finished = state.finished { return .end(finished) }
        if !state.started {
          state.started = true
          return .fetch(nil)  // this branch makes the iterator, outside the lock
        }
        guard let base = state.base.take() else { return .wait }
        return .fetch(base)
      }
      switch step {
      case .element(let element):
        return element
      case .end(let result):
        try result.get()
        return nil
      case .wait:
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
          let fetched = state.withLock { state -> Bool in
            if state.base != nil || state.finished != nil { return true }
            state.waiting.append(continuation)
            return false
          }
          if fetched { continuation.resume() }
        }
      case .fetch(let box):
        let base = box ?? makeIterator()
        let result: Result<Element?, any Error>
        do {
          result = .success(try await base.iterator.next() as! Element?)
        } catch {
          result = .failure(error)
        }
        let waiting = state.withLock { state -> [UnsafeContinuation<Void, Never>] in
          switch result {
          case .success(let element?): state.queue.append(element)
          case .success(nil): state.finished = .success(())
          case .failure(let error): state.finished = .failure(error)
          }
          state.base = base
          defer { state.waiting = [] }
          return state.waiting
        }
        for continuation in waiting { continuation.resume() }
      }
    }
  }
}
