// A generator is not Sendable, but it may be resumed from different threads
// one at a time; a concurrent resume is refused, never a crash.
import Foundation
import Generators
import Testing
import TestSupport

final class Counter { var value = 0 }

@Suite struct ThreadTests {
  @Test func resumedAlternatelyFromDifferentThreads() throws {
    let g = UncheckedBox(Generator<Int> { co in
      var n = 0
      while n < 200 {
        try co.yield(n)
        n += 1
      }
    })
    var seen: [Int] = []
    for round in 0..<100 {
      // Half of the resumes on this thread, half on a fresh thread each time.
      if round % 2 == 0 {
        seen.append(try g.value.next()!)
      } else {
        seen.append(onNewThread { try! g.value.next()! })
      }
    }
    #expect(seen == Array(0..<100))
  }

  @Test func exclusiveAccessHeldAcrossAYieldMovesWithTheGenerator() throws {
    // The body holds an `inout` access to a class property (checked at run
    // time by the Swift runtime) across each yield. The runtime's access set is
    // per thread, so the generator carries its accesses from thread to thread;
    // without that, ending the access on another thread traps, and reading the
    // property on the first thread while suspended reports a false conflict.
    let counter = Counter()
    let box = UncheckedBox(Generator<Int> { co in
      func bump(_ value: inout Int) throws {
        for _ in 0..<3 {
          value += 1
          try co.yield(value)
        }
      }
      try bump(&counter.value)
    })
    #expect(try box.value.next() == 1)
    #expect(counter.value == 1, "reading while the generator is suspended is no conflict")
    #expect(onNewThread { try! box.value.next() } == 2)
    #expect(onNewThread { try! box.value.next() } == 3)
    #expect(try box.value.next() == nil)  // the access ends on this thread
    counter.value += 10
    #expect(counter.value == 13)
  }

  @Test func concurrentResumesAreRefusedNotCrashed() throws {
    let total = 20_000
    let g = UncheckedBox(Generator<Int> { co in
      for i in 0..<total {
        var spin = 0
        for k in 0..<50 { spin &+= k }  // widen the window for a collision
        try co.yield(i + spin * 0)
      }
    })
    let results = UncheckedBox<[[Int]]>([[], []])
    let refused = UncheckedBox([0, 0])
    let lock = NSLock()
    DispatchQueue.concurrentPerform(iterations: 2) { worker in
      var mine: [Int] = []
      var myRefusals = 0
      while true {
        do {
          guard let x = try g.value.next() else { break }
          mine.append(x)
        } catch let error as GeneratorError where error.code == .alreadyExecuting {
          myRefusals += 1
        } catch {
          Issue.record("unexpected \(error)")
          break
        }
      }
      lock.withLock {
        results.value[worker] = mine
        refused.value[worker] = myRefusals
      }
    }
    let all = (results.value[0] + results.value[1]).sorted()
    #expect(all == Array(0..<total), "every value delivered exactly once")
    print("concurrent resumes refused: \(refused.value)")
  }

  @Test func generatorFreedOnAnotherThreadRunsItsCleanup() throws {
    let log = UncheckedBox<[String]>([])
    let box = UncheckedBox<Generator<Int>?>(Generator { co in
      defer { log.value.append("cleanup") }
      try co.yield(1)
    })
    _ = try box.value!.next()
    onNewThread { box.value = nil }
    #expect(log.value == ["cleanup"])
  }
}
