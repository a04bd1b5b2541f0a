// OutputSink never damages what is at its path: regular files are replaced
// atomically with their mode kept, symbolic links are followed, devices and
// FIFOs are written through, directories are refused before any write.
import Foundation
@testable import StreamIO
import SystemPackage
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct OutputSinkTests {
  func write(_ text: String, to path: String) throws(StreamIOError) {
    let sink = try OutputSink(path: path)
    try sink.write(text)
    try sink.close()
  }

  func info(_ path: String, following: Bool = false) -> stat {
    var result = stat()
    _ = following ? stat(path, &result) : lstat(path, &result)
    return result
  }

  func directory() throws -> String {
    let path = NSTemporaryDirectory() + "sink-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func aNewFileGetsTheUmasksMode() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try write("new\n", to: dir + "/new.txt")
    #expect(info(dir + "/new.txt").st_mode & 0o7777 == 0o666 & ~OutputTarget.currentUmask)
    #expect(try String(contentsOfFile: dir + "/new.txt", encoding: .utf8) == "new\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["new.txt"])
  }

  @Test func replacingAFileKeepsItsMode() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/kept.txt"
    try "old".write(toFile: path, atomically: false, encoding: .utf8)
    chmod(path, 0o640)
    let before = info(path).st_ino
    try write("replaced\n", to: path)
    #expect(info(path).st_mode & 0o7777 == 0o640)
    #expect(info(path).st_ino != before, "replaced by rename, not rewritten in place")
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "replaced\n")
  }

  @Test func aSymbolicLinkIsFollowedAndKept() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir + "/real", withIntermediateDirectories: true)
    try "old".write(toFile: dir + "/real/target.txt", atomically: false, encoding: .utf8)
    symlink("real/target.txt", dir + "/link.txt")  // relative, as `ln -s` makes them
    try write("through the link\n", to: dir + "/link.txt")
    #expect(info(dir + "/link.txt").st_mode & S_IFMT == S_IFLNK)
    #expect(try String(contentsOfFile: dir + "/real/target.txt", encoding: .utf8) == "through the link\n")
    // A dangling link gets its target created.
    symlink(dir + "/real/new.txt", dir + "/dangling.txt")
    try write("created\n", to: dir + "/dangling.txt")
    #expect(info(dir + "/dangling.txt").st_mode & S_IFMT == S_IFLNK)
    #expect(try String(contentsOfFile: dir + "/real/new.txt", encoding: .utf8) == "created\n")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/real").sorted() == ["new.txt", "target.txt"])
  }

  @Test func aDirectoryIsRefusedBeforeAnything() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect { try OutputSink(path: dir) } throws: { ($0 as? StreamIOError)?.code == .cannotCreate }
    #expect { try OutputSink(path: dir + "/missing/out.txt") } throws: { ($0 as? StreamIOError)?.code == .cannotCreate }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [])
  }

  @Test func devicesAreWrittenThrough() throws {
    try write("discarded\n", to: "/dev/null")
    #expect(info("/dev/null").st_mode & S_IFMT == S_IFCHR)
    #expect(info("/dev/null").st_mode & 0o777 == 0o666)
  }

  @Test func aFIFOsReaderGetsTheOutput() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let fifo = dir + "/pipe"
    #expect(mkfifo(fifo, 0o600) == 0)
    let received = UncheckedBox<Data?>(nil)
    let done = DispatchSemaphore(value: 0)
    Thread {
      received.value = FileHandle(forReadingAtPath: fifo)?.readDataToEndOfFile()
      done.signal()
    }.start()
    try write("through the pipe\n", to: fifo)
    done.wait()
    #expect(received.value.map { String(decoding: $0, as: UTF8.self) } == "through the pipe\n")
    #expect(info(fifo).st_mode & S_IFMT == S_IFIFO)
  }

  @Test func theTemporaryFileIsCloseOnExecAndItsNameFits() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let name = String(repeating: "é", count: 126) + "x"  // 253 bytes: the longest name plus ".tmp-XXXXXX" would not fit
    let sink = try OutputSink(path: dir + "/" + name)
    #expect(fcntl(sink.descriptor!.rawValue, F_GETFD) & FD_CLOEXEC != 0)
    let temporary = try #require(sink.temporaryPath)
    #expect(temporary.utf8.count - dir.utf8.count - 1 <= 255)
    #expect(FileManager.default.fileExists(atPath: temporary))
    try sink.write("long\n")
    try sink.close()
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == [name])
  }

  @Test func anUnfinishedSinkLeavesTheFileAsItWas() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "original".write(toFile: dir + "/f.txt", atomically: false, encoding: .utf8)
    do {
      let sink = try OutputSink(path: dir + "/f.txt")
      try sink.write("half")
    }
    #expect(try String(contentsOfFile: dir + "/f.txt", encoding: .utf8) == "original")
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["f.txt"])
  }

  @Test func aDescriptorNamedAsAPathIsWrittenThroughWithoutCuttingIt() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let log = dir + "/log.txt"
    try "kept\n".write(toFile: log, atomically: false, encoding: .utf8)
    let fd = open(log, O_WRONLY | O_APPEND)
    defer { close(fd) }
    try write("appended\n", to: "/proc/self/fd/\(fd)")
    try write("again\n", to: "/dev/fd/\(fd)")
    #expect(try String(contentsOfFile: log, encoding: .utf8) == "kept\nappended\nagain\n")
    #expect { try OutputSink(path: "/dev/fd/987") } throws: { ($0 as? StreamIOError)?.code == .cannotCreate }
  }

  @Test func aLinkToANameThatIsNotUTF8ReplacesThatFile() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let latin1: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".csv".utf8)
    let target = Array(dir.utf8) + [UInt8(ascii: "/")] + latin1
    let fd = withCPath(target) { open($0, O_WRONLY | O_CREAT, 0o644) }
    _ = "old".withCString { Glibc.write(fd, $0, 3) }
    close(fd)
    withCPath(latin1) { name in _ = symlink(name, dir + "/link.csv") }
    try write("new\n", to: dir + "/link.csv")
    var bytes = [UInt8](repeating: 0, count: 16)
    let read = withCPath(target) { path in
      let fd = open(path, O_RDONLY)
      defer { close(fd) }
      return Glibc.read(fd, &bytes, 16)
    }
    #expect(Array(bytes[..<max(read, 0)]) == Array("new\n".utf8))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir).count == 2)  // the link and its target, nothing new
  }

  @Test func replacingKeepsSetUserIDAndTheOwner() throws {
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/tool"
    try "old".write(toFile: path, atomically: false, encoding: .utf8)
    chmod(path, 0o4755)
    try write("new", to: path)
    #expect(info(path).st_mode & 0o7777 == 0o4755)
  }

  @Test func anEmptyPathAndWritesAfterFinishAreErrors() throws {
    #expect { try OutputSink(path: "") } throws: { ($0 as? StreamIOError)?.code == .cannotCreate }
    let dir = try directory()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let sink = try OutputSink(path: dir + "/f.txt")
    try sink.write("done\n")
    try sink.close()
    try sink.close()  // twice is fine
    #expect { try sink.write("lost\n") } throws: { ($0 as? StreamIOError)?.code == .writeFailed }
    #expect { try sink.write(byte: 0x41) } throws: { ($0 as? StreamIOError)?.code == .writeFailed }
    #expect(try String(contentsOfFile: dir + "/f.txt", encoding: .utf8) == "done\n")
  }

  /// A sink that holds all it is given (`gen batch`'s held batch, a
  /// `--threads` piece that keeps its bytes) has each byte written, in order,
  /// as its buffer grows from one byte: written whole, a byte at a time, as
  /// text, and in place with more room asked for than the buffer has.
  @Test func holdingSinkKeepsAllItIsGivenAcrossGrowth() throws {
    // In place, far more room asked for than the buffer has (a plain sink would refuse).
    let small = OutputSink(holding: 0, growingTo: .max) { _ in false }
    try small.write(byte: 0x5B)
    #expect(try small.writeInPlace(upTo: 1_000) { output in
      output.initializeMemory(as: UInt8.self, repeating: 0x61, count: 1_000)
      return 1_000
    })
    #expect(Array(small.held) == [0x5B] + Array(repeating: 0x61, count: 1_000))
    var random = SystemRandomNumberGenerator()
    let held = OutputSink(holding: 0, growingTo: .max) { _ in false }
    var expected: [UInt8] = []
    for round in 0..<2_000 {
      let piece = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
      switch round % 4 {
      case 0:
        try piece.withUnsafeBytes { try held.write($0) }
        expected += piece
      case 1:
        try held.write(byte: piece.first ?? 7)
        expected.append(piece.first ?? 7)
      case 2:
        let text = String(repeating: "é,", count: piece.count % 5)
        try held.write(text)
        expected += Array(text.utf8)
      default:  // in place: room for more than is written
        let wrote = try held.writeInPlace(upTo: piece.count + 8) { output in
          piece.withUnsafeBytes { if let base = $0.baseAddress { output.copyMemory(from: base, byteCount: piece.count) } }
          return piece.count
        }
        #expect(wrote)
        expected += piece
      }
      #expect(held.held.count == expected.count)
    }
    #expect(Array(held.held) == expected)
    held.forget()
    #expect(held.held.isEmpty)
  }
}
