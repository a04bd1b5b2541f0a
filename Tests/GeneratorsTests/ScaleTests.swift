// 100,000 live suspended generators: more than Linux's ~65,530 memory
// mappings would allow if each guard page cost a mapping of its own.
import CGeneratorsRuntime
import Generators
import Testing

@Suite(.serialized) struct ScaleTests {
  func liveGenerators(_ count: Int) throws -> Int {
    var generators: [Generator<Int>] = []
    generators.reserveCapacity(count)
    for i in 0..<count {
      let g = Generator<Int> { co in
        try co.yield(i)
        try co.yield(i * 2)
      }
      #expect(try g.next() == i)
      generators.append(g)
    }
    #expect(GeneratorRuntime.statistics.mappedStacks >= count)
    var sum = 0
    for g in generators { sum += try g.next()! }
    return sum
  }

  @Test func hundredThousandLiveSuspendedGenerators() throws {
    let n = 100_000
    #expect(try liveGenerators(n) == n * (n - 1))
  }

  @Test func hundredThousandWithoutGuardInstallFallsBackWithinTheMappingBudget() throws {
    // As on kernels before 6.13: mprotect guards up to the budget, then
    // guardless stacks with a canary.
    cgr_set_guard_policy(CGR_POLICY_MPROTECT)
    defer { cgr_set_guard_policy(CGR_POLICY_AUTOMATIC) }
    let n = 100_000
    var generators: [Generator<Int>] = []
    for i in 0..<n {
      let g = Generator<Int> { co in try co.yield(i) }
      _ = try g.next()
      generators.append(g)
    }
    let stats = withExtendedLifetime(generators) { GeneratorRuntime.statistics }
    #expect(stats.stacksWithMappedGuard <= stats.mappedGuardBudget)
    #expect(stats.stacksWithMappedGuard > 0)
    #expect(stats.stacksWithoutGuard > 0)
    generators.removeAll()
    GeneratorRuntime.releasePooledStacks()
  }
}
