// AsyncGenerator / AsyncCoroutine: the sync semantics in async form, back-pressure,
// buffering, cancellation, release, and a simulated paginated API.
@testable import Generators
import Synchronization
import Testing
import TestSupport

/// A thread-safe log the tests and generator bodies both write to.
final class EventLog: Sendable {
  private let events = Locked<[String]>([])
  func add(_ event: String) { events.withLock { $0.append(event) } }
  var all: [String] { events.withLock { $0 } }
  func contains(_ event: String) -> Bool { all.contains(event) }

  /// Waits (polling, at most `seconds`) until `event` has been logged.
  func waitFor(_ event: String, seconds: Double = 5) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
      if contains(event) { return true }
      try? await Task.sleep(for: .milliseconds(1))
    }
    return contains(event)
  }
}

func countUpTo(_ n: Int, log: EventLog? = nil) -> AsyncGenerator<Int> {
  AsyncGenerator { co in
    log?.add("start")
    defer { log?.add("cleanup") }
    var i = 1
    while i <= n {
      log?.add("produce \(i)")
      try await co.yield(i)
      i += 1
    }
  }
}

func collect<S: AsyncSequence>(_ s: S) async throws -> [S.Element] {
  var out: [S.Element] = []
  for try await x in s { out.append(x) }
  return out
}

@Suite struct AsyncSemanticsTests {
  @Test func yieldsInOrderThenNil() async throws {
    let g = countUpTo(3)
    #expect(g.state == .created)
    #expect(try await g.next() == 1)
    #expect(g.state == .suspended)
    #expect(try await g.next() == 2)
    #expect(try await g.next() == 3)
    #expect(try await g.next() == nil)
    #expect(g.state == .closed)
    for _ in 0..<3 { #expect(try await g.next() == nil) }
  }

  @Test func forTryAwait() async throws {
    #expect(try await collect(countUpTo(5)) == [1, 2, 3, 4, 5])
  }

  @Test func bodyDoesNotStartUntilFirstNext() async throws {
    let log = EventLog()
    let g = countUpTo(2, log: log)
    #expect(log.all.isEmpty)
    _ = try await g.next()
    #expect(log.all == ["start", "produce 1"])
  }

  @Test func neverRunsAheadOfTheConsumer() async throws {
    let log = EventLog()
    let g = countUpTo(3, log: log)
    _ = try await g.next()
    // Paused at its yield (not merely slow): nothing can run until asked.
    #expect(g.state == .suspended)
    #expect(log.all == ["start", "produce 1"])
    _ = try await g.next()
    #expect(log.all == ["start", "produce 1", "produce 2"])
  }

  @Test func sendReachesTheYield() async throws {
    let averager = AsyncCoroutine<Double, Double, Void> { co in
      var total = 0.0, count = 0.0
      var average = 0.0
      while true {
        let value = try await co.yield(average)
        total += value
        count += 1
        average = total / count
      }
    }
    #expect(try await averager.next() == 0)
    #expect(try await averager.send(10) == 10)
    #expect(try await averager.send(20) == 15)
    #expect(try await averager.send(30) == 20)
    try await averager.close()
    #expect(averager.state == .closed)
  }

  @Test func sendBeforeStartIsRefused() async throws {
    let co = AsyncCoroutine<Int, Int, Void> { co in _ = try await co.yield(0) }
    await #expect(throws: GeneratorError.self) { try await co.send(1) }
    #expect(co.state == .created)
    #expect(try await co.next() == 0)
  }

  @Test func nextOnANonOptionalSentThrowsInTheBody() async throws {
    let co = AsyncCoroutine<Int, Int, Void> { co in
      _ = try await co.yield(0)
      _ = try await co.yield(1)
    }
    _ = try await co.next()
    let error = await #expect(throws: GeneratorError.self) { try await co.next() }
    #expect(error?.code == .noValueSent)
  }

  @Test func optionalSentReceivesNilFromNext() async throws {
    let co = AsyncCoroutine<String, Int?, Void> { co in
      var received = try await co.yield("first")
      while true { received = try await co.yield("got \(String(describing: received))") }
    }
    #expect(try await co.next() == "first")
    #expect(try await co.next() == "got nil")
    #expect(try await co.send(7) == "got Optional(7)")
  }

  @Test func throwIsRaisedAtTheYield() async throws {
    let log = EventLog()
    let g = AsyncGenerator<Int> { co in
      do {
        try await co.yield(1)
      } catch let error as Boom {
        log.add("caught \(error.tag)")
        try await co.yield(2)
      }
    }
    #expect(try await g.next() == 1)
    #expect(try await g.throw(Boom(tag: 7)) == 2)
    #expect(log.all == ["caught 7"])
    await #expect(throws: Other.self) { try await g.throw(Other()) }
    #expect(g.state == .closed)
    await #expect(throws: Boom.self) { try await g.throw(Boom()) }  // closed: rethrown
  }

  @Test func throwBeforeStartClosesWithoutRunning() async throws {
    let log = EventLog()
    let g = countUpTo(3, log: log)
    await #expect(throws: Boom.self) { try await g.throw(Boom()) }
    #expect(g.state == .closed)
    #expect(log.all.isEmpty)
    #expect(try await g.next() == nil)
  }

  @Test func closeRunsCleanupAndIsIdempotent() async throws {
    let log = EventLog()
    let g = countUpTo(10, log: log)
    _ = try await g.next()
    try await g.close()
    #expect(log.all.last == "cleanup")
    #expect(g.state == .closed)
    try await g.close()
    #expect(try await g.next() == nil)
    let fresh = countUpTo(1, log: log)
    try await fresh.close()
    #expect(fresh.state == .closed)
  }

  @Test func closeWaitsForAsyncCleanup() async throws {
    let log = EventLog()
    let g = AsyncGenerator<Int> { co in
      do {
        try await co.yield(1)
      } catch {
        try await Task.sleep(for: .milliseconds(10))  // e.g. an async connection shutdown
        log.add("disconnected")
        throw error
      }
    }
    _ = try await g.next()
    try await g.close()
    #expect(log.all == ["disconnected"])
  }

  @Test func ignoredCloseIsAnError() async throws {
    let g = AsyncGenerator<Int> { co in
      do { try await co.yield(1) } catch {}
      try await co.yield(2)
    }
    _ = try await g.next()
    let error = await #expect(throws: GeneratorError.self) { try await g.close() }
    #expect(error?.code == .ignoredClose)
  }

  @Test func bodyErrorsReachTheConsumerThenNil() async throws {
    let g = AsyncGenerator<Int> { co in
      try await co.yield(1)
      throw Boom(tag: 3)
    }
    #expect(try await g.next() == 1)
    await #expect(throws: Boom(tag: 3)) { try await g.next() }
    #expect(try await g.next() == nil)
  }

  @Test func returnValueAfterFinishing() async throws {
    let co = AsyncCoroutine<Int, Void, String> { co in
      try await co.yield(1)
      return "done"
    }
    #expect(co.returnValue == nil)
    _ = try await co.next()
    #expect(try await co.next() == nil)
    #expect(co.returnValue == "done")
  }

  @Test func resumingFromInsideTheBodyIsRefused() async throws {
    let holder = Locked<AsyncGenerator<Int>?>(nil)
    let g = AsyncGenerator<Int> { co in
      // The body's own reference is dropped before it yields: one kept across
      // a yield would keep the generator alive forever (a reference cycle).
      var refused = false
      do {
        let me = holder.withLock { $0 }!
        _ = try await me.next()
      } catch let error as GeneratorError {
        refused = error.code == .alreadyExecuting
      }
      try await co.yield(refused ? 1 : 0)
    }
    holder.withLock { $0 = g }
    #expect(try await g.next() == 1)
    holder.withLock { $0 = nil }
  }

  @Test func twoConsumersAtOnceOneIsRefused() async throws {
    let log = EventLog()
    let (gate, open) = AsyncStream<Void>.makeStream()
    let g = AsyncGenerator<Int> { co in
      log.add("running")
      for await _ in gate { break }  // held until the second consumer has tried
      try await co.yield(1)
    }
    async let first = Result { try await g.next() }
    #expect(await log.waitFor("running"))
    let second = await Result { try await g.next() }
    open.yield()
    let results = [await first, second]
    let values = results.compactMap { try? $0.get() }
    let refused = results.compactMap { result -> GeneratorError? in
      if case .failure(let error as GeneratorError) = result { return error }
      return nil
    }
    #expect(values == [1])
    #expect(refused.map(\.code) == [.alreadyExecuting])
  }
}

extension Result where Failure == any Error {
  init(catching body: () async throws -> Success) async {
    do { self = .success(try await body()) } catch { self = .failure(error) }
  }
}

@Suite struct AsyncReleaseTests {
  @Test func breakClosesTheBodyAtOnce() async throws {
    let log = EventLog()
    for try await x in countUpTo(100, log: log) where x == 2 {
      break
    }
    // Unbuffered: the body's cleanup has run before the loop's end returns.
    #expect(log.all == ["start", "produce 1", "produce 2", "cleanup"])
  }

  @Test func releasingASuspendedGeneratorClosesIt() async throws {
    let log = EventLog()
    var g: AsyncGenerator<Int>? = countUpTo(5, log: log)
    _ = try await g!.next()
    g = nil
    #expect(log.all.last == "cleanup")
  }

  @Test func releasingANeverStartedGeneratorRunsNothing() async throws {
    let log = EventLog()
    let tracker = LifetimeTracker()
    let token = tracker.make()
    var g: AsyncGenerator<Int>? = AsyncGenerator { co in
      withExtendedLifetime(token) {}
      log.add("ran")
      try await co.yield(1)
    }
    _ = g
    g = nil
    // The body is dropped, unrun, by the release itself: nothing is left to run later.
    #expect(tracker.alive == 1, "only the test's own token")
    _ = consume token
    #expect(tracker.alive == 0)
    #expect(log.all.isEmpty)
  }

  @Test func nothingLeaksAfterIterationOrRelease() async throws {
    let tracker = LifetimeTracker()
    do {
      let token = tracker.make()
      let g = AsyncGenerator<Int> { co in
        withExtendedLifetime(token) {}
        try await co.yield(1)
        try await co.yield(2)
      }
      _ = try await g.next()
    }
    do {
      let token = tracker.make()
      let g = AsyncGenerator<Int> { co in
        withExtendedLifetime(token) {}
        try await co.yield(1)
      }
      _ = try await collect(g)
    }
    // The body's task may still be finishing on another thread.
    let deadline = ContinuousClock.now + .seconds(5)
    while tracker.alive > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
    #expect(tracker.alive == 0)
  }
}

@Suite struct AsyncDelegationTests {
  @Test func yieldFromAnAsyncCoroutineForwardsEverything() async throws {
    let log = EventLog()
    let inner = AsyncCoroutine<Int, Int, String> { co in
      defer { log.add("inner cleanup") }
      var total = 0
      while total < 100 {
        do {
          total += try await co.yield(total)
        } catch let error as Boom {
          total += error.tag
        }
      }
      return "inner total \(total)"
    }
    let outer = AsyncCoroutine<Int, Int, Void> { co in
      defer { log.add("outer cleanup") }
      let result = try await co.yield(from: inner)
      log.add(result)
      _ = try await co.yield(-1)
    }
    #expect(try await outer.next() == 0)
    #expect(try await outer.send(10) == 10)
    #expect(try await outer.throw(Boom(tag: 5)) == 15)
    #expect(try await outer.send(90) == -1)
    #expect(log.all == ["inner cleanup", "inner total 105"])
    try await outer.close()
    #expect(log.all.last == "outer cleanup")
  }

  @Test func closeClosesTheDelegateFirst() async throws {
    let log = EventLog()
    let inner = AsyncGenerator<Int> { co in
      defer { log.add("inner") }
      while true { try await co.yield(0) }
    }
    let outer = AsyncGenerator<Int> { co in
      defer { log.add("outer") }
      try await co.yield(from: inner)
    }
    _ = try await outer.next()
    try await outer.close()
    #expect(log.all == ["inner", "outer"])
  }

  @Test func yieldFromSequencesAndAsyncSequences() async throws {
    let (stream, continuation) = AsyncStream<Int>.makeStream()
    for x in [4, 5] { continuation.yield(x) }
    continuation.finish()
    let g = AsyncGenerator<Int> { co in
      try await co.yield(from: [1, 2, 3])
      try await co.yield(from: stream)
      try await co.yield(from: countUpTo(2))
    }
    #expect(try await collect(g) == [1, 2, 3, 4, 5, 1, 2])
  }

  @Test func sendToASequenceDelegationIsRefused() async throws {
    let co = AsyncCoroutine<Int, Int?, Void> { co in try await co.yield(from: [1, 2]) }
    _ = try await co.next()
    let error = await #expect(throws: GeneratorError.self) { try await co.send(5) }
    #expect(error?.code == .sendToSequence)
  }

  @Test func syncGeneratorBridges() async throws {
    let log = EventLog()
    let sync = Coroutine<Int, Int, String> { co in
      defer { log.add("sync cleanup") }
      var total = 0
      while total < 30 { total += try co.yield(total) }
      return "sync \(total)"
    }
    let bridged = AsyncCoroutine(sync)
    #expect(try await bridged.next() == 0)
    #expect(try await bridged.send(10) == 10)
    #expect(try await bridged.send(25) == nil)
    #expect(bridged.returnValue == "sync 35")
    #expect(log.all == ["sync cleanup"])

    let viaYieldFrom = AsyncGenerator<Int> { co in
      try await co.yield(from: Generator<Int> { co in for i in 0..<3 { try co.yield(i) } })
    }
    #expect(try await collect(viaYieldFrom) == [0, 1, 2])
  }

  @Test func closingABridgedSyncGeneratorRunsItsDefer() async throws {
    let log = EventLog()
    let sync = Generator<Int> { co in
      defer { log.add("sync cleanup") }
      while true { try co.yield(1) }
    }
    let bridged = AsyncGenerator(sync)
    _ = try await bridged.next()
    try await bridged.close()
    #expect(log.all == ["sync cleanup"])
  }
}

@Suite struct AsyncCancellationTests {
  @Test func cancellingTheConsumerThrowsAtThePendingYield() async throws {
    let log = EventLog()
    let g = AsyncGenerator<Int> { co in
      defer { log.add("cleanup") }
      do {
        var i = 0
        while true {
          try await co.yield(i)
          i += 1
        }
      } catch is CancellationError {
        log.add("cancelled at yield")
        throw CancellationError()
      }
    }
    let consumer = Task {
      var seen = 0
      do {
        while try await g.next() != nil {
          seen += 1
          if seen == 3 { withUnsafeCurrentTask { $0?.cancel() } }
        }
      } catch is CancellationError {
        return seen
      }
      return -1
    }
    #expect(try await consumer.value == 3)
    #expect(log.all == ["cancelled at yield", "cleanup"])
    #expect(g.state == .closed)
  }

  @Test func cancellingTheConsumerEndsAnUnrelatedAwaitInTheBody() async throws {
    let log = EventLog()
    let g = AsyncGenerator<Int> { co in
      defer { log.add("cleanup") }
      try await co.yield(1)
      log.add("sleeping")
      try await Task.sleep(for: .seconds(60))  // a slow network call
      log.add("woke")
      try await co.yield(2)
    }
    let consumer = Task { () -> String in
      _ = try await g.next()
      do {
        _ = try await g.next()
        return "no error"
      } catch {
        return "\(type(of: error))"
      }
    }
    #expect(await log.waitFor("sleeping"))
    let start = ContinuousClock.now
    consumer.cancel()
    #expect(try await consumer.value == "CancellationError")
    #expect(ContinuousClock.now - start < .seconds(30))
    #expect(log.all == ["sleeping", "cleanup"])
  }

  @Test func aCancelledConsumerNeverStartsTheBody() async throws {
    let log = EventLog()
    let g = countUpTo(3, log: log)
    let consumer = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      return try await g.next()
    }
    await #expect(throws: CancellationError.self) { try await consumer.value }
    #expect(log.all.isEmpty)
    #expect(g.state == .closed)
  }
}

/// A fake HTTP API with pages fetched over a "connection".
actor PagedAPI {
  let pageSize: Int
  let pages: Int
  private(set) var fetched: [Int] = []
  private(set) var openConnections = 0
  private(set) var closedConnections = 0

  init(pages: Int, pageSize: Int) {
    self.pages = pages
    self.pageSize = pageSize
  }

  func connect() { openConnections += 1 }
  func disconnect() {
    openConnections -= 1
    closedConnections += 1
  }

  /// One page, after a network delay; nil past the last one.
  func fetch(page: Int) async throws -> [Int]? {
    try await Task.sleep(for: .milliseconds(2))
    fetched.append(page)
    guard page < pages else { return nil }
    return Array(page * pageSize..<(page + 1) * pageSize)
  }
}

func records(from api: PagedAPI) -> AsyncGenerator<Int> {
  AsyncGenerator { co in
    await api.connect()
    do {
      var page = 0
      while let items = try await api.fetch(page: page) {
        try await co.yield(from: items)
        page += 1
      }
    } catch {
      await api.disconnect()
      throw error
    }
    await api.disconnect()
  }
}

@Suite struct PaginatedAPITests {
  @Test func stoppingEarlyFetchesNoFurtherPageAndCloses() async throws {
    let api = PagedAPI(pages: 100, pageSize: 10)
    let g = records(from: api)
    var taken: [Int] = []
    for try await record in g {
      taken.append(record)
      if taken.count == 15 { break }
    }
    #expect(taken == Array(0..<15))
    try await g.close()  // Python's aclose(); also happens when g is released
    #expect(await api.fetched == [0, 1])
    #expect(await api.openConnections == 0)
    #expect(await api.closedConnections == 1)
  }

  @Test func releasingTheGeneratorClosesTheConnection() async throws {
    let api = PagedAPI(pages: 100, pageSize: 10)
    do {
      var count = 0
      for try await _ in records(from: api) {
        count += 1
        if count == 5 { break }
      }
    }
    // The disconnect awaits the actor, so it finishes on the body's task.
    let deadline = ContinuousClock.now + .seconds(5)
    while await api.closedConnections == 0, ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(1))
    }
    #expect(await api.fetched == [0])
    #expect(await api.openConnections == 0)
    #expect(await api.closedConnections == 1)
  }

  @Test func readingEverything() async throws {
    let api = PagedAPI(pages: 3, pageSize: 4)
    #expect(try await collect(records(from: api)) == Array(0..<12))
    #expect(await api.fetched == [0, 1, 2, 3])
    #expect(await api.closedConnections == 1)
  }
}

@Suite struct AsyncBufferedTests {
  @Test(arguments: [1, 4, 64])
  func neverMoreThanNAhead(n: Int) async throws {
    let started = Atomic<Int>(0)
    let g = AsyncGenerator<Int> { co in
      for i in 0..<500 {
        started.add(1, ordering: .sequentiallyConsistent)
        try await co.yield(i)
      }
    }.buffered(n)
    // The first value starts the body; while nothing more is read it fills
    // the buffer and goes to sleep waiting for room: wait for that (a signal,
    // not a sleep), then check how far it went. (It may count the first value
    // as still waiting if it looked before the consumer took it: n - 1.)
    #expect(try await g.next() == 0)
    var consumed = 1
    let deadline = ContinuousClock.now + .seconds(5)
    while !g.handoff.ring.producerSleeping.load(ordering: .sequentiallyConsistent), ContinuousClock.now < deadline {
      await Task.yield()
    }
    let ahead = started.load(ordering: .sequentiallyConsistent) - consumed
    #expect(ahead == n || ahead == n - 1, "it ran ahead until the buffer was full, and no further")
    for try await value in g {
      #expect(value == consumed)
      consumed += 1
      #expect(started.load(ordering: .sequentiallyConsistent) - consumed <= n)
    }
    #expect(consumed == 500)
  }

  @Test func bodyErrorArrivesAfterTheBufferedValues() async throws {
    let g = AsyncGenerator<Int> { co in
      for i in 0..<3 { try await co.yield(i) }
      throw Boom(tag: 9)
    }.buffered(8)
    #expect(try await g.next() == 0)
    #expect(try await g.next() == 1)
    #expect(try await g.next() == 2)
    await #expect(throws: Boom(tag: 9)) { try await g.next() }
    #expect(try await g.next() == nil)
  }

  @Test func closeStopsTheProducerAndWaitsForCleanup() async throws {
    let log = EventLog()
    let g = countUpTo(1_000_000, log: log).buffered(4)
    #expect(try await g.next() == 1)
    try await g.close()
    #expect(log.all.last == "cleanup")
    let produced = log.all.filter { $0.hasPrefix("produce") }.count
    #expect(produced <= 6)
    #expect(try await g.next() == nil)
  }

  @Test func releaseStopsTheProducer() async throws {
    let log = EventLog()
    do {
      let g = countUpTo(1_000_000, log: log).buffered(4)
      _ = try await g.next()
    }
    #expect(await log.waitFor("cleanup"))
  }

  @Test func cancellationStopsTheProducer() async throws {
    let log = EventLog()
    let g = countUpTo(1_000_000, log: log).buffered(4)
    let consumer = Task {
      var seen = 0
      for try await _ in g {
        seen += 1
        if seen == 10 { withUnsafeCurrentTask { $0?.cancel() } }
      }
      return seen
    }
    await #expect(throws: CancellationError.self) { try await consumer.value }
    #expect(await log.waitFor("cleanup"))
  }

  @Test func sendIsRefusedWhenBuffered() async throws {
    let g = countUpTo(3).buffered(2)
    _ = try await g.next()
    let error = await #expect(throws: GeneratorError.self) { try await g.throw(Boom()) }
    #expect(error?.code == .unsupportedWhenBuffered)
  }
}

@Suite struct AsyncBufferedCloseTests {
  @Test func closingABusyBufferedBodyThrowsGeneratorExitAtItsNextYield() async throws {
    let log = EventLog()
    let (gate, open) = AsyncStream<Void>.makeStream()
    let g = AsyncGenerator<Int> { co in
      defer { log.add("cleanup") }
      do {
        try await co.yield(1)
        log.add("busy")
        for await _ in gate { break }  // busy, not waiting for room, when close() comes
        try await co.yield(2)
      } catch is GeneratorExit {
        log.add("GeneratorExit")
        throw GeneratorExit()
      }
    }.buffered(8)
    #expect(try await g.next() == 1)
    #expect(await log.waitFor("busy"))
    async let closed: Void = g.close()
    // Once close() has asked (the body's lock-free hint is set), let the body go on.
    let deadline = ContinuousClock.now + .seconds(5)
    while !g.handoff.closing.load(ordering: .sequentiallyConsistent), ContinuousClock.now < deadline { await Task.yield() }
    open.yield()
    try await closed
    #expect(log.all == ["busy", "GeneratorExit", "cleanup"])
  }
}

@Suite struct AsyncBufferedAfterCloseTests {
  final class Box: Sendable {
    let value: Int
    init(_ value: Int) { self.value = value }
  }

  /// After close(), a buffered generator is finished: next() is nil, the
  /// values made ahead were freed once (class elements: a double free or a
  /// read of a freed slot would crash), and releasing it is fine.
  @Test func nextAfterCloseIsNilAndNothingIsFreedTwice() async throws {
    let tracker = LifetimeTracker()
    do {
      let g = AsyncGenerator<Box> { co in
        var i = 0
        while true {
          withExtendedLifetime(tracker.make()) {}
          try await co.yield(Box(i))
          i += 1
        }
      }.buffered(4)
      #expect(try await g.next()?.value == 0)
      // Let it fill the buffer (it then waits for room).
      let deadline = ContinuousClock.now + .seconds(5)
      while !g.handoff.ring.producerSleeping.load(ordering: .sequentiallyConsistent), ContinuousClock.now < deadline {
        await Task.yield()
      }
      try await g.close()
      #expect(g.state == .closed)
      #expect(try await g.next() == nil)
      #expect(try await g.next() == nil)
    }
    #expect(tracker.alive == 0)
  }

  /// close() does not wait for an await the body is busy in: it is cancelled.
  @Test func closeCancelsABodyBusyInAnotherAwait() async throws {
    let log = EventLog()
    let g = AsyncGenerator<Int> { co in
      defer { log.add("cleanup") }
      try await co.yield(1)
      log.add("busy")
      try await Task.sleep(for: .seconds(600))  // a request that would take ten minutes
      try await co.yield(2)
    }.buffered(4)
    #expect(try await g.next() == 1)
    #expect(await log.waitFor("busy"))
    let start = ContinuousClock.now
    try await g.close()
    #expect(ContinuousClock.now - start < .seconds(60), "close() waited for the body's await")
    #expect(log.all == ["busy", "cleanup"])
  }

  /// Releasing a buffered generator whose body is busy elsewhere cancels that await too.
  @Test func releaseCancelsABodyBusyInAnotherAwait() async throws {
    let log = EventLog()
    var g: AsyncGenerator<Int>? = AsyncGenerator<Int> { co in
      defer { log.add("cleanup") }
      try await co.yield(1)
      log.add("busy")
      try await Task.sleep(for: .seconds(600))
      try await co.yield(2)
    }.buffered(4)
    #expect(try await g!.next() == 1)
    #expect(await log.waitFor("busy"))
    g = nil
    #expect(await log.waitFor("cleanup", seconds: 30))
  }
}
