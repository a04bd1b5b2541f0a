import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `gen` links no networking code (NIO, AsyncHTTPClient): a URL input, or
/// the `fetch` verb, is handled by the `gen-net` executable beside it, as
/// git runs `git-<verb>`. `gen` replaces itself with `gen-net` (same
/// arguments, same standard streams); if `gen-net` is not built, it says the
/// one command that builds it and exits 69.
public enum Companion {
  /// The companion's executable name.
  public static let name = "gen-net"

  /// Whether `argument` is an `http://` or `https://` URL.
  public static func isURL(_ argument: String) -> Bool {
    let lowered = argument.prefix(8).lowercased()
    return lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
  }

  /// A URL's path without its query or fragment, for telling its format by name.
  static func urlPath(_ url: String) -> String {
    URLComponents(string: url)?.path ?? url
  }

  /// Whether these arguments are for the companion: `fetch`, or a URL input.
  public static func isNetworkCommand(_ arguments: [String]) -> Bool {
    guard let verb = arguments.first else { return false }
    if verb == "fetch" { return true }
    return arguments.dropFirst().contains(where: isURL)
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

  /// The command that builds the companion for the configuration `gen` was built in.
  static func buildCommand(directory: String) -> String {
    let release = (directory as NSString).lastPathComponent == "release"
    return "swift build\(release ? " -c release" : "") --product \(name)"
  }

  /// Replaces this process with the companion, or exits 69 saying how to build it.
  static func run(_ arguments: [String], _ environment: GenEnvironment) -> Never {
    let directory = executableDirectory()
    let path = directory + "/" + name
    if access(path, X_OK) == 0 {
      var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) }
      argv.append(nil)
      execv(path, argv)
      environment.stderr("gen: cannot run \(path): \(String(cString: strerror(errno)))\n")
      exit(ExitStatus.unavailable.rawValue)
    }
    environment.stderr(
      "gen: reading URLs and `gen fetch` need the \(name) companion (gen itself links no networking), "
        + "which is not built. Build it with:\n  \(buildCommand(directory: directory))\n")
    exit(ExitStatus.unavailable.rawValue)
  }
}
