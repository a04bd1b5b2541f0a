import Foundation
import GenCommand
import StreamIO
import SystemPackage
@_exported import TestSupport  // GenRun, TemporaryDirectory, shell, productsDirectory: for every file here

/// Runs `gen` in process with `arguments`; `stdin` becomes standard input.
func gen(
  _ arguments: [String], stdin: String = "", byteLevel: Bool = true, splitOffsets: [Int]? = nil,
  rangesRead: ((Int) -> Void)? = nil, temporaryDirectory: String? = nil, pieceRead: (@Sendable (Int) -> Void)? = nil,
  mostParked: ((Int) -> Void)? = nil
) throws -> GenRun {
  try gen(
    arguments, stdinBytes: Array(stdin.utf8), byteLevel: byteLevel, splitOffsets: splitOffsets, rangesRead: rangesRead,
    temporaryDirectory: temporaryDirectory, pieceRead: pieceRead, mostParked: mostParked)
}

/// Runs `gen` in process with `arguments`; `stdinBytes` (gzip, say) become standard input.
func gen(
  _ arguments: [String], stdinBytes: [UInt8], byteLevel: Bool = true, splitOffsets: [Int]? = nil,
  rangesRead: ((Int) -> Void)? = nil, temporaryDirectory: String? = nil, pieceRead: (@Sendable (Int) -> Void)? = nil,
  mostParked: ((Int) -> Void)? = nil
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
  environment.temporaryDirectory = temporaryDirectory
  environment.pieceRead = pieceRead
  environment.mostParked = mostParked
  let status = GenCommand.main(arguments, environment: environment)
  try sink.close()
  let output = try String(contentsOfFile: outPath, encoding: .utf8)
  return GenRun(status: status, stdout: output, stderr: errors)
}

/// The built `gen` executable, beside the test bundle.
var genExecutable: String { productsDirectory(containing: "gen") + "/gen" }

let salesCSV = """
  name,country,qty,price
  Alice,US,3,2.50
  "Smith, Bob",DE,12,1.25
  Carol,FR,10,4
  Dave,US,1,100
  Eve,DE,7,0.5

  """
