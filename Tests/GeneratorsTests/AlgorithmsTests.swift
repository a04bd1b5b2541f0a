// The single-pass operators, checked against the outputs in Python's
// itertools and more-itertools documentation, on single-pass input, lazily.
import Generators
import Testing
import TestSupport

@Suite struct BatchedTests {
  @Test func pythonDocsExample() {
    // batched('ABCDEFG', 3) → ABC DEF G
    #expect(Array(OnePass(Array("ABCDEFG")).batched(3)).map { String($0) } == ["ABC", "DEF", "G"])
  }

  @Test func tutorialSums() {
    #expect(Array((0..<100).batched(10)).map { $0.reduce(0, +) } == (0..<10).map { 100 * $0 + 45 })
  }

  @Test func edges() {
    #expect(Array([Int]().batched(3)).isEmpty)
    #expect(Array([1, 2, 3].batched(3)) == [[1, 2, 3]])
    #expect(Array([1, 2, 3].batched(1)) == [[1], [2], [3]])
    #expect(Array([1, 2, 3, 4].batched(3, strict: false)) == [[1, 2, 3], [4]])
    #expect(Array([1, 2, 3, 4, 5, 6].batched(3, strict: true)) == [[1, 2, 3], [4, 5, 6]])
  }

  @Test func lazyAndSinglePass() {
    let source = OnePass(Array(0..<1_000))
    var batches = source.lazy.batched(10).makeIterator()
    #expect(batches.next() == Array(0..<10))
    #expect(source.pulled == 10, "only the first batch was read")
  }

  @Test func overAGenerator() {
    let numbers = Generator<Int> { co in try co.yield(from: 1...7) }
    #expect(Array(numbers.batched(3)) == [[1, 2, 3], [4, 5, 6], [7]])
  }
}

@Suite struct WindowedTests {
  @Test func moreItertoolsDocsExamples() {
    // windowed([1, 2, 3, 4, 5], 3) → (1, 2, 3), (2, 3, 4), (3, 4, 5)
    #expect(Array(OnePass([1, 2, 3, 4, 5]).windowed(3)) == [[1, 2, 3], [2, 3, 4], [3, 4, 5]])
    // windowed([1, 2, 3, 4, 5, 6], 3, fillvalue='!', step=2) → (1,2,3), (3,4,5), (5,6,'!')
    #expect(Array([1, 2, 3, 4, 5, 6].windowed(3, step: 2, partial: true)) == [[1, 2, 3], [3, 4, 5], [5, 6]])
    // Sliding by one (the fast path), then the partial windows at the end.
    #expect(Array([1, 2, 3, 4].windowed(3, partial: true)) == [[1, 2, 3], [2, 3, 4], [3, 4], [4]])
    #expect(Array([1, 2, 3, 4].windowed(3)) == [[1, 2, 3], [2, 3, 4]])
    #expect(Array([1, 2, 3, 4, 5, 6].windowed(3, step: 2)) == [[1, 2, 3], [3, 4, 5]])
  }

  @Test func stepsLargerThanTheWindowSkipElements() {
    #expect(Array((1...10).windowed(2, step: 4)) == [[1, 2], [5, 6], [9, 10]])
    #expect(Array((1...11).windowed(2, step: 4, partial: true)) == [[1, 2], [5, 6], [9, 10]])
    #expect(Array((1...9).windowed(2, step: 4, partial: true)) == [[1, 2], [5, 6], [9]])
  }

  @Test func shortInput() {
    #expect(Array([1, 2].windowed(3)).isEmpty)
    #expect(Array([1, 2].windowed(3, partial: true)) == [[1, 2], [2]])
    #expect(Array([Int]().windowed(3, partial: true)).isEmpty)
  }

  @Test func pairwiseOnSinglePassInput() {
    // itertools.pairwise('ABCDEFG') → AB BC CD DE EF FG
    #expect(Array(OnePass(Array("ABCDEFG")).windowed(2)).map { String($0) } == ["AB", "BC", "CD", "DE", "EF", "FG"])
  }

  @Test func lazy() {
    let source = OnePass(Array(0..<1_000))
    var windows = source.lazy.windowed(3).makeIterator()
    _ = windows.next()
    _ = windows.next()
    #expect(source.pulled == 4)
  }
}

@Suite struct GroupedTests {
  @Test func pythonDocsExamples() {
    // [k for k, g in groupby('AAAABBBCCDAABBB')] → A B C D A B
    #expect(OnePass(Array("AAAABBBCCDAABBB")).grouped(consecutiveBy: { $0 }).map(\.key) == Array("ABCDAB"))
    // [list(g) for k, g in groupby('AAAABBBCCD')] → AAAA BBB CC D
    #expect("AAAABBBCCD".grouped(consecutiveBy: { $0 }).map { String($0.elements) } == ["AAAA", "BBB", "CC", "D"])
  }

  @Test func byKey() {
    let words = ["apple", "avocado", "banana", "blueberry", "cherry", "apricot"]
    let groups = words.grouped(consecutiveBy: { $0.first! })
    #expect(groups.map(\.key) == ["a", "b", "c", "a"])
    #expect(groups.map(\.elements.count) == [2, 2, 1, 1])
    #expect(Array([Int]().grouped(consecutiveBy: { $0 })).isEmpty)
  }

  @Test func lazyHoldsOneRun() {
    let source = OnePass([1, 1, 2, 2, 2, 3] + Array(repeating: 4, count: 100))
    var groups = source.lazy.grouped(consecutiveBy: { $0 }).makeIterator()
    #expect(groups.next()?.elements == [1, 1])
    #expect(source.pulled == 3, "the first run, plus the element that ends it")
  }
}

@Suite struct PeekableTests {
  @Test func moreItertoolsDocsExamples() {
    var p = OnePass(["a", "b"]).peekable()
    #expect(p.peek() == "a")
    #expect(p.next() == "a")
    #expect(p.peek() == "b")
    #expect(p.next() == "b")
    #expect(p.peek() == nil)
    // prepend: p = peekable([1, 2, 3]); p.prepend(10, 11, 12); next(p) → 10, list(p) → [11, 12, 1, 2, 3]
    var q = [1, 2, 3].peekable()
    q.prepend(10, 11, 12)
    #expect(q.next() == 10)
    #expect(Array(IteratorSequence(q)) == [11, 12, 1, 2, 3])
  }

  @Test func peekDoesNotConsume() {
    let source = OnePass([1, 2, 3])
    var p = source.peekable()
    #expect(p.peek() == 1)
    #expect(p.peek() == 1)
    #expect(source.pulled == 1)
    #expect(Array(IteratorSequence(p)) == [1, 2, 3])
  }
}

@Suite struct SlicedTests {
  @Test func pythonDocsExamples() {
    // islice('ABCDEFG', 2) → A B
    #expect(Array("ABCDEFG".sliced(0, 2)) == Array("AB"))
    // islice('ABCDEFG', 2, 4) → C D
    #expect(Array(OnePass(Array("ABCDEFG")).sliced(2, 4)) == Array("CD"))
    // islice('ABCDEFG', 2, None) → C D E F G
    #expect(Array("ABCDEFG".sliced(2, nil)) == Array("CDEFG"))
    // islice('ABCDEFG', 0, None, 2) → A C E G
    #expect(Array("ABCDEFG".sliced(0, nil, 2)) == Array("ACEG"))
  }

  @Test func readsNothingPastStop() {
    let source = OnePass(Array(0..<100))
    #expect(Array(source.sliced(3, 6)) == [3, 4, 5])
    #expect(source.pulled == 6)
  }

  @Test func pastTheEnd() {
    #expect(Array([1, 2, 3].sliced(5, 9)).isEmpty)
    #expect(Array([1, 2, 3].sliced(1, 9, 5)) == [2])
  }
}

@Suite struct ZipLongestAndCycleTests {
  @Test func zipLongestPythonDocsExample() {
    // zip_longest('ABCD', 'xy', fillvalue='-') → Ax By C- D-
    let pairs = zipLongest(Array("ABCD"), OnePass(Array("xy")), fill: "-").map { String([$0.0, $0.1]) }
    #expect(pairs == ["Ax", "By", "C-", "D-"])
    #expect(Array(zipLongest([Int?](), [1, 2].map(Optional.some), fill: nil)).map(\.0) == [nil, nil])
  }

  @Test func cyclePythonDocsExample() {
    // cycle('ABCD') → A B C D A B C D ...
    #expect(String(OnePass(Array("ABCD")).cycled().prefix(10)) == "ABCDABCDAB")
    #expect(Array([Int]().cycled().prefix(3)).isEmpty)
  }

  @Test func countPythonDocsExamples() {
    // count(10) → 10 11 12 13 14 ...; count(2.5, 0.5) → 2.5 3.0 3.5 ...
    #expect(Array(stride(from: 10, by: 1).prefix(5)) == [10, 11, 12, 13, 14])
    #expect(Array(stride(from: 2.5, by: 0.5).prefix(3)) == [2.5, 3.0, 3.5])
  }
}

@Suite struct UniqueRoundRobinTeeTests {
  @Test func uniquePythonDocsExamples() {
    // unique_everseen('AAAABBBCCDAABBB') → A B C D; unique_justseen(...) → A B C D A B
    #expect(String(OnePass(Array("AAAABBBCCDAABBB")).uniqueEverSeen()) == "ABCD")
    #expect(String(OnePass(Array("AAAABBBCCDAABBB")).uniqueJustSeen()) == "ABCDAB")
  }

  /// The state belongs to the iterator: a second pass over a multi-pass
  /// sequence starts afresh, as a second call of Python's function does.
  @Test func uniqueStartsAfreshOnEachPass() {
    let everSeen = [1, 2, 1, 3].uniqueEverSeen()
    #expect(Array(everSeen) == [1, 2, 3])
    #expect(Array(everSeen) == [1, 2, 3])
    let justSeen = [5, 5, 1, 2, 5].uniqueJustSeen()
    #expect(Array(justSeen) == [5, 1, 2, 5])
    #expect(Array(justSeen) == [5, 1, 2, 5])
    // Still lazy: nothing is read before it is asked for.
    let counting = CountingSequence([1, 1, 2])
    var iterator = counting.uniqueEverSeen().makeIterator()
    #expect(counting.nexts == 0)
    #expect(iterator.next() == 1)
    #expect(counting.nexts == 1)
  }

  @Test func groupedReadsNothingBeforeItIsAsked() {
    let counting = CountingSequence([1, 1, 2])
    var iterator = counting.grouped(consecutiveBy: { $0 }).makeIterator()
    #expect(counting.nexts == 0)
    #expect(iterator.next()?.elements == [1, 1])
    #expect(iterator.next()?.elements == [2])
    #expect(iterator.next() == nil)
  }

  @Test func consume() {
    var iterator = (1...10).makeIterator()
    iterator.consume(3)
    #expect(iterator.next() == 4)
    iterator.consume()
    #expect(iterator.next() == nil)
  }

  @Test func roundRobinPythonDocsExample() {
    // roundrobin('ABC', 'D', 'EF') → A D E B F C
    #expect(String(roundRobin(["ABC", "D", "EF"])) == "ADEBFC")
    #expect(Array(roundRobin([[Int]]())).isEmpty)
  }

  @Test func teeGivesEachIteratorEverything() {
    let source = OnePass(Array(1...5))
    var iterators = source.tee(3)
    #expect(Array(IteratorSequence(iterators[0])) == [1, 2, 3, 4, 5])
    #expect(Array(IteratorSequence(iterators[2])) == [1, 2, 3, 4, 5])
    #expect(iterators[1].next() == 1)
    #expect(source.pulled == 5, "the base is read once")
  }

  @Test func teeMemoryIsTheLag() {
    var iterators = (0..<100_000).tee(2)
    var maximum = 0
    for _ in 0..<100_000 {
      _ = iterators[0].next()
      _ = iterators[0].next()
      _ = iterators[1].next()
      _ = iterators[1].next()
      maximum = max(maximum, iterators[0].bufferedCount)
      if iterators[1].bufferedCount == 0, iterators[0].next() == nil { break }
    }
    #expect(maximum <= 2, "two iterators kept within 2 of each other buffer at most 2 elements")
    var apart = (0..<1_000).tee(2)
    for _ in 0..<300 { _ = apart[0].next() }
    #expect(apart[0].bufferedCount == 300, "300 ahead: 300 buffered")
    for _ in 0..<300 { _ = apart[1].next() }
    #expect(apart[1].bufferedCount == 0)
  }
}

/// A sequence that counts the elements read from its iterators.
final class CountingSequence<Element>: Sequence {
  let elements: [Element]
  private(set) var nexts = 0

  init(_ elements: [Element]) { self.elements = elements }

  func makeIterator() -> AnyIterator<Element> {
    var index = 0
    return AnyIterator { [self] in
      guard index < elements.count else { return nil }
      nexts += 1
      defer { index += 1 }
      return elements[index]
    }
  }
}

/// A generator is a Sequence and an AsyncSequence: naming an operator's
/// result with `let` (as the tutorial names its stages) picks the Sequence
/// form; `for try await` still takes the async one.
@Suite struct SyncAndAsyncOperatorTests {
  /// The tutorial's generator, as TutorialExampleTests writes it.
  func countUpTo(_ n: Int) -> Generator<Int> { TutorialExampleTests().countUpTo(n) }

  @Test func everyOperatorNamedWithLetCompilesAndIsTheSyncForm() {
    let batches = countUpTo(7).batched(3)
    #expect(Array(batches) == [[1, 2, 3], [4, 5, 6], [7]])
    let windows = countUpTo(4).windowed(2)
    #expect(Array(windows).map(Array.init) == [[1, 2], [2, 3], [3, 4]])
    var peek = countUpTo(3).peekable()
    #expect(peek.peek() == 1)
    let everSeen = countUpTo(3).uniqueEverSeen()
    #expect(Array(everSeen) == [1, 2, 3])
    let justSeen = countUpTo(3).uniqueJustSeen()
    #expect(Array(justSeen) == [1, 2, 3])
    let sliced = countUpTo(10).sliced(1, 7, 2)
    #expect(Array(sliced) == [2, 4, 6])
    let grouped = countUpTo(6).grouped(consecutiveBy: { $0 / 3 })
    #expect(grouped.map(\.elements) == [[1, 2], [3, 4, 5], [6]])
    let cycled = countUpTo(2).cycled()
    #expect(Array(cycled.prefix(5)) == [1, 2, 1, 2, 1])
    let branches = countUpTo(3).tee(2)
    #expect(branches.map { Array($0) } == [[1, 2, 3], [1, 2, 3]])
    let (a, b) = countUpTo(3).tee()  // two branches, as Python's default
    #expect(Array(a) == [1, 2, 3] && Array(b) == [1, 2, 3])
    let (c, d) = [4, 5].tee()
    #expect(Array(d) == [4, 5] && Array(c) == [4, 5])
    let shown = countUpTo(3).progress(total: 3, label: "n", output: .silent)
    #expect(Array(shown) == [1, 2, 3])
  }

  @Test func theAsyncFormStillAppliesInForAwait() async throws {
    var batches: [[Int]] = []
    for try await batch in countUpTo(5).batched(2) { batches.append(batch) }
    #expect(batches == [[1, 2], [3, 4], [5]])
  }
}
