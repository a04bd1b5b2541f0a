#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `gen load`, `gen query` and `gen demo --into` need database drivers (GRDB,
/// postgres-nio), which `gen` does not link, so that building it stays quick:
/// like git's external subcommands, `gen` runs the companion program `gen-db`
/// from its own directory with the same arguments.
package enum Companion {
  package static let name = "gen-db"

  /// Whether `arguments` (without the program name) are for the companion.
  package static func handles(_ arguments: [String]) -> Bool {
    guard let verb = arguments.first else { return false }
    if verb == "load" || verb == "query" { return true }
    return verb == "demo" && arguments.contains { $0 == "--into" || $0.hasPrefix("--into=") }
  }

  /// The directory of the running executable.
  static func executableDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    let path = count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return String(path[..<slash])
  }

  /// The one command that builds the companion beside this `gen`.
  static func buildCommand(directory: String) -> String {
    directory.hasSuffix("/debug") ? "swift build --product \(name)" : "swift build -c release --product \(name)"
  }

  /// Replaces the process with the companion; if it is missing, says how to
  /// build it and exits with 69 (EX_UNAVAILABLE).
  package static func run(_ arguments: [String]) -> Never {
    let directory = executableDirectory()
    let path = "\(directory)/\(name)"
    if access(path, X_OK) == 0 {
      let argv = ([path] + arguments).map { strdup($0) } + [nil]
      execv(path, argv)
      let reason = String(cString: strerror(errno))
      FileHandleWriter.stderr("gen: cannot run \(path): \(reason)\n")
      exit(71)
    }
    FileHandleWriter.stderr(
      "gen: `gen \(arguments[0])` is run by the companion program \(name), which is not built next to gen (in \(directory)). Build it with:\n"
        + "  \(buildCommand(directory: directory))\n")
    exit(69)
  }
}

enum FileHandleWriter {
  static func stderr(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
  }
}
