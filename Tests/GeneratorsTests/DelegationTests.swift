// yield(from:): Python's `yield from`, with its forwarding of send, throw and close.
import Generators
import Testing
import TestSupport

@Suite struct DelegationTests {
  @Test func returnValueOfTheDelegate() throws {
    let inner = Coroutine<Int, Void, String> { co in
      try co.yield(1)
      try co.yield(2)
      return "inner done"
    }
    var result: String?
    let outer = Generator<Int> { co in
      try co.yield(0)
      result = try co.yield(from: inner)
      try co.yield(3)
    }
    #expect(Array(outer) == [0, 1, 2, 3])
    #expect(result == "inner done")
    #expect(inner.state == .closed)
  }

  @Test func sendIsForwarded() throws {
    var innerLog: [Int] = []
    let inner = Coroutine<Int, Int, Int> { co in
      var sum = 0
      for _ in 0..<3 {
        let value = try co.yield(sum)
        innerLog.append(value)
        sum += value
      }
      return sum
    }
    var total: Int?
    let outer = Coroutine<Int, Int, Void> { co in
      total = try co.yield(from: inner)
      _ = try co.yield(-1)
    }
    #expect(try outer.next() == 0)
    #expect(try outer.send(5) == 5)
    #expect(try outer.send(6) == 11)
    #expect(try outer.send(7) == -1)
    #expect(innerLog == [5, 6, 7])
    #expect(total == 18)
  }

  @Test func throwIsForwardedAndCanBeHandledByTheDelegate() throws {
    let inner = Generator<String> { co in
      do { try co.yield("a") } catch let error as Boom { try co.yield("inner caught \(error.tag)") }
    }
    let outer = Generator<String> { co in
      try co.yield(from: inner)
      try co.yield("outer continues")
    }
    #expect(try outer.next() == "a")
    #expect(try outer.throw(Boom(tag: 2)) == "inner caught 2")
    #expect(try outer.next() == "outer continues")
  }

  @Test func throwUnhandledByTheDelegateSurfacesInTheDelegator() throws {
    var order: [String] = []
    let inner = Generator<Int> { co in
      defer { order.append("inner cleanup") }
      try co.yield(1)
    }
    let outer = Generator<Int> { co in
      do { try co.yield(from: inner) } catch let error as Boom {
        order.append("outer caught \(error.tag)")
        try co.yield(99)
      }
    }
    #expect(try outer.next() == 1)
    #expect(try outer.throw(Boom(tag: 5)) == 99)
    #expect(order == ["inner cleanup", "outer caught 5"])
  }

  @Test func closeIsForwardedInnerCleanupFirst() throws {
    var order: [String] = []
    let innermost = Generator<Int> { co in
      defer { order.append("innermost") }
      try co.yield(1)
    }
    let middle = Generator<Int> { co in
      defer { order.append("middle") }
      try co.yield(from: innermost)
    }
    let outer = Generator<Int> { co in
      defer { order.append("outer") }
      try co.yield(from: middle)
    }
    #expect(try outer.next() == 1)
    try outer.close()
    #expect(order == ["innermost", "middle", "outer"])
    #expect(outer.state == .closed && middle.state == .closed && innermost.state == .closed)
  }

  @Test func closeReachesTheDelegatorEvenIfTheDelegateReturns() throws {
    var outerSawExit = false
    let inner = Generator<Int> { co in
      do { try co.yield(1) } catch is GeneratorExit { return }  // swallows, then returns
    }
    let outer = Generator<Int> { co in
      do { try co.yield(from: inner) } catch is GeneratorExit {
        outerSawExit = true
        throw GeneratorExit()
      }
      try co.yield(2)  // must not be reached: the delegator was closed too
    }
    #expect(try outer.next() == 1)
    try outer.close()
    #expect(outerSawExit)
  }

  @Test func earlyBreakClosesTheWholeChain() {
    var cleanups = 0
    func level(_ n: Int) -> Generator<Int> {
      Generator { co in
        defer { cleanups += 1 }
        if n == 0 { try co.yield(from: 0..<10) } else { try co.yield(from: level(n - 1)) }
      }
    }
    for x in level(5) where x == 2 { break }
    #expect(cleanups == 6)
  }

  @Test func delegateIsRefusedWhileDelegated() throws {
    let inner = Generator<Int> { co in try co.yield(from: 0..<3) }
    let outer = Generator<Int> { co in try co.yield(from: inner) }
    #expect(try outer.next() == 0)
    let error = #expect(throws: GeneratorError.self) { try inner.next() }
    #expect(error?.code == .delegated)
    #expect(Array(outer) == [1, 2])
  }

  @Test func yieldFromAPartlyConsumedGeneratorContinuesIt() throws {
    let inner = Generator<Int> { co in try co.yield(from: 1...4) }
    #expect(try inner.next() == 1)
    let outer = Generator<Int> { co in try co.yield(from: inner) }
    #expect(Array(outer) == [2, 3, 4])
  }

  @Test func yieldFromAFinishedCoroutineReturnsItsValueAtOnce() throws {
    let inner = Coroutine<Int, Void, Int> { _ in 7 }
    #expect(try inner.next() == nil)
    var got: Int?
    let outer = Generator<Int> { co in got = try co.yield(from: inner) }
    #expect(Array(outer) == [])
    #expect(got == 7)
  }

  @Test func delegateErrorPropagatesToTheResumer() throws {
    let inner = Generator<Int> { co in
      try co.yield(1)
      throw Boom(tag: 8)
    }
    let outer = Generator<Int> { co in try co.yield(from: inner) }
    #expect(try outer.next() == 1)
    #expect(throws: Boom(tag: 8)) { try outer.next() }
    #expect(outer.state == .closed)
  }

  @Test func yieldFromASequence() throws {
    let g = Generator<Int> { co in
      try co.yield(from: [1, 2])
      try co.yield(from: stride(from: 10, to: 40, by: 10))
    }
    #expect(Array(g) == [1, 2, 10, 20, 30])
  }

  @Test func sendIntoASequenceDelegationIsAnError() throws {
    let g = Coroutine<Int, Int, Void> { co in try co.yield(from: [1, 2, 3]) }
    #expect(try g.next() == 1)
    #expect(try g.next() == 2, "next() drives a plain sequence")
    let error = #expect(throws: GeneratorError.self) { try g.send(9) }
    #expect(error?.code == .sendToSequence)
  }

  @Test func fiveThousandDeepNesting() throws {
    var cleanups = 0
    func nest(_ depth: Int) -> Coroutine<Int, Void, Int> {
      Coroutine(stackSize: 64 * 1024) { co in
        defer { cleanups += 1 }
        if depth == 0 {
          try co.yield(from: 0..<100)
          return 0
        }
        return try co.yield(from: nest(depth - 1)) + 1
      }
    }
    let top = nest(5000)
    var sum = 0
    while let x = try top.next() { sum += x }
    #expect(sum == 4950)
    #expect(top.returnValue == 5000)
    #expect(cleanups == 5001)
  }

  @Test func deepNestingClosedEarlyUnwindsEveryLevel() throws {
    var cleanups = 0
    func nest(_ depth: Int) -> Generator<Int> {
      Generator(stackSize: 64 * 1024) { co in
        defer { cleanups += 1 }
        if depth == 0 { while true { try co.yield(1) } }
        try co.yield(from: nest(depth - 1))
      }
    }
    let top = nest(5000)
    #expect(try top.next() == 1)
    try top.close()
    #expect(cleanups == 5001)
  }
}
