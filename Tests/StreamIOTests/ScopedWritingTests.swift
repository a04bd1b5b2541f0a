// The scoped writers (Python's `with open(...)`): committed when the closure
// returns, discarded when it throws; the sync form in sync code and the async
// form in async code, even for a closure that does not await.
import Foundation
import Generators
import StreamIO
import Testing

@Suite struct ScopedWritingTests {
  struct Stop: Error {}

  func directory() throws -> String {
    let path = NSTemporaryDirectory() + "scoped-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  func contents(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

  func entries(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
  }

  @Test func csvIsCommittedWhenTheClosureReturns() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let rows = try CSVWriter.write(to: dir + "/out.csv", lineTerminator: "\n") { csv in
      try csv.write(["name", "note"])
      try csv.write(["Ann", "a, b"])
      return 2
    }
    #expect(rows == 2)
    #expect(contents(dir + "/out.csv") == "name,note\nAnn,\"a, b\"\n")
    #expect(entries(dir) == ["out.csv"], "no temporary file left")
  }

  @Test func aThrowingClosureLeavesTheFileAsItWas() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/out.csv"
    try "before\n".write(toFile: path, atomically: false, encoding: .utf8)
    #expect(throws: Stop.self) {
      try CSVWriter.write(to: path) { csv in
        for i in 0..<100_000 { try csv.write(["row", String(i)]) }   // more than one buffer
        throw Stop()
      }
    }
    #expect(contents(path) == "before\n")
    #expect(entries(dir) == ["out.csv"], "the temporary file is removed")
    // A new file is not created at all.
    #expect(throws: Stop.self) {
      try OutputSink.write(to: dir + "/new.txt") { out in
        try out.write("partial")
        throw Stop()
      }
    }
    #expect(!FileManager.default.fileExists(atPath: dir + "/new.txt"))
  }

  @Test func jsonLinesScopedWriterWritesOneValuePerLine() throws {
    struct Total: Codable, Equatable { var country: String; var total: Double }
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let totals = [Total(country: "FR", total: 12.5), Total(country: "DE", total: 3)]
    try JSONLinesWriter<Total>.write(to: dir + "/t.jsonl") { out in
      for total in totals { try out.write(total) }
    }
    let back = try Array(JSONLinesReader<Total>(path: dir + "/t.jsonl"))
    #expect(back == totals)
  }

  /// In async code the body can await (here over an async generator); a
  /// throw after awaiting still discards.
  @Test func asyncBodiesAwaitAndStillCommitOrDiscard() async throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    func numbers(_ n: Int) -> AsyncGenerator<Int> {
      AsyncGenerator { co in for i in 1...n { try await co.yield(i) } }
    }
    try await CSVWriter.write(to: dir + "/n.csv", lineTerminator: "\n") { csv in
      for try await n in numbers(3) { try csv.write([String(n)]) }
    }
    #expect(contents(dir + "/n.csv") == "1\n2\n3\n")
    await #expect(throws: Stop.self) {
      try await CSVWriter.write(to: dir + "/n.csv") { csv in
        for try await n in numbers(3) { try csv.write([String(n * 10)]) }
        throw Stop()
      }
    }
    #expect(contents(dir + "/n.csv") == "1\n2\n3\n")
    #expect(entries(dir) == ["n.csv"])
  }

  /// A closure that does not await, in async code, takes the synchronous
  /// form: no `await` needed, and it commits.
  @Test func aClosureThatDoesNotAwaitWorksInAsyncCode() async throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try OutputSink.write(to: dir + "/plain.txt") { out in
      try out.write("plain\n")
    }
    #expect(contents(dir + "/plain.txt") == "plain\n")
  }

  @Test func closeIsTheOneVerbAndWritesAfterItThrow() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let writer = try CSVWriter(path: dir + "/w.csv", lineTerminator: "\n")
    try writer.write(["a"])
    try writer.close()
    try writer.close()  // a second close does nothing
    #expect(contents(dir + "/w.csv") == "a\n")
    #expect(throws: StreamIOError.self) { try writer.write(["b"]) }
    #expect(throws: StreamIOError.self) { try writer.sink.write("") }  // even an empty write (it trapped)
    #expect(throws: StreamIOError.self) { try writer.sink.write(UnsafeRawBufferPointer(start: nil, count: 0)) }
    #expect(contents(dir + "/w.csv") == "a\n")
  }

  @Test func discardLeavesTheFileAsItWasAndRefusesLaterWrites() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "kept\n".write(toFile: dir + "/d.txt", atomically: false, encoding: .utf8)
    let sink = try OutputSink(path: dir + "/d.txt")
    try sink.write(String(repeating: "x", count: 200_000))
    sink.discard()
    #expect(contents(dir + "/d.txt") == "kept\n")
    #expect(entries(dir) == ["d.txt"])
    #expect(throws: StreamIOError.self) { try sink.write("more") }
    try sink.close()  // after discard, close does nothing
    #expect(contents(dir + "/d.txt") == "kept\n")
  }
}
