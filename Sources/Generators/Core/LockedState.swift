import CGeneratorsRuntime
import Synchronization

/// State behind a `Mutex`, announced to Thread Sanitizer: on Linux TSan cannot
/// see `Mutex` (its futex is invisible to it), so without the announcements
/// every state shared this way would be reported as a race. The one mutex of
/// the package: the async generators' handoff, the patterns, `tee`, and the
/// tests use it.
@usableFromInline
package final class LockedState<Value>: Sendable {
  @usableFromInline let mutex: Mutex<Value>

  @usableFromInline
  package init(_ value: sending Value) { mutex = Mutex(value) }

  @inlinable @inline(__always)
  package func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result {
    try mutex.withLock { value in
      let address = Unmanaged.passUnretained(self).toOpaque()
      cgr_tsan_acquire(address)
      defer { cgr_tsan_release(address) }
      return try body(&value)
    }
  }
}

extension LockedState where Value: Sendable {
  /// A copy of the value, read under the lock.
  package var value: Value { withLock { $0 } }
}
