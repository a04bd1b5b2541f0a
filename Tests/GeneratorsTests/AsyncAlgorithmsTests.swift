// The operators on AsyncSequence, checked against the itertools and
// more-itertools documentation outputs, for laziness, and for cancellation.
import Generators
import Synchronization
import Testing
import TestSupport

/// An async sequence of fixed elements that counts how many were pulled.
final class CountingAsync<Element: Sendable>: AsyncSequence, Sendable {
  let elements: [Element]
  private let pulls = Atomic<Int>(0)
  init(_ elements: some Sequence<Element>) { self.elements = Array(elements) }
  var pulled: Int { pulls.load(ordering: .relaxed) }

  struct AsyncIterator: AsyncIteratorProtocol {
    let source: CountingAsync
    var index = 0
    mutating func next() async -> Element? {
      guard index < source.elements.count else { return nil }
      source.pulls.add(1, ordering: .relaxed)
      index += 1
      return source.elements[index - 1]
    }
  }
  func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: self) }
}

func collectAll<S: AsyncSequence>(_ sequence: S) async throws -> [S.Element] {
  var out: [S.Element] = []
  for try await element in sequence { out.append(element) }
  return out
}

@Suite struct AsyncAlgorithmsTests {
  @Test func batchedAsInItertools() async throws {
    // batched('ABCDEFG', 3) → ABC DEF G
    let batches = try await collectAll(CountingAsync("ABCDEFG").batched(3))
    #expect(batches.map { String($0) } == ["ABC", "DEF", "G"])
  }

  @Test func batchedIsLazy() async throws {
    let source = CountingAsync(0..<100)
    var iterator = source.batched(10).makeAsyncIterator()
    _ = await iterator.next()
    #expect(source.pulled == 10)
  }

  @Test func windowedAsInMoreItertools() async throws {
    let windows = try await collectAll(CountingAsync([1, 2, 3, 4, 5]).windowed(3))
    #expect(windows == [[1, 2, 3], [2, 3, 4], [3, 4, 5]])
    let stepped = try await collectAll(CountingAsync([1, 2, 3, 4, 5, 6]).windowed(3, step: 2, partial: true))
    #expect(stepped == [[1, 2, 3], [3, 4, 5], [5, 6]])
    let pairs = try await collectAll(CountingAsync("ABCD").windowed(2))
    #expect(pairs.map { String($0) } == ["AB", "BC", "CD"])  // pairwise('ABCD')
  }

  @Test func groupedAsInItertools() async throws {
    // [k for k, g in groupby('AAAABBBCCDAABBB')] → A B C D A B
    let runs = try await collectAll(CountingAsync("AAAABBBCCDAABBB").grouped(consecutiveBy: { $0 }))
    #expect(runs.map(\.key) == ["A", "B", "C", "D", "A", "B"])
    #expect(runs.map { String($0.elements) } == ["AAAA", "BBB", "CC", "D", "AA", "BBB"])
  }

  @Test func slicedAsInItertools() async throws {
    #expect(String(try await collectAll(CountingAsync("ABCDEFG").sliced(2, 4))) == "CD")
    #expect(String(try await collectAll(CountingAsync("ABCDEFG").sliced(2, nil))) == "CDEFG")
    #expect(String(try await collectAll(CountingAsync("ABCDEFG").sliced(0, nil, 2))) == "ACEG")
    let source = CountingAsync(0..<1000)
    _ = try await collectAll(source.sliced(0, 3))
    #expect(source.pulled == 3)  // never reads past stop
  }

  @Test func uniqueAsInMoreItertools() async throws {
    #expect(String(try await collectAll(CountingAsync("AAAABBBCCDAABBB").uniqueEverSeen())) == "ABCD")
    #expect(String(try await collectAll(CountingAsync("AAAABBBCCDAABBB").uniqueJustSeen())) == "ABCDAB")
  }

  @Test func cancellationStopsUpstream() async throws {
    let log = EventLog()
    let produced = Atomic<Int>(0)
    let numbers = AsyncGenerator<Int> { co in
      defer { log.add("upstream closed") }
      var i = 0
      while true {
        produced.add(1, ordering: .relaxed)
        try await co.yield(i)
        i += 1
      }
    }
    let consumer = Task {
      var batches = 0
      for try await _ in numbers.batched(4) {
        batches += 1
        if batches == 2 { withUnsafeCurrentTask { $0?.cancel() } }
      }
      return batches
    }
    await #expect(throws: CancellationError.self) { try await consumer.value }
    #expect(log.contains("upstream closed"))
    #expect(produced.load(ordering: .relaxed) <= 9)  // two batches and the yield that was cancelled
  }
}

@Suite struct FlattenRecursiveTests {
  indirect enum Item: Equatable {
    case value(Int)
    case list([Item])
  }

  func children(_ item: Item) -> [Item]? {
    if case .list(let inner) = item { return inner }
    return nil
  }

  @Test func flattensInOrder() {
    // flatten([1, [2, [3, [4]], 5], [], 6]) → 1 2 3 4 5 6
    let nested: [Item] = [.value(1), .list([.value(2), .list([.value(3), .list([.value(4)])]), .value(5)]), .list([]), .value(6)]
    #expect(Array(nested.flattenRecursive(children)) == (1...6).map(Item.value))
  }

  @Test func twoHundredThousandLevelsDeepNeedsNoRecursion() {
    var item = Item.value(42)
    for _ in 0..<200_000 { item = .list([item]) }
    #expect(Array([item].flattenRecursive(children)) == [.value(42)])
    // Free the chain iteratively: a recursive deinit this deep would overflow.
    while case .list(let inner) = item, let first = inner.first { item = first }
  }

  @Test func isLazyOnSinglePassInput() {
    let source = OnePass([Item.value(1), .list([.value(2)]), .value(3)])
    var iterator = source.flattenRecursive(children).makeIterator()
    #expect(iterator.next() == .value(1))
    #expect(source.pulled == 1)
  }
}

@Suite struct AsyncMoreAlgorithmsTests {
  @Test func peekableAndConsume() async throws {
    var tokens = CountingAsync(["let", "x", "=", "1"]).peekable()
    #expect(await tokens.peek() == "let")
    #expect(await tokens.next() == "let")
    tokens.prepend("var")
    #expect(await tokens.next() == "var")
    await tokens.consume(2)
    #expect(await tokens.next() == "1")
    #expect(await tokens.peek() == nil)
  }

  @Test func cycledRemembersWhatItSaw() async throws {
    // cycle('ABCD') → A B C D A B C D A B …
    let source = CountingAsync("ABCD")
    let ten = try await collectAll(source.cycled().sliced(0, 10))
    #expect(String(ten) == "ABCDABCDAB")
    #expect(source.pulled == 4)  // read once
    #expect(try await collectAll(CountingAsync([Int]()).cycled()).isEmpty)
  }

  @Test func zipLongestAsInItertools() async throws {
    // zip_longest('ABCD', 'xy', fillvalue='-') → Ax By C- D-
    let pairs = try await collectAll(zipLongest(CountingAsync("ABCD"), CountingAsync("xy"), fill: "-"))
    #expect(pairs.map { "\($0.0)\($0.1)" } == ["Ax", "By", "C-", "D-"])
  }

  @Test func roundRobinAsInMoreItertools() async throws {
    // roundrobin('ABC', 'D', 'EF') → A D E B F C
    let merged = try await collectAll(roundRobin([CountingAsync("ABC"), CountingAsync("D"), CountingAsync("EF")]))
    #expect(String(merged) == "ADEBFC")
  }
}

@Suite struct AsyncTeeTests {
  @Test func branchesInSeparateTasksSeeEverythingOnce() async throws {
    let source = CountingAsync(0..<1000)
    let branches = source.tee(3)
    let results = try await withThrowingTaskGroup(of: [Int].self) { group in
      for branch in branches {
        group.addTask { try await collectAll(branch) }
      }
      return try await group.reduce(into: []) { $0.append($1) }
    }
    #expect(results.count == 3)
    #expect(results.allSatisfy { $0 == Array(0..<1000) })
    #expect(source.pulled == 1000)  // the base is read once
  }

  @Test func bufferHoldsTheLag() async throws {
    let branches = CountingAsync(0..<100).tee(2)
    var fast = branches[0].makeAsyncIterator()
    var slow = branches[1].makeAsyncIterator()
    for _ in 0..<10 { _ = try await fast.next() }
    #expect(branches[0].bufferedCount == 10)
    for _ in 0..<4 { _ = try await slow.next() }
    #expect(branches[0].bufferedCount == 6)
    for _ in 0..<6 { _ = try await slow.next() }
    #expect(branches[0].bufferedCount == 0)
  }

  @Test func errorsReachEveryBranch() async throws {
    let failing = AsyncThrowingStream<Int, any Error> { continuation in
      continuation.yield(1)
      continuation.finish(throwing: Boom(tag: 4))
    }
    let branches = failing.tee(2)
    for branch in branches {
      var iterator = branch.makeAsyncIterator()
      #expect(try await iterator.next() == 1)
      await #expect(throws: Boom(tag: 4)) { try await iterator.next() }
    }
  }
}
