import CGeneratorsRuntime
import Synchronization

/// State behind a `Mutex`, announced to Thread Sanitizer (which cannot see
/// `Mutex` on Linux), for the patterns that several tasks share.
final class LockedState<Value>: Sendable {
  private let mutex: Mutex<Value>

  init(_ value: sending Value) { mutex = Mutex(value) }

  func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result {
    try mutex.withLock { value in
      let address = Unmanaged.passUnretained(self).toOpaque()
      cgr_tsan_acquire(address)
      defer { cgr_tsan_release(address) }
      return try body(&value)
    }
  }
}
