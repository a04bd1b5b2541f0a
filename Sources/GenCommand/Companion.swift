import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Verbs that need packages `gen` does not link, so that building `gen`
/// stays quick, are run by companion programs beside it, as git runs
/// `git-<verb>`: `gen-db` for `gen load`, `gen query` and `gen demo --into`
/// (GRDB, postgres-nio), `gen-net` for URL inputs and `gen fetch`
/// (AsyncHTTPClient). `gen` replaces itself with the companion (same
/// arguments, same standard streams); if it is not built, `gen` says the one
/// command that builds it and exits 69.
package enum Companion {
  /// The companion that runs `arguments` (without the program name), if any.
  package static func name(for arguments: [String]) -> String? {
    guard let verb = arguments.first else { return nil }
    if verb == "load" || verb == "query" { return "gen-db" }
    if verb == "demo" && arguments.contains(where: { $0 == "--into" || $0.hasPrefix("--into=") }) { return "gen-db" }
    if verb == "fetch" || arguments.dropFirst().contains(where: isURL) { return "gen-net" }
    return nil
  }

  /// Whether `argument` is an `http://` or `https://` URL.
  package static func isURL(_ argument: String) -> Bool {
    let lowered = argument.prefix(8).lowercased()
    return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
  }

  /// A URL's path without its query or fragment, for telling its format by name.
  static func urlPath(_ url: String) -> String {
    URLComponents(string: url)?.path ?? url
  }

  /// The directory of the running executable.
  static func executableDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    #if os(Linux)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    if count > 0 {
      let path = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
      return (path as NSString).deletingLastPathComponent
    }
    #endif
    let argument0 = CommandLine.arguments.first ?? "gen"
    let path = argument0.contains("/") ? argument0 : (GenEnvironment.findExecutable(argument0) ?? argument0)
    return (path as NSString).deletingLastPathComponent
  }

  /// The command that builds `name` for the configuration `gen` was built in
  /// (the companions are opt-in products: see Package.swift).
  static func buildCommand(_ name: String, directory: String) -> String {
    let release = (directory as NSString).lastPathComponent == "release"
    return "SWIFT_GENERATORS_EXTRAS=1 swift build\(release ? " -c release" : "") --product \(name)"
  }

  /// Replaces this process with the companion `name`, or exits 69 saying how to build it.
  static func run(_ name: String, _ arguments: [String], stderr: (String) -> Void) -> Never {
    let directory = executableDirectory()
    let path = directory + "/" + name
    if access(path, X_OK) == 0 {
      var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) }
      argv.append(nil)
      execv(path, argv)
      stderr("gen: cannot run \(path): \(String(cString: strerror(errno)))\n")
      exit(ExitStatus.unavailable.rawValue)
    }
    let what = name == "gen-db" ? "`gen \(arguments[0])` needs the \(name) companion (gen itself links no database driver)"
      : "reading URLs and `gen fetch` need the \(name) companion (gen itself links no networking)"
    stderr("gen: \(what), which is not built next to gen (in \(directory)). Build it with:\n  \(buildCommand(name, directory: directory))\n")
    exit(ExitStatus.unavailable.rawValue)
  }
}
