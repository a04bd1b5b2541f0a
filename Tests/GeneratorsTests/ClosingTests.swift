// closing(_:_:) closes a generator that something else still holds, as
// Python's contextlib.closing / aclosing: its cleanup runs when the block
// ends, by return, throw or break, not when the last reference goes.
import Generators
import Synchronization
import Testing

@Suite struct ClosingTests {
  final class Cleanup: Sendable {
    let done = Mutex(false)
    var ran: Bool { done.withLock { $0 } }
  }

  func numbers(_ cleanup: Cleanup) -> Generator<Int> {
    Generator { co in
      defer { cleanup.done.withLock { $0 = true } }
      for n in 1... { try co.yield(n) }
    }
  }

  @Test func aHeldGeneratorIsClosedWhenTheBlockEnds() throws {
    let cleanup = Cleanup()
    let held = numbers(cleanup)  // held, as a top-level variable would be
    let first = try closing(held) { numbers in
      var seen: [Int] = []
      for n in numbers {
        if n > 3 { break }
        seen.append(n)
      }
      return seen
    }
    #expect(first == [1, 2, 3])
    #expect(cleanup.ran)
    #expect(held.state == .closed)
    withExtendedLifetime(held) {}
  }

  @Test func theBodysErrorWinsAndTheGeneratorIsClosed() throws {
    struct Stop: Error {}
    let cleanup = Cleanup()
    let held = numbers(cleanup)
    #expect(throws: Stop.self) {
      try closing(held) { numbers in
        _ = try numbers.next()
        throw Stop()
      }
    }
    #expect(cleanup.ran)
    withExtendedLifetime(held) {}
  }

  @Test func anAsyncGeneratorIsClosedAndItsCleanupAwaited() async throws {
    let cleanup = Cleanup()
    let held = AsyncGenerator<Int> { co in
      defer { cleanup.done.withLock { $0 = true } }
      for n in 1... { try await co.yield(n) }
    }
    let sum = try await closing(held) { numbers in
      var sum = 0
      for try await n in numbers {
        if n > 4 { break }
        sum += n
      }
      return sum
    }
    #expect(sum == 10)
    #expect(cleanup.ran)
    withExtendedLifetime(held) {}
  }
}
