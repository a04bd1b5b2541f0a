import Foundation
import StreamIO
import StreamNetworking
import Testing

/// The built executables' directory (where the test bundle is).
let productsDirectory: String = {
  var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
  while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("gen").path), directory.path != "/" {
    directory = directory.deletingLastPathComponent()
  }
  return directory.path
}()

struct Run: Sendable {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs `executable` with `arguments`, waiting on a thread of its own (never
/// blocking the task pool, on which the test server's handlers run).
func run(_ executable: String, _ arguments: [String]) async throws -> Run {
  try await withCheckedThrowingContinuation { continuation in
    Thread {
      do {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let directory = NSTemporaryDirectory() + "gen-net-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        FileManager.default.createFile(atPath: directory + "/out", contents: nil)
        FileManager.default.createFile(atPath: directory + "/err", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: directory + "/out")
        process.standardError = FileHandle(forWritingAtPath: directory + "/err")
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let out = try String(contentsOfFile: directory + "/out", encoding: .utf8)
        let err = try String(contentsOfFile: directory + "/err", encoding: .utf8)
        continuation.resume(returning: Run(status: process.terminationStatus, stdout: out, stderr: err))
      } catch {
        continuation.resume(throwing: error)
      }
    }.start()
  }
}

func gen(_ arguments: [String]) async throws -> Run { try await run(productsDirectory + "/gen", arguments) }

@Suite struct GenNetTests {
  @Test func genReadsURLsThroughItsCompanion() async throws {
    var text = ""
    for n in 0..<5000 { text += "{\"n\":\(n),\"text\":\"gz \(n)\"}\n" }
    try await withServer(gzipBody: try gzip(Array(text.utf8))) { server in
      // NDJSON by Content-Type (the path has no extension), dripping in pieces.
      let count = try await gen(["count", server.base + "/drip"])
      #expect(count.status == 0, "\(count.stderr)")
      #expect(count.stdout == "20\n")
      // gzip by its bytes.
      #expect(try await gen(["count", server.base + "/gzip"]).stdout == "5000\n")
      // CSV by name; gen's verbs as on a file.
      let head = try await gen(["head", "-n", "2", server.base + "/sales.csv"])
      #expect(head.stdout == "name,country,qty\nann,US,3\nbo,FR,4\n")
      let filtered = try await gen(["filter", server.base + "/sales.csv", "--where", "country!=US"])
      #expect(filtered.stdout == "name,country,qty\nbo,FR,4\n\"c, d\",DE,5\n", "\(filtered.stderr)")
    }
  }

  @Test func networkErrorsExit69Or74WithTheURLAndBytesReceived() async throws {
    try await withServer { server in
      let missing = try await gen(["count", server.base + "/missing"])
      #expect(missing.status == 69)
      #expect(missing.stderr.contains(server.base + "/missing"))
      #expect(missing.stderr.contains("HTTP 404"))
      let cut = try await gen(["count", server.base + "/cut", "--format", "jsonl"])
      #expect(cut.status == 74)
      #expect(cut.stderr.contains(server.base + "/cut"))
      #expect(cut.stderr.contains("after 21 bytes"), "\(cut.stderr)")
    }
  }

  @Test func fetchWritesItemsAsJSONLinesLazily() async throws {
    try await withServer { server in
      let fetched = try await gen(["fetch", server.base + "/link", "--pages", "next-link", "--items", "data", "--limit", "25"])
      #expect(fetched.status == 0, "\(fetched.stderr)")
      #expect(fetched.stdout == (0..<25).map { "\($0)\n" }.joined())
      #expect(server.count("/link") == 3)
      let all = try await gen(["fetch", server.base + "/offset", "--pages", "offset", "--page-size", "100", "--items", "rows.items"])
      #expect(all.stdout.split(separator: "\n").count == 1000)
      #expect(server.count("/offset") == 11)
    }
  }

  @Test func withoutTheCompanionGenSaysHowToBuildIt() async throws {
    let directory = NSTemporaryDirectory() + "gen-alone-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.copyItem(atPath: productsDirectory + "/gen", toPath: directory + "/gen")
    let alone = try await run(directory + "/gen", ["count", "http://127.0.0.1:9/x.csv"])
    #expect(alone.status == 69)
    #expect(alone.stderr.contains("swift build --product gen-net"), "\(alone.stderr)")
  }

  @Test func pythonHTTPServerInterop() async throws {
    // Python's own http.server serves a file written here; our client reads it.
    let directory = NSTemporaryDirectory() + "py-peer-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var text = ""
    for n in 0..<20_000 { text += "{\"n\":\(n),\"name\":\"row \(n)\"}\n" }
    try text.write(toFile: directory + "/events.ndjson", atomically: true, encoding: .utf8)
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python_peers.py").path
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    python.arguments = ["python3", script, directory]
    let input = Pipe(), output = Pipe()
    python.standardInput = input
    python.standardOutput = output
    try python.run()
    defer {
      try? input.fileHandleForWriting.close()  // the server's stdin ends: it stops
      python.waitUntilExit()
    }
    let portLine = try await readLine(output.fileHandleForReading)
    let url = "http://127.0.0.1:\(portLine)/events.ndjson"
    struct Event: Decodable { var n: Int; var name: String }
    var count = 0
    for try await event in JSONLinesReader<Event>(lines: LineReader(source: try await .http(url))) {
      #expect(event.n == count && event.name == "row \(count)")
      count += 1
    }
    #expect(count == 20_000)
    #expect(try await gen(["count", url]).stdout == "20000\n")
  }
}

/// The first line a pipe gives, read on a thread of its own.
func readLine(_ handle: FileHandle) async throws -> String {
  try await withCheckedThrowingContinuation { continuation in
    Thread {
      var bytes: [UInt8] = []
      while true {
        let byte = handle.readData(ofLength: 1)
        if byte.isEmpty || byte.first == 0x0A { break }
        bytes += byte
      }
      continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
    }.start()
  }
}
