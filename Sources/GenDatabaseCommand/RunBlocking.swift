import Dispatch

/// Runs `body` on the concurrency pool and waits for it: the verbs are
/// synchronous, postgres-nio is async. (The waiting thread is the main one,
/// not one of the pool's.)
func runBlocking<T>(_ body: () async throws -> T) throws -> T {
  try withoutActuallyEscaping(body) { body in
    let box = Unchecked<(body: (() async throws -> T)?, result: Result<T, any Error>?)>((body, nil))
    let done = DispatchSemaphore(value: 0)
    Task {
      do { box.value.result = .success(try await box.value.body!()) } catch { box.value.result = .failure(error) }
      box.value.body = nil  // withoutActuallyEscaping checks that nothing holds it after
      done.signal()
    }
    done.wait()
    return try box.value.result!.get()
  }
}

/// A value handed to one task and read back after it signals: never shared at once.
final class Unchecked<Value>: @unchecked Sendable {
  var value: Value
  init(_ value: Value) { self.value = value }
}
