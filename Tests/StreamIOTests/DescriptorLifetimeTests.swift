// The file descriptor is closed on completion, on error, on early break, on
// close() and on deinit. Tests run in parallel and descriptor numbers are
// reused, so "closed" is checked by identity: the number no longer refers to
// our file (fstat fails, or finds another inode).
import Foundation
import Generators
import StreamIO
import SystemPackage
import Testing
import TestSupport

/// The descriptors open on our file right now.
func descriptorsOpen(on path: String) -> Int {
  var target = stat()
  guard stat(path, &target) == 0 else { return 0 }
  let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
  return entries.filter { entry in
    guard let fd = Int32(entry) else { return false }
    var info = stat()
    return fstat(fd, &info) == 0 && info.st_ino == target.st_ino && info.st_dev == target.st_dev
  }.count
}

@Suite struct DescriptorLifetimeTests {
  let file: TemporaryFile
  init() throws { file = try TemporaryFile(contents: (1...100).map { "line \($0)" }.joined(separator: "\n")) }

  @Test func closedAtTheEnd() throws {
    let reader = try LineReader(path: file.path, bufferSize: 64)
    #expect(descriptorsOpen(on: file.path) == 1)
    while try reader.next() != nil {}
    #expect(descriptorsOpen(on: file.path) == 0)
    #expect(!reader.source.isOpen)
  }

  @Test func closedOnEarlyBreak() throws {
    for line in try LineReader(path: file.path, bufferSize: 64) {
      #expect(line.number == 1)
      #expect(descriptorsOpen(on: file.path) == 1)
      break
    }
    #expect(descriptorsOpen(on: file.path) == 0)
  }

  @Test func closedOnError() throws {
    let reader = try LineReader(path: file.path, bufferSize: 4, maxLineLength: 3)
    #expect(throws: StreamIOError.self) { try reader.next() }
    #expect(descriptorsOpen(on: file.path) == 0)
    withExtendedLifetime(reader) {}
  }

  @Test func closedByClose() throws {
    let reader = try LineReader(path: file.path, bufferSize: 64)
    _ = try reader.next()
    reader.close()
    #expect(descriptorsOpen(on: file.path) == 0)
    #expect(try reader.next() == nil)
  }

  @Test func closedOnDeinit() throws {
    do {
      let reader = try LineReader(path: file.path, bufferSize: 64)
      _ = try reader.next()
      #expect(descriptorsOpen(on: file.path) == 1)
    }
    #expect(descriptorsOpen(on: file.path) == 0)
  }

  @Test func closedWhenAGeneratorPipelineIsAbandoned() throws {
    // A generator that owns a reader: breaking out of the outer loop releases
    // the generator, whose deinit closes it, which releases the reader.
    func lineNumbers(_ path: String) -> Generator<Int> {
      Generator { co in
        let reader = try LineReader(path: path, bufferSize: 64)
        while let line = try reader.next() { try co.yield(line.number) }
      }
    }
    for number in lineNumbers(file.path) where number == 3 { break }
    #expect(descriptorsOpen(on: file.path) == 0)
  }
}

@Suite struct PipeTests {
  @Test func readsFromAPipeAsItIsWritten() async throws {
    let pipe = try FileDescriptor.pipe()
    let writer = Thread {
      for i in 1...5 {
        _ = try? pipe.writeEnd.writeAll("chunk \(i)\r\n".utf8)
        usleep(2_000)
      }
      try? pipe.writeEnd.close()
    }
    writer.start()
    let reader = LineReader(
      source: try ByteSource(descriptor: pipe.readEnd, name: "<pipe>", closeWhenDone: true), bufferSize: 4)
    #expect(reader.source.mayBlock)
    var got: [String] = []
    for try await line in reader { got.append(try line.string()) }
    #expect(got == (1...5).map { "chunk \($0)" })
  }

  @Test func csvAndJSONLinesFromAPipeAsync() async throws {
    func pipe(writing chunks: [String]) throws -> FileDescriptor {
      let pipe = try FileDescriptor.pipe()
      let writer = Thread {
        for chunk in chunks {
          _ = try? pipe.writeEnd.writeAll(chunk.utf8)
          usleep(1_000)
        }
        try? pipe.writeEnd.close()
      }
      writer.start()
      return pipe.readEnd
    }
    let csv = try CSVReader(
      source: ByteSource(descriptor: pipe(writing: ["name,qty\n\"A, ", "B\",3\r", "\nC,4\n"]), name: "<pipe>", closeWhenDone: true),
      bufferSize: 3)
    var rows: [[String]] = []
    for try await row in csv { rows.append(try row.strings()) }
    #expect(rows == [["A, B", "3"], ["C", "4"]])

    struct N: Decodable { var n: Int }
    let json = JSONLinesReader<N>(
      lines: LineReader(
        source: try ByteSource(descriptor: pipe(writing: ["{\"n\":", "1}\n\n{\"n\":2}"]), name: "<pipe>", closeWhenDone: true),
        bufferSize: 2))
    var values: [Int] = []
    for try await value in json { values.append(value.n) }
    #expect(values == [1, 2])
  }
}
