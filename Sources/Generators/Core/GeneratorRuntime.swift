import CGeneratorsRuntime

/// Process-wide facts about generator stacks, for diagnosing memory use.
public enum GeneratorRuntime {
  /// Counters for the stacks of every generator in the process.
  public struct Statistics: Sendable, Hashable {
    /// Stacks mapped: those of started, unfinished generators, plus the few each
    /// thread keeps for reuse (see ``GeneratorRuntime/releasePooledStacks()``).
    public var mappedStacks: Int
    /// Of those, stacks whose guard page costs a second memory mapping (older kernels).
    public var stacksWithMappedGuard: Int
    /// Of those, stacks with no guard page (past the mapping budget), checked by a canary.
    public var stacksWithoutGuard: Int
    /// How many stacks may use a mapped guard at once before the canary fallback.
    public var mappedGuardBudget: Int
  }

  /// A snapshot of the counters.
  public static var statistics: Statistics {
    var stats = cgr_stats()
    cgr_get_stats(&stats)
    return Statistics(
      mappedStacks: Int(stats.mapped_stacks),
      stacksWithMappedGuard: Int(stats.mprotect_guarded),
      stacksWithoutGuard: Int(stats.canary_only),
      mappedGuardBudget: Int(stats.mprotect_budget))
  }

  /// Unmaps the stacks this thread keeps for reuse (a few; also freed when the thread ends).
  public static func releasePooledStacks() {
    cgr_pool_drain()
  }
}
