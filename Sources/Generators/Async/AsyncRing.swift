import Synchronization

/// The single-producer, single-consumer ring of a buffered async generator
/// (`buffered(n)`): `capacity` slots, no lock per value.
///
/// The body writes a slot, then publishes it by advancing `tail`; the consumer
/// reads the slot, then frees it by advancing `head`. Only the side that owns a
/// counter writes it; the acquire/release pairs order the slot accesses. Each
/// side keeps a private copy of the other's counter (`producerCachedHead`,
/// `consumerCachedTail`: relaxed atomics, so plain loads and stores) and rereads
/// the other's counter only when the ring looks full (empty); the two counters
/// sit on separate cache lines, so the lines move between cores once per batch
/// rather than once per value.
///
/// A side that finds the ring empty (full) for long sleeps under the handoff's
/// lock after raising its `…Sleeping` flag; the other side checks that flag
/// after each publish and wakes it (see `_AsyncHandoff`'s buffered extension).
/// The consumer's side is cheaper: it publishes with a release store and reads
/// the body's flag relaxed, because it always checks again, fenced, before it
/// sleeps itself; a body whose flag it saw late has only run less far ahead.
/// The body cannot do the same: it may go quiet in some other await for
/// minutes with a value the consumer must not miss, so it publishes and reads
/// the consumer's flag sequentially consistent.
///
/// `@unchecked Sendable`: the slots are plain memory shared by two tasks; the
/// protocol above (one writer per counter, release/acquire around each slot)
/// is what makes that safe, and Thread Sanitizer checks it in CI.
@usableFromInline
struct AsyncRing<Element: Sendable>: ~Copyable, @unchecked Sendable {
  /// 0: unbuffered (no slots).
  @usableFromInline let capacity: Int
  @usableFromInline nonisolated(unsafe) let slots: UnsafeMutablePointer<Element>?
  let padding0 = CacheLinePadding()
  @usableFromInline let tail = Atomic<Int>(0)
  /// The body's copy of `head`: written and read by the body only.
  @usableFromInline let producerCachedHead = Atomic<Int>(0)
  let padding1 = CacheLinePadding()
  @usableFromInline let head = Atomic<Int>(0)
  /// The consumer's copy of `tail`: used only by the consumer holding the claim.
  @usableFromInline let consumerCachedTail = Atomic<Int>(0)
  let padding2 = CacheLinePadding()
  // Written rarely, read often by both sides.
  @usableFromInline let consumerSleeping = Atomic<Bool>(false)
  @usableFromInline let producerSleeping = Atomic<Bool>(false)

  @usableFromInline
  init(capacity: Int) {
    precondition(capacity >= 0, "an async generator's buffer cannot be negative (got \(capacity))")
    self.capacity = capacity
    slots = capacity > 0 ? .allocate(capacity: capacity) : nil
  }

  deinit {
    guard let slots else { return }
    // Values produced and never consumed.
    for index in head.load(ordering: .acquiring)..<tail.load(ordering: .acquiring) {
      (slots + index % capacity).deinitialize(count: 1)
    }
    slots.deallocate()
  }

  // MARK: The body's side

  /// Publishes `value`; returns the number of values now waiting, as far as
  /// the body knows (its cached `head` is refreshed only when the ring looks full).
  @inlinable
  func push(_ value: consuming Element) -> Int {
    let end = tail.load(ordering: .relaxed)  // only the body writes `tail`
    (slots.unsafelyUnwrapped + end % capacity).initialize(to: value)
    tail.store(end + 1, ordering: .sequentiallyConsistent)
    var used = end + 1 - producerCachedHead.load(ordering: .relaxed)
    if used >= capacity {
      producerCachedHead.store(head.load(ordering: .acquiring), ordering: .relaxed)
      used = end + 1 - producerCachedHead.load(ordering: .relaxed)
    }
    return used
  }

  /// The values waiting, rereading the consumer's `head` (the body, waiting for room).
  @inlinable
  func waitingValues() -> Int {
    let start = head.load(ordering: .acquiring)
    producerCachedHead.store(start, ordering: .relaxed)
    return tail.load(ordering: .relaxed) - start
  }

  // MARK: The consumer's side

  /// The next value, or nil when none is published.
  @inlinable
  func pop() -> Element? {
    let start = head.load(ordering: .relaxed)  // only the consumer writes `head`
    var end = consumerCachedTail.load(ordering: .relaxed)
    if start == end {
      end = tail.load(ordering: .acquiring)
      consumerCachedTail.store(end, ordering: .relaxed)
      if start == end { return nil }
    }
    let value = (slots.unsafelyUnwrapped + start % capacity).move()
    head.store(start + 1, ordering: .releasing)
    return value
  }

  /// How many values the consumer knows are waiting after the one it took.
  @inlinable
  var knownWaiting: Int { consumerCachedTail.load(ordering: .relaxed) - head.load(ordering: .relaxed) }

  /// Frees the values nobody will read (the body was closed). The consumer's
  /// copy of `tail` moves too, or a later `pop()` would take a freed slot.
  @usableFromInline
  func dropUnread() {
    let end = tail.load(ordering: .acquiring)
    var index = head.load(ordering: .relaxed)
    while index < end {
      (slots.unsafelyUnwrapped + index % capacity).deinitialize(count: 1)
      index += 1
    }
    consumerCachedTail.store(end, ordering: .relaxed)
    head.store(end, ordering: .releasing)
  }
}

/// 64 bytes that keep the fields on either side on different cache lines.
struct CacheLinePadding: Sendable {
  var bytes: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
}
