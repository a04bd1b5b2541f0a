import ArgumentParser
import StreamIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `gen`: the tutorial's generator pipelines on real files. The root command.
public struct Gen: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "gen",
    abstract: "Stream CSV, JSON Lines and log files through generator pipelines in constant memory.",
    discussion: """
      Every verb reads a file or standard input (gzip too) and writes to standard output, \
      holding one record at a time, so files larger than memory are fine.

      Examples:
        gen demo                                   the tutorial's sales pipeline on generated data
        gen count server.log.gz
        gen filter sales.csv --where country!=US --where qty>=10 | gen stats - --format csv
        gen convert events.jsonl --to csv > events.csv

      Databases (run by the companion program gen-db: SWIFT_GENERATORS_EXTRAS=1 swift build -c release --product gen-db):
        gen load sales.csv --into sqlite:sales.db --table sales     (or postgres://user@host/db)
        gen query sqlite:sales.db "select country, sum(qty) from sales group by 1" --to csv
        gen demo --into sqlite:demo.db                             the demo's totals into a table
        gen count https://example.com/events.ndjson     (runs the gen-net companion)
        gen fetch https://api.example.com/items --pages next-link --items data
      """,
    subcommands: [
      Demo.self, Bench.self, Count.self, Head.self, Select.self, Filter.self, Derive.self, Stats.self, Convert.self, Batch.self,
    ])

  public init() {}
}

/// A `gen` subcommand, run against an environment so that tests can run it in process.
/// (Each names itself in its configuration's `commandName`: left to
/// ArgumentParser, the name came from the type's name at every start, a
/// third of the time `gen` took to parse its arguments.)
package protocol GenVerb: ParsableCommand {
  func execute(_ environment: GenEnvironment) throws
}

extension GenVerb {
  mutating func run() throws {
    let status = GenCommand.execute(self, environment: .process())
    if status != 0 { throw ExitCode(status) }
  }
}

/// Runs `gen` with arguments, as the executable does, but against any
/// environment: the tests call this directly.
public enum GenCommand {
  /// Parses `arguments` (without the program name), runs the command, and
  /// returns the exit status; messages go to the environment's stderr.
  public static func main(_ arguments: [String], environment: GenEnvironment) -> Int32 {
    // The verb parsed alone first: parsed as gen's subcommand, ArgumentParser
    // first walks every verb's arguments (looking for a completion-script
    // request), which took most of the time to start `gen count`. Anything
    // it refuses (a usage error, --help) is parsed again as gen's, for
    // gen's own messages.
    if let name = arguments.first, let type = Gen.configuration.subcommands.first(where: { $0._commandName == name }),
      let verb = try? type.parseAsRoot(Array(arguments.dropFirst())) as? any GenVerb
    {
      return execute(verb, environment: environment)
    }
    let command: any ParsableCommand
    do {
      command = try Gen.parseAsRoot(arguments)
    } catch {
      let message = Gen.fullMessage(for: error)
      if Gen.exitCode(for: error) == .success {  // --help
        try? environment.print(helpText(arguments, environment))
        try? environment.stdout.flush()
        return 0
      }
      environment.stderr(escapingControls(message) + "\n")
      return ExitStatus.usage.rawValue
    }
    guard let verb = command as? any GenVerb else {
      // `gen` alone, and `gen help [verb]`, which parses as the built-in help command.
      try? environment.print(helpText(arguments, environment))
      try? environment.stdout.flush()
      return 0
    }
    return execute(verb, environment: environment)
  }

  /// The help of the verb named in `arguments`, or the root's; 80 columns
  /// unless on a terminal, so that it reads the same everywhere.
  static func helpText(_ arguments: [String], _ environment: GenEnvironment) -> String {
    let verbs = Gen.configuration.subcommands
    let topic = arguments.lazy.compactMap { argument in verbs.first { $0._commandName == argument } }.first
    let columns = environment.stderrIsTerminal ? nil : 80
    return topic.map { Gen.helpMessage(for: $0, includeHidden: false, columns: columns) }
      ?? Gen.helpMessage(includeHidden: false, columns: columns)
  }

  package static func execute(
    _ verb: any GenVerb, environment: GenEnvironment, mapping: (any Error) -> GenFailure? = { _ in nil }
  ) -> Int32 {
    do {
      do {
        try verb.execute(environment)
      } catch {
        // What was written before the error ends with a whole record: hand
        // it on. (Left in the buffer, the output would end wherever the
        // last full buffer did, often inside a record.)
        if !((error as? StreamIOError)?.isBrokenPipe ?? false) { try? environment.stdout.flush() }
        throw error
      }
      try environment.stdout.flush()
      return 0
    } catch let error as StreamIOError where error.isBrokenPipe {
      return 0  // `gen … | head` closed the pipe: stop quietly
    } catch let error as StreamIOError {
      environment.stderr(error.report)
      return error.exitStatus.rawValue
    } catch let failure as GenFailure {
      if !failure.message.isEmpty { environment.stderr("gen: \(escapingControls(failure.message))\n") }
      return failure.status.rawValue
    } catch let failure as InputUnavailable {
      environment.stderr("gen: \(escapingControls(failure.message))\n")
      return ExitStatus.unavailable.rawValue
    } catch {
      if let failure = mapping(error) {
        environment.stderr("gen: \(escapingControls(failure.message))\n")
        return failure.status.rawValue
      }
      environment.stderr("gen: \(escapingControls("\(error)"))\n")
      return ExitStatus.ioError.rawValue
    }
  }

  /// What the `gen` executable runs: the process's streams, a quiet exit on
  /// a closed pipe, and Ctrl-C removing any temporary file first.
  /// `gen` hands the verbs that need packages it does not link to its
  /// companions (see ``Companion``) before anything else.
  public static func runProcess(configure: (inout GenEnvironment) -> Void = { _ in }) -> Never {
    signal(SIGPIPE, SIG_IGN)  // a closed pipe becomes an EPIPE error, handled quietly
    Interrupts.install()
    var environment = GenEnvironment.process()
    configure(&environment)
    let arguments = Array(CommandLine.arguments.dropFirst())
    // (gen-net runs this with openURL set: URLs are then its own to read.)
    if let name = Companion.name(for: arguments), !(name == "gen-net" && environment.openURL != nil) {
      Companion.run(name, arguments, stderr: environment.stderr)
    }
    exit(main(arguments, environment: environment))
  }
}

/// Temporary files to remove when Ctrl-C (SIGINT), SIGTERM or SIGHUP ends
/// the process: a signal handler may only call async-signal-safe functions,
/// so the paths are kept as C strings in a fixed table set up beforehand.
package enum Interrupts {
  static let capacity = 8
  nonisolated(unsafe) static var paths = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
  nonisolated(unsafe) static var installed = false
  /// The signals that end the process after the temporary files are removed.
  static let signals = [SIGINT, SIGTERM, SIGHUP]

  package static func install() {
    paths.initialize(repeating: nil, count: capacity)
    installed = true
    // A parent may have left these blocked (test runners, some process
    // launchers); a blocked Ctrl-C would never arrive.
    var set = sigset_t()
    sigemptyset(&set)
    for signal in signals { sigaddset(&set, signal) }
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
    for number in signals {
      signal(number) { number in
        for index in 0..<Interrupts.capacity {
          if let path = Interrupts.paths[index] { unlink(path) }
        }
        _exit(128 + number)
      }
    }
  }

  /// Removes `path` if the process is interrupted, until `forget` is called.
  package static func remember(_ path: String) {
    guard installed else { return }
    for index in 0..<capacity where paths[index] == nil {
      paths[index] = strdup(path)
      return
    }
  }

  package static func forget(_ path: String) {
    guard installed else { return }
    for index in 0..<capacity {
      if let stored = paths[index], String(cString: stored) == path {
        paths[index] = nil
        free(stored)
      }
    }
  }
}
