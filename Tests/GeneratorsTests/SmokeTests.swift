import Generators
import Testing

@Test func countUpTo() throws {
  func countUpTo(_ n: Int) -> Generator<Int> {
    Generator { co in
      var count = 1
      while count <= n { try co.yield(count); count += 1 }
    }
  }
  #expect(Array(countUpTo(5)) == [1, 2, 3, 4, 5])
}
