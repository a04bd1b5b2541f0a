// Python's generator protocol, case by case: next, send, throw, close, states
// and the misuse errors.
import Generators
import Testing
import TestSupport

struct Boom: Error, Equatable { var tag = 0 }
struct Other: Error, Equatable {}

@Suite struct SemanticsTests {
  @Test func statesThroughALife() throws {
    let g = Generator<Int> { co in try co.yield(1) }
    #expect(g.state == .created)
    #expect(try g.next() == 1)
    #expect(g.state == .suspended)
    #expect(try g.next() == nil)
    #expect(g.state == .closed)
  }

  @Test func stateIsRunningInsideTheBody() throws {
    var seen: GeneratorState?
    let holder = UncheckedBox<Generator<Int>?>(nil)
    let g = Generator<Int> { co in
      seen = holder.value?.state
      try co.yield(0)
    }
    holder.value = g
    _ = try g.next()
    #expect(seen == .running)
    holder.value = nil
  }

  @Test func exhaustedReturnsNilForever() throws {
    let g = Generator<Int> { co in try co.yield(1) }
    #expect(try g.next() == 1)
    for _ in 0..<5 { #expect(try g.next() == nil) }
    var iterator = g.makeIterator()
    #expect(iterator.next() == nil)
  }

  @Test func throwCaughtInsideYieldsAgain() throws {
    let g = Generator<String> { co in
      do {
        try co.yield("first")
      } catch let error as Boom {
        try co.yield("caught \(error.tag)")
      }
      try co.yield("last")
    }
    #expect(try g.next() == "first")
    #expect(try g.throw(Boom(tag: 7)) == "caught 7")
    #expect(try g.next() == "last")
    #expect(try g.next() == nil)
  }

  @Test func throwCaughtThenFinishingReturnsNil() throws {
    let g = Generator<Int> { co in
      do { try co.yield(1) } catch {}
    }
    _ = try g.next()
    #expect(try g.throw(Boom()) == nil)
    #expect(g.state == .closed)
  }

  @Test func uncaughtThrowReachesCaller() throws {
    var cleaned = false
    let g = Generator<Int> { co in
      defer { cleaned = true }
      try co.yield(1)
    }
    _ = try g.next()
    #expect(throws: Boom(tag: 3)) { try g.throw(Boom(tag: 3)) }
    #expect(cleaned)
    #expect(g.state == .closed)
    #expect(try g.next() == nil)
  }

  @Test func throwIntoCreatedClosesWithoutRunning() {
    var ran = false
    let g = Generator<Int> { co in ran = true; try co.yield(1) }
    #expect(throws: Boom()) { try g.throw(Boom()) }
    #expect(!ran)
    #expect(g.state == .closed)
  }

  @Test func throwIntoClosedRethrows() throws {
    let g = Generator<Int> { _ in }
    #expect(try g.next() == nil)
    #expect(throws: Other()) { try g.throw(Other()) }
  }

  @Test func bodyErrorReachesNext() throws {
    let g = Generator<Int> { co in
      try co.yield(1)
      throw Boom(tag: 9)
    }
    #expect(try g.next() == 1)
    #expect(throws: Boom(tag: 9)) { try g.next() }
    #expect(g.state == .closed)
    #expect(try g.next() == nil, "after an error the generator is finished, as in Python")
  }

  @Test func bodyErrorReachesForTryAwait() async throws {
    let g = Generator<Int> { co in
      try co.yield(1)
      throw Boom(tag: 4)
    }
    var seen: [Int] = []
    await #expect(throws: Boom(tag: 4)) {
      for try await x in g { seen.append(x) }
    }
    #expect(seen == [1])
  }

  @Test func forTryAwaitIteratesAll() async throws {
    let g = Generator<Int> { co in try co.yield(from: 1...4) }
    var sum = 0
    for try await x in g { sum += x }
    #expect(sum == 10)
  }

  @Test func closeOnCreated() throws {
    var ran = false
    let g = Generator<Int> { co in ran = true; try co.yield(1) }
    try g.close()
    #expect(g.state == .closed)
    #expect(try g.next() == nil)
    #expect(!ran)
  }

  @Test func closeOnSuspendedRunsDeferOnceAndIsIdempotent() throws {
    var cleanups = 0
    let g = Generator<Int> { co in
      defer { cleanups += 1 }
      while true { try co.yield(0) }
    }
    _ = try g.next()
    try g.close()
    try g.close()
    #expect(cleanups == 1)
    #expect(g.state == .closed)
  }

  @Test func closeOnFinished() throws {
    let g = Generator<Int> { co in try co.yield(1) }
    _ = Array(g)
    try g.close()
    #expect(g.state == .closed)
  }

  @Test func closeSeesGeneratorExitAtTheYield() throws {
    var caught: (any Error)?
    let g = Generator<Int> { co in
      do { try co.yield(1) } catch {
        caught = error
        throw error
      }
    }
    _ = try g.next()
    try g.close()
    #expect(caught is GeneratorExit)
  }

  @Test func closeRethrowsADifferentErrorFromCleanup() throws {
    let g = Generator<Int> { co in
      do { try co.yield(1) } catch is GeneratorExit { throw Boom(tag: 1) }
    }
    _ = try g.next()
    #expect(throws: Boom(tag: 1)) { try g.close() }
    #expect(g.state == .closed)
  }

  @Test func bodyThatYieldsAfterGeneratorExit() throws {
    var attempts = 0
    let g = Generator<Int> { co in
      while true {
        do { try co.yield(1) } catch is GeneratorExit {
          attempts += 1
          if attempts >= 2 { throw GeneratorExit() }
        }
      }
    }
    _ = try g.next()
    let error = #expect(throws: GeneratorError.self) { try g.close() }
    #expect(error?.code == .ignoredClose)
    #expect(error?.message.contains("ignored GeneratorExit") == true)
    #expect(g.state == .suspended, "as in Python, it stays suspended at the new yield")
    try g.close()  // the second GeneratorExit is let through
    #expect(g.state == .closed)
  }

  @Test func reentrantNextIsRefused() throws {
    let holder = UncheckedBox<Generator<Int>?>(nil)
    var inner: (any Error)?
    let g = Generator<Int> { co in
      do { _ = try holder.value!.next() } catch { inner = error }
      try co.yield(1)
    }
    holder.value = g
    #expect(try g.next() == 1)
    let error = try #require(inner as? GeneratorError)
    #expect(error.code == .alreadyExecuting)
    #expect(error.message.contains("already executing"))
    holder.value = nil
  }

  @Test func sendBeforeFirstNextIsRefused() throws {
    let acc = Coroutine<Int, Int, Void> { co in
      var total = 0
      while true { total += try co.yield(total) }
    }
    let error = #expect(throws: GeneratorError.self) { try acc.send(5) }
    #expect(error?.code == .sendBeforeStart)
    #expect(error?.message.contains("prime it with next() first") == true)
    #expect(acc.state == .created, "a refused send leaves it unstarted")
    #expect(try acc.next() == 0)
    #expect(try acc.send(5) == 5)
  }

  @Test func nextOnAYieldThatNeedsAValueThrowsInsideTheBody() throws {
    var inside: (any Error)?
    let acc = Coroutine<Int, Int, Void> { co in
      var total = 0
      while true {
        do { total += try co.yield(total) } catch let error as GeneratorError {
          inside = error
          throw error
        }
      }
    }
    _ = try acc.next()
    let error = #expect(throws: GeneratorError.self) { try acc.next() }
    #expect(error?.code == .noValueSent)
    #expect(inside != nil, "raised at the yield, like Python's TypeError on None")
  }

  @Test func optionalSentReceivesNilFromNext() throws {
    var received: [Int?] = []
    let g = Coroutine<Int, Int?, Void> { co in
      while true { received.append(try co.yield(received.count)) }
    }
    _ = try g.next()
    _ = try g.next()
    try g.send(3)
    #expect(received == [nil, 3])
  }

  @Test func returnValueIsKept() throws {
    let g = Coroutine<Int, Void, String> { co in
      try co.yield(1)
      return "done"
    }
    #expect(g.returnValue == nil)
    _ = Array(g)
    #expect(g.returnValue == "done")
  }

  @Test func nothingRunsBeforeTheFirstNext() throws {
    var ran = false
    let g = Generator<Int> { co in
      ran = true
      try co.yield(1)
    }
    #expect(!ran)
    _ = try g.next()
    #expect(ran)
  }

  @Test func deepRecursionInsideABodyWithTheDefaultStack() throws {
    func depth(_ n: Int, _ co: Yielder<Int, Void>) throws -> Int {
      if n == 0 {
        try co.yield(0)
        return 0
      }
      var padding = (n, n, n, n)  // a frame of ordinary size
      return try depth(n - 1, co) + 1 + (padding.0 - padding.3) + withUnsafeMutableBytes(of: &padding) { $0.count * 0 }
    }
    let g = Coroutine<Int, Void, Int> { co in try depth(1000, co) }
    #expect(try g.next() == 0)
    #expect(try g.next() == nil)
    #expect(g.returnValue == 1000)
  }

  @Test func stackSizeIsConfigurable() throws {
    let g = Generator<Int>(stackSize: 16 * 1024) { co in try co.yield(42) }
    #expect(try g.next() == 42)
  }

  @Test func stackThatCannotBeMappedIsAClearError() throws {
    let g = Generator<Int>(stackSize: 1 << 50) { co in try co.yield(1) }
    let error = #expect(throws: GeneratorError.self) { try g.next() }
    #expect(error?.code == .stackAllocationFailed)
    #expect(error?.message.contains("could not map") == true)
    #expect(g.state == .closed)
  }
}
