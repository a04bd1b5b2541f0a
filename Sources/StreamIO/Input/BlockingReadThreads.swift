#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Threads for reads that may block, outside Swift's cooperative pool: every
/// job gets a thread of its own at once, an idle one if there is one, else a
/// new one. A read that waits on a quiet pipe holds its thread and nobody
/// else's, so async readers on different pipes never wait for each other.
/// Threads idle for ``idleTimeout`` seconds exit.
///
/// A pthread mutex and condition variable guard the queue: Thread Sanitizer
/// intercepts them, so it sees the caller's writes before the job's reads.
final class BlockingReadThreads: @unchecked Sendable {
  static let shared = BlockingReadThreads()

  /// How long a thread waits for another job before it exits.
  static var idleTimeout: Int { 5 }

  // On the heap, never moved: pthread objects must keep their address.
  private let lock: UnsafeMutablePointer<pthread_mutex_t>
  private let wake: UnsafeMutablePointer<pthread_cond_t>
  /// Jobs not yet taken by a thread (guarded by `lock`).
  private var jobs: [@Sendable () -> Void] = []
  /// Threads waiting on `wake` for a job (guarded by `lock`).
  private var idle = 0
  /// Threads alive, for tests (guarded by `lock`).
  private var threads = 0

  private init() {
    lock = .allocate(capacity: 1)
    lock.initialize(to: pthread_mutex_t())
    pthread_mutex_init(lock, nil)
    wake = .allocate(capacity: 1)
    wake.initialize(to: pthread_cond_t())
    pthread_cond_init(wake, nil)
  }

  /// The number of threads alive, busy or idle.
  var threadCount: Int {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    return threads
  }

  /// Runs `job` on a thread of its own as soon as possible.
  func run(_ job: @escaping @Sendable () -> Void) {
    pthread_mutex_lock(lock)
    jobs.append(job)
    // Each waiting job is matched with an idle thread, or gets a new one.
    let spawn = jobs.count > idle
    if spawn { threads += 1 } else { pthread_cond_signal(wake) }
    pthread_mutex_unlock(lock)
    if spawn { startThread() }
  }

  private func startThread() {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    #if canImport(Darwin)
    var thread: pthread_t? = nil
    #else
    var thread = pthread_t()
    #endif
    let status = pthread_create(
      &thread, &attributes,
      { raw in
        let context: UnsafeMutableRawPointer? = raw
        Unmanaged<BlockingReadThreads>.fromOpaque(context!).takeRetainedValue().work()
        return nil
      }, Unmanaged.passRetained(self).toOpaque())
    // Without a thread the job would never run and its reader would hang.
    precondition(status == 0, "cannot start a thread for a blocking read: pthread_create returned \(status)")
  }

  /// A thread's life: take jobs until none comes for `idleTimeout` seconds.
  private func work() {
    pthread_mutex_lock(lock)
    while true {
      if !jobs.isEmpty {
        let job = jobs.removeFirst()
        pthread_mutex_unlock(lock)
        job()
        pthread_mutex_lock(lock)
        continue
      }
      // CLOCK_REALTIME, the condition variable's default clock: a clock jump
      // only changes how long an idle thread lingers.
      var deadline = timespec()
      clock_gettime(CLOCK_REALTIME, &deadline)
      deadline.tv_sec += Self.idleTimeout
      idle += 1
      let status = pthread_cond_timedwait(wake, lock, &deadline)
      idle -= 1
      if status == ETIMEDOUT && jobs.isEmpty { break }
    }
    threads -= 1
    pthread_mutex_unlock(lock)
  }
}
