import CGeneratorsRuntime
import Synchronization

/// A value behind a `Mutex` that Thread Sanitizer can see: on Linux `Mutex`
/// itself is invisible to it, and every shared test log would be a false race.
public final class Locked<Value: Sendable>: Sendable {
  private let mutex: Mutex<Value>

  public init(_ value: Value) { mutex = Mutex(value) }

  public func withLock<Result: Sendable>(_ body: (inout sending Value) -> sending Result) -> sending Result {
    mutex.withLock { value in
      let address = Unmanaged.passUnretained(self).toOpaque()
      cgr_tsan_acquire(address)
      defer { cgr_tsan_release(address) }
      return body(&value)
    }
  }

  public var value: Value { withLock { $0 } }
}
