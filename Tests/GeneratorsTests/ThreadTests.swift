// A generator is not Sendable, but it may be resumed from different threads
// one at a time; a resume while the body runs is refused, never a crash (and
// in a debug build, one of two resumes racing at the same instant).
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

  @Test func resumeFromAnotherThreadWhileTheBodyRunsIsRefused() throws {
    // The body is running on this thread (blocked inside, waiting) when
    // another thread tries to resume it: that resume is refused.
    let inside = DispatchSemaphore(value: 0)
    let proceed = DispatchSemaphore(value: 0)
    let holder = UncheckedBox<Generator<Int>?>(nil)
    let g = Generator<Int> { co in
      inside.signal()
      proceed.wait()
      try co.yield(1)
    }
    holder.value = g
    let refusal = UncheckedBox<GeneratorError?>(nil)
    let other = Thread {
      inside.wait()
      do { _ = try holder.value!.next() } catch { refusal.value = error as? GeneratorError }
      proceed.signal()
    }
    other.start()
    #expect(try g.next() == 1)
    #expect(refusal.value?.code == .alreadyExecuting)
    #expect(g.state == .suspended)
    holder.value = nil
  }

  /// Two threads released together resume one suspended generator (an
  /// opt-out of Swift's checking, as `@unchecked Sendable` allows): in a debug
  /// build, as tests are, one resume wins and the other is refused; nothing
  /// crashes and no value is handed out twice.
  @Test(.enabled(if: _isDebugAssertConfiguration(), "the race is caught in debug builds only"))
  func racingResumesAreRefusedInDebugBuilds() throws {
    for _ in 0..<200 {
      let box = UncheckedBox(Generator<Int> { co in
        for i in 1...1000 { try co.yield(i) }
      })
      let results = UncheckedBox<[Result<Int?, GeneratorError>]>([])
      let lock = NSLock()
      let start = DispatchSemaphore(value: 0)
      let done = DispatchGroup()
      for _ in 0..<2 {
        done.enter()
        Thread {
          start.wait()
          let result: Result<Int?, GeneratorError>
          do { result = .success(try box.value.next()) } catch { result = .failure(error as! GeneratorError) }
          lock.withLock { results.value.append(result) }
          done.leave()
        }.start()
      }
      start.signal()
      start.signal()
      done.wait()
      let values = results.value.compactMap { try? $0.get() }
      let refusals = results.value.compactMap { if case .failure(let e) = $0 { e.code } else { nil } }
      #expect(values.count + refusals.count == 2)
      #expect(refusals.allSatisfy { $0 == .alreadyExecuting })
      #expect(Set(values.compactMap { $0 }).count == values.count, "no value handed out twice")
    }
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

#if os(Linux)
import CGeneratorsRuntime

/// The fast path that moves a body's exclusivity accesses on and off the
/// thread relies on the Swift runtime's private record layout; the start-up
/// probe checks it with nested accesses and otherwise falls back to the
/// runtime's own functions. On this toolchain the probe must pass (if a new
/// runtime changes the layout, this fails to say the fast path is off).
@Suite struct AccessProbeTests {
  @Test func theProbeFindsTheThreadsAccessHeadAndItsRecordLayout() {
    let slot = onNewThread { cgr_lookup_thread_access_head() }
    #expect(slot != nil)
    #expect(slot != UnsafeMutablePointer(bitPattern: 1), "the probe fell back to the runtime's functions")
  }

  /// A body holding an access across yields, resumed alternately on two
  /// threads, with the probe's result in use on both.
  @Test func accessesHeldAcrossYieldsTravelWithTheBody() throws {
    let counter = Counter()
    func bump(_ value: inout Int, _ co: Yielder<Int, Void>) throws {
      for _ in 0..<4 { value += 1; try co.yield(value) }
    }
    let box = UncheckedBox(Generator<Int> { co in try bump(&counter.value, co) })
    #expect(try box.value.next() == 1)
    #expect(onNewThread { try! box.value.next() } == 2)
    #expect(try box.value.next() == 3)
    #expect(onNewThread { try! box.value.next() } == 4)
    #expect(try box.value.next() == nil)
    counter.value += 1  // the access has ended everywhere
    #expect(counter.value == 5)
  }
}
#endif
