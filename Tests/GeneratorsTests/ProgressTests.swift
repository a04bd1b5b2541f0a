// progress(total:label:): what is drawn, how often, and that it costs nothing per element.
@testable import Generators
import Testing
import TestSupport

/// A clock that moves `step` forward each time it is read.
final class SteppingClock {
  var time = Duration.zero
  let step: Duration
  init(step: Duration) { self.step = step }
  func read() -> Duration {
    time += step
    return time
  }
}

final class Capture {
  var writes: [String] = []
}

func reporter(
  total: Int?, unit: ProgressUnit = .items, output: ProgressOutput, step: Duration, label: String = "work"
) -> (ProgressReporter, Capture) {
  let capture = Capture()
  let clock = SteppingClock(step: step)
  let reporter = ProgressReporter(
    total: total, label: label, unit: unit, output: output, write: { capture.writes.append($0) }, clock: clock.read)
  return (reporter, capture)
}

@Suite struct ProgressTests {
  @Test func terminalBarRedrawsInPlaceAndEndsWithANewline() {
    let (progress, capture) = reporter(total: 1000, output: .terminal, step: .milliseconds(30))
    for _ in 0..<1000 { progress.advance() }
    progress.finish()
    #expect(capture.writes.count >= 2)
    for write in capture.writes {
      #expect(write.hasPrefix("\r"))
      #expect(write.contains("\u{1B}[K"))
    }
    let last = capture.writes.last!
    #expect(last.hasSuffix("\n"))
    #expect(last.contains("work: 100%|"))
    #expect(last.contains("| 1000/1000 ["))
    #expect(last.contains("it/s]"))
    // Only the last drawing ends the line.
    #expect(capture.writes.dropLast().allSatisfy { !$0.hasSuffix("\n") })
  }

  @Test func redrawsAtMostTenTimesASecond() {
    let capture = Capture()
    let clock = SteppingClock(step: .milliseconds(7))
    let progress = ProgressReporter(
      total: nil, output: .terminal, write: { capture.writes.append($0) }, clock: clock.read)
    for _ in 0..<200_000 { progress.advance() }
    let elapsedSeconds = Double(clock.time.components.seconds)
    #expect(elapsedSeconds > 1)
    // One drawing per 100 ms of clock time, never more.
    #expect(capture.writes.count <= Int(elapsedSeconds * 10) + 1)
    #expect(capture.writes.count >= Int(elapsedSeconds * 10) / 2)
    #expect(progress.count == 200_000)
  }

  @Test func clockIsReadRarely() {
    var reads = 0
    let capture = Capture()
    var time = Duration.zero
    let progress = ProgressReporter(
      total: nil, output: .terminal, write: { capture.writes.append($0) },
      clock: {
        reads += 1
        time += .microseconds(1)  // a fast loop: 1 µs between reads at first
        return time
      })
    for _ in 0..<1_000_000 { progress.advance() }
    // The stride doubles until reads are ~1 ms apart in clock time: few reads.
    #expect(reads < 200)
    withExtendedLifetime(progress) {}
  }

  @Test func unknownTotalShowsCountAndRate() {
    let (progress, capture) = reporter(total: nil, output: .terminal, step: .milliseconds(200))
    for _ in 0..<500 { progress.advance() }
    progress.finish()
    let last = capture.writes.last!
    #expect(last.hasPrefix("\rwork: 500 ["))
    #expect(last.contains("it/s]"))
    #expect(!last.contains("%"))
  }

  @Test func plainLinesWhenNotATerminal() {
    let (progress, capture) = reporter(total: 100, output: .lines(every: .seconds(1)), step: .milliseconds(400))
    for _ in 0..<100 { progress.advance() }
    progress.finish()
    #expect(!capture.writes.isEmpty)
    for write in capture.writes {
      #expect(!write.contains("\r"))
      #expect(write.hasSuffix("\n"))
      #expect(write.hasPrefix("work: "))
    }
    #expect(capture.writes.last!.contains("100% 100/100"))
    #expect(capture.writes.last!.contains("done"))
  }

  @Test func silentDrawsNothingButCounts() {
    let (progress, capture) = reporter(total: 10, output: .silent, step: .seconds(1))
    for _ in 0..<10 { progress.advance() }
    progress.finish()
    #expect(capture.writes.isEmpty)
    #expect(progress.count == 10)
  }

  @Test func bytesAreScaled() {
    let (progress, capture) = reporter(total: 40_000_000, unit: .bytes, output: .terminal, step: .milliseconds(500))
    progress.advance(by: 12_300_000)
    progress.finish()
    let last = capture.writes.last!
    #expect(last.contains("12.3MB/40.0MB"))
    #expect(last.contains("B/s]"))
    #expect(last.contains("30%"))
  }

  @Test func formatting() {
    #expect(ProgressReporter.scaled(950) == "950")
    #expect(ProgressReporter.scaled(1500) == "1.50k")
    #expect(ProgressReporter.scaled(12_345_678) == "12.3M")
    #expect(ProgressReporter.scaled(4_000_000_000) == "4.00G")
    #expect(ProgressReporter.scaled(150_000) == "150k")
    let (progress, _) = reporter(total: nil, output: .silent, step: .seconds(1))
    #expect(progress.formatTime(3723) == "1:02:03")
    #expect(progress.formatTime(65) == "01:05")
    #expect(ProgressReporter.bar(0.5, width: 10) == "█████     ")
    #expect(ProgressReporter.bar(0.0625, width: 4) == "▎   ")
    #expect(ProgressReporter.bar(1, width: 3) == "███")
  }

  @Test func sequenceFormIsLazySinglePassAndFinishesOnBreak() {
    let source = OnePass(0..<100)
    var seen: [Int] = []
    do {
      for x in source.progress(total: 100, output: .silent) {
        seen.append(x)
        if x == 9 { break }
      }
    }
    #expect(seen == Array(0..<10))
    #expect(source.pulled == 10)
  }

  @Test func abandonedIterationFinishesTheLine() {
    let capture = Capture()
    do {
      let progress = ProgressReporter(total: 5, output: .terminal, write: { capture.writes.append($0) })
      progress.advance()
    }
    #expect(capture.writes.count == 1)
    #expect(capture.writes[0].hasSuffix("\n"))
  }

  @Test func bytesFormWeighsEachElement() {
    var iterator = ["abc", "de", ""].progress(totalBytes: 8, output: .silent) { $0.utf8.count + 1 }.makeIterator()
    while iterator.next() != nil {}
    #expect(iterator.count == 8)
    #expect(iterator.reporter.count == 8)
  }

  @Test func asyncForm() async throws {
    let (stream, continuation) = AsyncStream<Int>.makeStream()
    for i in 0..<5 { continuation.yield(i) }
    continuation.finish()
    var iterator = stream.progress(total: 5, output: .silent).makeAsyncIterator()
    var values: [Int] = []
    while let x = await iterator.next(isolation: nil) { values.append(x) }
    #expect(values == [0, 1, 2, 3, 4])
    #expect(iterator.reporter.count == 5)
  }
}
