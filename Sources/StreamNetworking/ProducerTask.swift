import Synchronization

/// The task that reads a stream's connection for its consumer, started on the
/// first `next()`; cancelled only to cut short a wait or a close that takes too long.
final class ProducerTask: Sendable {
  private let task = Mutex<Task<Void, Never>?>(nil)

  func startIfNeeded(_ body: @escaping @Sendable () async -> Void) {
    task.withLock { task in
      if task == nil { task = Task { await body() } }
    }
  }

  func cancel() { task.withLock { $0 }?.cancel() }

  /// Cancels the task if it has not finished within `timeout`.
  func cancel(unlessDoneWithin timeout: Duration) async {
    guard let task = task.withLock({ $0 }) else { return }
    await withTaskGroup(of: Void.self) { group in
      group.addTask { await task.value }
      group.addTask { try? await Task.sleep(for: timeout) }
      await group.next()
      task.cancel()  // (a no-op if it has finished)
      group.cancelAll()
    }
  }
}
