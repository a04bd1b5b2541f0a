import Foundation
import GenCommand
import StreamIO
import SystemPackage
import TestSupport

/// What one run of `gen` produced.
struct GenRun {
  var status: Int32
  var stdout: String
  var stderr: String
}

/// Runs `gen` in process with `arguments`; `stdin` becomes standard input.
func gen(
  _ arguments: [String], stdin: String = "", byteLevel: Bool = true, splitOffsets: [Int]? = nil,
  rangesRead: ((Int) -> Void)? = nil
) throws -> GenRun {
  try gen(arguments, stdinBytes: Array(stdin.utf8), byteLevel: byteLevel, splitOffsets: splitOffsets, rangesRead: rangesRead)
}

/// Runs `gen` in process with `arguments`; `stdinBytes` (gzip, say) become standard input.
func gen(
  _ arguments: [String], stdinBytes: [UInt8], byteLevel: Bool = true, splitOffsets: [Int]? = nil,
  rangesRead: ((Int) -> Void)? = nil
) throws -> GenRun {
  let directory = try TemporaryDirectory()
  let outPath = directory.path + "/stdout"
  let inPath = directory.path + "/stdin"
  try Data(stdinBytes).write(to: URL(fileURLWithPath: inPath))
  let sink = try OutputSink(path: outPath)
  var errors = ""
  var environment = GenEnvironment(
    stdout: sink, stderr: { errors += $0 },
    stdin: { () throws(StreamIOError) in
      let fd = try! FileDescriptor.open(FilePath(inPath), .readOnly)
      return try ByteSource(descriptor: fd, name: "<stdin>", closeWhenDone: true)
    },
    stderrIsTerminal: false, python: nil)
  environment.byteLevel = byteLevel
  environment.splitOffsets = splitOffsets
  environment.rangesRead = rangesRead
  let status = GenCommand.main(arguments, environment: environment)
  try sink.close()
  let output = try String(contentsOfFile: outPath, encoding: .utf8)
  return GenRun(status: status, stdout: output, stderr: errors)
}

/// A directory removed at deinit.
final class TemporaryDirectory {
  let path: String
  init() throws {
    var template = Array((NSTemporaryDirectory() + "gen-test-XXXXXX").utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
      throw CocoaError(.fileWriteUnknown)
    }
    path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
  func file(_ name: String, _ contents: String) throws -> String {
    let file = path + "/" + name
    try contents.write(toFile: file, atomically: false, encoding: .utf8)
    return file
  }
  var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
  deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The built `gen` executable, beside the test bundle.
var genExecutable: String {
  let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
  var directory = me.deletingLastPathComponent()
  while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("gen").path), directory.path != "/" {
    directory = directory.deletingLastPathComponent()
  }
  return directory.appendingPathComponent("gen").path
}

/// Runs a shell command line; returns status, stdout and stderr.
func shell(_ command: String) throws -> GenRun {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/bin/sh")
  process.arguments = ["-c", command]
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

let salesCSV = """
  name,country,qty,price
  Alice,US,3,2.50
  "Smith, Bob",DE,12,1.25
  Carol,FR,10,4
  Dave,US,1,100
  Eve,DE,7,0.5

  """
