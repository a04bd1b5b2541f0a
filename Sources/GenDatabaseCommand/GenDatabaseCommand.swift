import ArgumentParser
import GenCommand
import StreamDatabases
import StreamIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `gen-db`: the verbs of `gen` that need a database driver (`gen` runs
/// this program for them, so that `gen` itself links neither GRDB nor NIO).
struct GenDB: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gen",
    abstract: "gen's database verbs: load records into SQLite or PostgreSQL, query rows out.",
    subcommands: [Load.self, Query.self, DemoInto.self])
}

/// Runs `gen load`, `gen query` and `gen demo --into` against an environment: the tests call this.
public enum GenDatabaseCommand {
  /// Parses `arguments` (without the program name), runs, returns the exit status.
  public static func main(_ arguments: [String], environment: GenEnvironment) -> Int32 {
    let command: any ParsableCommand
    do {
      command = try GenDB.parseAsRoot(arguments)
    } catch {
      if GenDB.exitCode(for: error) == .success {
        try? environment.print(GenDB.fullMessage(for: error))
        try? environment.stdout.flush()
        return 0
      }
      environment.stderr(escapingControls(GenDB.fullMessage(for: error)) + "\n")
      return ExitStatus.usage.rawValue
    }
    guard let verb = command as? any GenVerb else {
      try? environment.print(GenDB.helpMessage())
      try? environment.stdout.flush()
      return 0
    }
    return GenCommand.execute(verb, environment: environment, mapping: mapError)
  }

  /// The library's errors as gen's failures (exit status and message).
  static func mapError(_ error: any Error) -> GenFailure? {
    switch error {
    case let error as DatabaseLoadError: Load.failure(error, target: .sqlite(path: ""), batchSize: 0, skipRecords: 0)
    case let error as PostgresSettingsError: GenFailure(status: .ioError, message: error.message)
    case let error as PostgresQueryError: GenFailure(status: .dataError, message: error.message)
    case let error as SQLiteQueryError: GenFailure(status: .dataError, message: error.description)
    default: nil
    }
  }

  public static func runProcess() -> Never {
    signal(SIGPIPE, SIG_IGN)
    Interrupts.install()
    exit(main(Array(CommandLine.arguments.dropFirst()), environment: .process()))
  }
}

/// `gen demo --into DATABASE`: the tutorial's pipeline, its totals loaded into a table.
struct DemoInto: GenVerb {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "gen demo, then load the totals per country into a table (--into DATABASE --table totals).",
    discussion: "Every option of gen demo is taken as well (see gen demo --help).")

  @Option(help: "sqlite:PATH or postgres://….")
  var into: DatabaseTarget

  @Option(help: "The table, replaced if it exists.")
  var table = "totals"

  @Argument(parsing: .allUnrecognized, help: "gen demo's options.")
  var demoArguments: [String] = []

  func execute(_ environment: GenEnvironment) throws {
    let target = into
    var options = LoadOptions(table: table)
    options.mode = .replace
    options.sourceName = "gen demo's totals"
    options.types = ["country": .text, "orders": .integer, "total": .real]
    let loaded = Unchecked(0)
    var environment = environment
    environment.demoTotals = { totals in
      let records = totals.map { TextRecord([$0.country, String($0.orders), "\($0.total)"]) }
      var iterator = records.makeIterator()
      let summary = try DatabaseLoading.loadRecords(header: ["country", "orders", "total"], into: target, options: options) { iterator.next() }
      loaded.value = summary.rows
    }
    let status = GenCommand.main(["demo"] + demoArguments, environment: environment)
    guard status == 0 else { throw GenFailure(status: ExitStatus(rawValue: status) ?? .ioError, message: "") }  // reported
    try environment.print("Loaded the totals (\(loaded.value) countries) into \(table) (\(target.description))")
  }
}
