import Foundation
import GenCommand
import GenDatabaseCommand
import StreamIO
import SystemPackage
@_exported import TestSupport  // GenRun, TemporaryDirectory, shell: for every file here
import Testing

/// Runs gen-db's verbs (`load`, `query`, `demo --into`) in process, on a
/// thread of its own: the PostgreSQL verbs block their thread while their
/// async work runs on the concurrency pool, which a test must not starve.
func genDB(_ arguments: [String], stdin: String = "") async throws -> GenRun {
  let box = UncheckedResult(arguments: arguments, stdin: stdin)
  return try await withCheckedThrowingContinuation { continuation in
    let thread = Thread {
      continuation.resume(with: Result { try genDBBlocking(box.arguments, stdin: box.stdin) })
    }
    thread.start()
  }
}

private struct UncheckedResult: @unchecked Sendable {
  var arguments: [String]
  var stdin: String
}

private func genDBBlocking(_ arguments: [String], stdin: String) throws -> GenRun {
  let directory = try TemporaryDirectory()
  let outPath = directory.path + "/stdout"
  let inPath = try directory.file("stdin", stdin)
  let sink = try OutputSink(path: outPath)
  var errors = ""
  let environment = GenEnvironment(
    stdout: sink, stderr: { errors += $0 },
    stdin: { () throws(StreamIOError) in
      let fd = try! FileDescriptor.open(FilePath(inPath), .readOnly)
      return try ByteSource(descriptor: fd, name: "<stdin>", closeWhenDone: true)
    },
    stderrIsTerminal: false, python: nil)
  let status = GenDatabaseCommand.main(arguments, environment: environment)
  try sink.close()
  return GenRun(status: status, stdout: try String(contentsOfFile: outPath, encoding: .utf8), stderr: errors)
}

/// The directory of the built executables (gen, gen-db), beside the test bundle.
var productsDirectory: String { TestSupport.productsDirectory(containing: "gen-db") }

/// A file of the demo's sales rows (name,country,qty,price; quoted names with commas).
func salesFile(rows: Int, in directory: TemporaryDirectory) throws -> String {
  let path = directory.path + "/sales.csv"
  let run = try shell("'\(productsDirectory)/gen' demo --rows \(rows) --keep '\(path)' >/dev/null")
  #expect(run.status == 0, "\(run.stderr)")
  return path
}

/// The repository's root (for .ci/postgres.sh).
var repositoryRoot: String {
  URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}

/// A PostgreSQL server for the tests: the one the PG* variables name (CI
/// starts one with .ci/postgres.sh), or else one this process starts with
/// that script, which stops it when the test process ends. nil, with the
/// reason, only when neither works (no server binaries and no way to install them).
enum TestPostgres {
  static let settings: Result<[String: String], SkipReason> = {
    let environment = ProcessInfo.processInfo.environment
    if let host = environment["PGHOST"] {
      var settings = ["PGHOST": host]
      for name in ["PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGTCPPORT"] { settings[name] = environment[name] }
      return .success(settings)
    }
    let binaries = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
    guard !binaries.isEmpty || getuid() == 0 else {
      return .failure(SkipReason("no PGHOST set, no PostgreSQL in /usr/lib/postgresql and not root to install it"))
    }
    let directory = "/tmp/gen-db-tests-pg-\(getpid())"
    // system(), not Process: the server and its watcher (which stops it when
    // this process ends) keep running and hold inherited descriptors, which
    // Foundation's Process would wait for.
    let output = "/tmp/gen-db-tests-pg-\(getpid()).out"
    defer { unlink(output) }
    let status = system("'\(repositoryRoot)/.ci/postgres.sh' start '\(directory)' \(getpid()) >'\(output)' 2>&1 </dev/null")
    let printed = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    guard status == 0, let line = printed.split(separator: "\n").last(where: { $0.hasPrefix("export ") }) else {
      return .failure(SkipReason("could not start PostgreSQL with .ci/postgres.sh: \(printed)"))
    }
    var settings: [String: String] = [:]
    for pair in line.dropFirst("export ".count).split(separator: " ") {
      let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
      if parts.count == 2 { settings[parts[0]] = parts[1] }
    }
    return .success(settings)
  }()

  struct SkipReason: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }

  /// A URL with every part spelled out (tests run in parallel: no setenv).
  static func url() throws -> String {
    let settings = try settings.get()
    let host = settings["PGHOST"]!
    let port = settings["PGPORT"] ?? "5432"
    let user = settings["PGUSER"] ?? "postgres"
    let database = settings["PGDATABASE"] ?? user
    let password = settings["PGPASSWORD"].map { ":\($0)" } ?? ""
    if host.hasPrefix("/") { return "postgres://\(user)\(password)@:\(port)/\(database)?host=\(host)" }
    return "postgres://\(user)\(password)@\(host):\(port)/\(database)"
  }

  /// The PG* variables, for psql and child processes.
  static func environment() throws -> [String: String] { try settings.get() }

  /// Runs `sql` with psql; its unaligned, tuples-only output.
  static func psql(_ sql: String) throws -> String {
    let run = try shell("psql -X -q -A -t -v ON_ERROR_STOP=1 -c \"$SQL\"", environment: try environment().merging(["SQL": sql]) { $1 })
    #expect(run.status == 0, "psql: \(run.stderr)")
    return run.stdout.trimmingCharacters(in: .newlines)
  }

  /// Whether tests can run; prints why not, once.
  static var available: Bool {
    switch settings {
    case .success: return true
    case .failure(let reason):
      print("PostgreSQL tests skipped: \(reason)")
      return false
    }
  }

  /// A table name no other test uses.
  static func uniqueTable(_ stem: String) -> String {
    "\(stem)_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
  }
}
