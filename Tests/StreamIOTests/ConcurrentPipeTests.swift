// Async readers on different pipes read at the same time: a reader waiting on
// a quiet pipe does not hold up the others (each blocking read has a thread of
// its own). The suite's name matches .ci/run's Thread Sanitizer filter.
import Dispatch
import Foundation
import StreamIO
import SystemPackage
import Testing

@Suite struct ConcurrentPipeTests {
  enum Event: Sendable {
    case a([String]), b([String]), timedOut
  }

  /// Reads every line of `descriptor` with an async LineReader; signals
  /// `gotFirst` when the first line has arrived.
  static func readLines(_ descriptor: FileDescriptor, signalling gotFirst: DispatchSemaphore) async -> [String] {
    var lines: [String] = []
    do {
      let reader = LineReader(
        source: try ByteSource(descriptor: descriptor, name: "<pipe>", closeWhenDone: true), bufferSize: 16)
      for try await line in reader {
        lines.append(try line.string())
        if lines.count == 1 { gotFirst.signal() }
      }
    } catch {
      lines.append("error: \(error)")
    }
    return lines
  }

  /// Pipe A's writer writes only once B's reader has B's first line, and B's
  /// writer writes its second line only once A's reader has A's first line.
  /// Reads that took turns on one thread would deadlock: A's read, started
  /// first, would wait for data that needs B's read to run. A time limit
  /// turns such a regression into a failure rather than a hang.
  @Test func twoReadersOnTwoPipesDoNotWaitForEachOther() async throws {
    let a = try FileDescriptor.pipe()
    let b = try FileDescriptor.pipe()
    let aReaderGotFirst = DispatchSemaphore(value: 0)
    let bReaderGotFirst = DispatchSemaphore(value: 0)
    Thread {
      _ = try? b.writeEnd.writeAll("b1\n".utf8)
      aReaderGotFirst.wait()
      _ = try? b.writeEnd.writeAll("b2\n".utf8)
      try? b.writeEnd.close()
    }.start()
    Thread {
      bReaderGotFirst.wait()
      _ = try? a.writeEnd.writeAll("a1\na2\n".utf8)
      try? a.writeEnd.close()
    }.start()

    let events = await withTaskGroup(of: Event.self) { group in
      group.addTask { .a(await Self.readLines(a.readEnd, signalling: aReaderGotFirst)) }
      // Let A's reader block in its read first, the order that deadlocks a
      // single read thread (B's reads would queue behind it).
      try? await Task.sleep(for: .milliseconds(200))
      group.addTask { .b(await Self.readLines(b.readEnd, signalling: bReaderGotFirst)) }
      group.addTask {
        try? await Task.sleep(for: .seconds(10))
        return .timedOut
      }
      var events: [Event] = []
      var finished = 0
      for await event in group {
        events.append(event)
        if case .timedOut = event {
          if finished == 2 { continue }  // cancelled after both readers finished
          Issue.record("the readers did not finish within 10 s: one waited for the other")
          // Let the writers finish so the stuck reads end and the group can return.
          aReaderGotFirst.signal()
          bReaderGotFirst.signal()
        } else {
          finished += 1
          if finished == 2 { group.cancelAll() }
        }
      }
      return events
    }

    var linesA: [String] = [], linesB: [String] = []
    for event in events {
      switch event {
      case .a(let lines): linesA = lines
      case .b(let lines): linesB = lines
      case .timedOut: break
      }
    }
    #expect(linesA == ["a1", "a2"])
    #expect(linesB == ["b1", "b2"])
  }

  /// Many readers, each on a pipe whose writer waits for the next reader's
  /// first line: all must be reading at once for any of them to finish.
  @Test func aRingOfEightReaders() async throws {
    let count = 8
    let pipes = try (0..<count).map { _ in try FileDescriptor.pipe() }
    let gotFirst = (0..<count).map { _ in DispatchSemaphore(value: 0) }
    for index in 0..<count {
      let pipe = pipes[index]
      let next = gotFirst[(index + 1) % count]
      Thread {
        // Reader 0 gets its first line for free; every other pipe's data waits
        // for the reader after it.
        if index != 0 { next.wait() }
        _ = try? pipe.writeEnd.writeAll("first \(index)\n".utf8)
        if index == 0 { next.wait() }
        _ = try? pipe.writeEnd.writeAll("second \(index)\n".utf8)
        try? pipe.writeEnd.close()
      }.start()
    }
    let results = await withTaskGroup(of: (Int, [String])?.self) { group in
      for index in 0..<count {
        let descriptor = pipes[index].readEnd
        let signal = gotFirst[index]
        group.addTask { (index, await Self.readLines(descriptor, signalling: signal)) }
      }
      group.addTask {
        // Generous: a deadlock never ends, but a loaded 2-core machine can
        // starve the tasks for a while (10 s failed once under a parallel build).
        try? await Task.sleep(for: .seconds(60))
        return nil
      }
      var results: [Int: [String]] = [:]
      for await result in group {
        guard let (index, lines) = result else {
          if results.count == count { continue }
          Issue.record("the ring of readers did not finish within 60 s")
          for semaphore in gotFirst { semaphore.signal() }
          continue
        }
        results[index] = lines
        if results.count == count { group.cancelAll() }
      }
      return results
    }
    for index in 0..<count {
      #expect(results[index] == ["first \(index)", "second \(index)"])
    }
  }
}
