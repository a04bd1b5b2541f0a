// Nothing a generator captured outlives it: after close, after an early
// break, after deinit of a suspended or unstarted generator, after errors.
import Generators
import Testing
import TestSupport

@Suite struct LifetimeTests {
  func holding(_ tracker: LifetimeTracker, values: Int = 10) -> Generator<Int> {
    let captured = tracker.make()
    return Generator { co in
      let local = tracker.make()
      defer { withExtendedLifetime(local) {} }
      for i in 0..<values { try co.yield(i + (captured === local ? 1 : 0)) }
    }
  }

  @Test func releasedAfterClose() throws {
    let tracker = LifetimeTracker()
    let g = holding(tracker)
    _ = try g.next()
    #expect(tracker.alive == 2)
    try g.close()
    #expect(tracker.alive == 0, "the body's closure and its locals are gone after close()")
    withExtendedLifetime(g) {}
  }

  @Test func releasedAfterEarlyBreak() {
    let tracker = LifetimeTracker()
    for x in holding(tracker) where x == 3 { break }
    #expect(tracker.alive == 0)
  }

  @Test func releasedAfterDeinitOfASuspendedGenerator() throws {
    let tracker = LifetimeTracker()
    weak var weakGenerator: Generator<Int>?
    do {
      let g = holding(tracker)
      weakGenerator = g
      _ = try g.next()
      _ = try g.next()
    }
    #expect(weakGenerator == nil, "no reference to the generator lives on its own stack")
    #expect(tracker.alive == 0)
  }

  @Test func releasedWhenNeverStarted() {
    let tracker = LifetimeTracker()
    do { _ = holding(tracker) }
    #expect(tracker.alive == 0)
  }

  @Test func releasedAfterExhaustion() throws {
    let tracker = LifetimeTracker()
    let g = holding(tracker, values: 3)
    #expect(Array(g) == [0, 1, 2])
    #expect(tracker.alive == 0)
    withExtendedLifetime(g) {}
  }

  @Test func releasedAfterBodyError() throws {
    let tracker = LifetimeTracker()
    let captured = tracker.make()
    let g = Generator<Int> { co in
      withExtendedLifetime(captured) {}
      try co.yield(1)
      throw Boom()
    }
    _ = try g.next()
    #expect(throws: Boom()) { try g.next() }
    _ = consume captured
    #expect(tracker.alive == 0)
    withExtendedLifetime(g) {}
  }

  @Test func releasedThroughDelegationChains() throws {
    let tracker = LifetimeTracker()
    weak var weakOuter: Generator<Int>?
    do {
      let inner = holding(tracker)
      let outer = Generator<Int> { co in try co.yield(from: inner) }
      weakOuter = outer
      #expect(try outer.next() == 0)
    }
    #expect(weakOuter == nil)
    #expect(tracker.alive == 0)
  }

}
