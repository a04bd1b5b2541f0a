// A body that overflows its stack is reported, then the process dies of the
// SIGSEGV as before. The crash happens in a child process: this test binary
// run again with a filter that selects only `overflowingChild`, which runs
// only there (the environment variable below enables it).
import CGeneratorsRuntime
import Foundation
import Generators
import Testing
import TestSupport

/// Recursion that the optimizer cannot turn into a loop or prove endless.
@inline(never)
func recurse(_ depth: Int, limit: Int) -> Int {
  var frame = (depth, depth &+ 1, depth &+ 2, depth &+ 3, depth &+ 4, depth &+ 5, depth &+ 6, depth &+ 7)
  if depth >= limit { return depth }
  let below = withUnsafeMutablePointer(to: &frame) { recurse($0.pointee.0 + 1, limit: limit) }
  return below &+ frame.7
}

@Suite struct StackOverflowTests {
  static let childVariable = "GENERATORS_TEST_OVERFLOW_CHILD"

  /// Runs in the child only, on a thread of the cooperative pool (which has
  /// no signal stack of its own): `overflow` recurses without end in a body
  /// with a 64 KiB stack, `shallow` recurses 10 deep, `fault` resumes a
  /// generator (installing the handler) and then writes through a bad pointer.
  @Test(.enabled(if: ProcessInfo.processInfo.environment[childVariable] != nil))
  func overflowingChild() async throws {
    let mode = ProcessInfo.processInfo.environment[Self.childVariable]!
    let limit = mode == "shallow" ? 10 : Int.max
    let g = Generator<Int>(stackSize: 64 * 1024) { co in
      try co.yield(mode == "fault" ? 0 : recurse(0, limit: limit))
    }
    _ = try g.next()
    if mode == "fault" {
      UnsafeMutablePointer<Int>(bitPattern: 8)!.pointee = 1
    }
    #expect(mode == "shallow", "the body returned instead of overflowing its stack")
  }

  /// This test binary, run for `overflowingChild` alone in `mode`.
  func runChild(_ mode: String, backtrace: Bool = false) throws
    -> (status: Int32, reason: Process.TerminationReason, stderr: String)
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = ["--testing-library", "swift-testing", "--filter", "StackOverflowTests/overflowingChild"]
    var environment = ProcessInfo.processInfo.environment
    environment[Self.childVariable] = mode
    // A backtrace of an expected crash is noise, unless it is what we check.
    environment["SWIFT_BACKTRACE"] = backtrace ? "enable=yes,interactive=no,symbolicate=off" : "enable=no"
    process.environment = environment
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let stderr = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, process.terminationReason, String(decoding: stderr, as: UTF8.self))
  }

  @Test func overflowIsReportedThenKillsWithSIGSEGV() throws {
    let child = try runChild("overflow")
    #expect(child.reason == .uncaughtSignal)
    #expect(child.status == SIGSEGV)
    #expect(
      child.stderr.contains(
        "generator stack overflow: the body used all of its 65536-byte stack; pass a larger stackSize, "
          + "as in Generator(stackSize: 262144)"),
      "stderr: \(child.stderr)")
  }

  @Test func aBodyWithinItsStackRunsNormallyInTheChild() throws {
    // The same child with a shallow recursion passes, so the crash above is
    // the overflow and not the harness.
    let child = try runChild("shallow")
    #expect(child.reason == .exit)
    #expect(child.status == 0)
    #expect(!child.stderr.contains("generator stack overflow"))
  }

  @Test func otherFaultsStillReachThePreviousHandler() throws {
    // Our handler passes a fault outside any guard page to the one installed
    // before it: Swift's crash handler, which names the crash, or under a
    // sanitizer the sanitizer's, which reports it and exits.
    let child = try runChild("fault", backtrace: true)
    #expect(!child.stderr.contains("generator stack overflow"))
    if child.stderr.contains("Sanitizer: SEGV on unknown address 0x000000000008") {
      #expect(child.reason == .exit)
    } else {
      #expect(child.reason == .uncaughtSignal)
      #expect(child.status == SIGSEGV)
      #expect(child.stderr.contains("Bad pointer dereference at 0x0000000000000008"), "stderr: \(child.stderr)")
    }
  }

  @Test func aThreadGetsASignalStackWhenItFirstResumesAGenerator() throws {
    /// The thread's signal stack, or nil if it has none.
    func signalStack() -> UnsafeMutableRawPointer? {
      var current = stack_t()
      guard sigaltstack(nil, &current) == 0, current.ss_flags & Int32(SS_DISABLE) == 0 else { return nil }
      return current.ss_sp
    }
    let (before, after) = onNewThread { () -> (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) in
      let before = signalStack()
      let g = Generator<Int> { co in try co.yield(1) }
      _ = try! g.next()
      return (before, signalStack())
    }
    #expect(after != nil)
    // A thread that has one already (Address Sanitizer gives every thread
    // one) keeps it.
    if before != nil { #expect(after == before) }
  }

  @Test func liveStacksGuardPagesAreRegistered() throws {
    // The handler knows a stack by its guard page while it is mapped.
    var stack = cgr_stack()
    try #require(cgr_stack_acquire(256 * 1024, &stack) == 0)
    let guardPage = try #require(stack.mapping)
    if stack.guard != CGR_GUARD_CANARY {
      #expect(cgr_guard_lookup(guardPage) == 256 * 1024)
      #expect(cgr_guard_lookup(guardPage + 100) == 256 * 1024)
      #expect(cgr_guard_lookup(guardPage + Int(cgr_page_size())) == 0)  // the stack itself, not its guard
    }
    cgr_stack_release(&stack)
  }
}
