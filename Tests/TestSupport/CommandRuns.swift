import Foundation

/// What one run of a command produced: `gen` in process, a built
/// executable, or a shell command line.
public struct GenRun: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String

  public init(status: Int32, stdout: String, stderr: String) {
    self.status = status
    self.stdout = stdout
    self.stderr = stderr
  }
}

/// Runs a shell command line (`/bin/sh -c`), with `environment` added to
/// this process's; returns its status, stdout and stderr.
@discardableResult
public func shell(_ command: String, environment: [String: String] = [:]) throws -> GenRun {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/sh")
  process.arguments = ["-c", command]
  if !environment.isEmpty {
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
  }
  let out = Pipe()
  let err = Pipe()
  process.standardOutput = out
  process.standardError = err
  try process.run()
  let stdout = out.fileHandleForReading.readDataToEndOfFile()
  let stderr = err.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  return GenRun(
    status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
    stderr: String(decoding: stderr, as: UTF8.self))
}

/// The directory of the built executables (`gen`, and `gen-db` or `gen-net`
/// when built), found upwards from the test bundle: the first that holds `name`.
public func productsDirectory(containing name: String) -> String {
  let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
  var directory = me.deletingLastPathComponent()
  while !FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path), directory.path != "/" {
    directory = directory.deletingLastPathComponent()
  }
  return directory.path
}
