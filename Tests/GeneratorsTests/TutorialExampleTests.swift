// Every example of the tutorial (seed/tutorial.txt), in Swift.
import Foundation
import Generators
import Testing
import TestSupport

@Suite struct TutorialExampleTests {
  func countUpTo(_ n: Int) -> Generator<Int> {
    Generator { co in
      var count = 1
      while count <= n {
        try co.yield(count)
        count += 1
      }
    }
  }

  @Test func countUpToFive() {
    var seen: [Int] = []
    for number in countUpTo(5) { seen.append(number) }
    #expect(seen == [1, 2, 3, 4, 5])
  }

  /// `read_lines_generator`: one line at a time, the file closed at the end.
  func readLines(_ path: String, opened: UncheckedBox<Int>) -> Generator<String> {
    Generator { co in
      guard let file = fopen(path, "r") else { throw POSIXError(.ENOENT) }
      opened.value += 1
      defer {
        fclose(file)
        opened.value -= 1
      }
      var line: UnsafeMutablePointer<CChar>?
      var capacity = 0
      defer { free(line) }
      while getline(&line, &capacity, file) > 0 {
        try co.yield(String(cString: line!).trimmingCharacters(in: .whitespacesAndNewlines))
      }
    }
  }

  @Test func readingLinesLazily() throws {
    let file = try TemporaryFile(contents: "alpha\nbeta \n gamma\n")
    let opened = UncheckedBox(0)
    let lines = readLines(file.path, opened: opened)
    #expect(opened.value == 0, "nothing is opened before the first next()")
    #expect(try lines.next() == "alpha")
    #expect(opened.value == 1)
    #expect(Array(lines) == ["beta", "gamma"])
    #expect(opened.value == 0, "the file is closed when the lines run out")
  }

  @Test func readingLinesClosesOnEarlyBreak() throws {
    let file = try TemporaryFile(contents: "1\n2\n3\n")
    let opened = UncheckedBox(0)
    for line in readLines(file.path, opened: opened) {
      #expect(line == "1")
      #expect(opened.value == 1)
      break
    }
    #expect(opened.value == 0, "the file is closed as soon as the loop breaks")
  }

  // The sales pipeline: read_sales → filter_international → calculate_totals.
  struct Record: Equatable {
    var name: String, country: String, qty: Int, price: Double, total: Double
  }

  func readSales(_ path: String) -> Generator<[Substring]> {
    Generator { co in
      let text = try String(contentsOfFile: path, encoding: .utf8)
      for line in text.split(separator: "\n") { try co.yield(line.split(separator: ",")) }
    }
  }

  func filterInternational(_ rows: Generator<[Substring]>) -> Generator<[Substring]> {
    Generator { co in
      for row in rows where row[1] != "US" { try co.yield(row) }
    }
  }

  func calculateTotals(_ rows: Generator<[Substring]>) -> Generator<Record> {
    Generator { co in
      for row in rows {
        let qty = Int(row[2])!, price = Double(row[3])!
        try co.yield(Record(
          name: String(row[0]), country: String(row[1]), qty: qty, price: price,
          total: Double(qty) * price))
      }
    }
  }

  @Test func salesPipeline() throws {
    let csv = "Ann,DE,2,1.5\nBob,US,10,3.0\nCy,FR,3,2.0\nDee,US,1,1.0\nEd,JP,4,0.25\n"
    let file = try TemporaryFile(contents: csv, name: "sales.csv")
    let pipeline = calculateTotals(filterInternational(readSales(file.path)))
    let records = Array(pipeline)
    #expect(records.map(\.name) == ["Ann", "Cy", "Ed"])
    #expect(records.map(\.total) == [3.0, 6.0, 1.0])
  }

  @Test func pipelineHoldsOneRowAtATime() throws {
    // Each stage pulls one row only when the next stage asks for it.
    let source = OnePass(0..<1_000_000)
    let rows = Generator<Int> { co in try co.yield(from: source) }
    let evens = Generator<Int> { co in for x in rows where x % 2 == 0 { try co.yield(x) } }
    #expect(try evens.next() == 0)
    #expect(try evens.next() == 2)
    #expect(source.pulled == 3)
  }

  func fibonacci() -> Generator<Int> {
    Generator { co in
      var (a, b) = (0, 1)
      while true {
        try co.yield(a)
        (a, b) = (b, a + b)
      }
    }
  }

  @Test func infiniteFibonacciTakeTen() throws {
    let fib = fibonacci()
    var first10: [Int] = []
    for _ in 0..<10 { first10.append(try fib.next()!) }
    #expect(first10 == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34])
    #expect(Array(fibonacci().prefix(10)) == first10)
  }

  indirect enum Nested: ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    case item(Int)
    case list([Nested])
    init(integerLiteral value: Int) { self = .item(value) }
    init(arrayLiteral elements: Nested...) { self = .list(elements) }
  }

  func flatten(_ nested: Nested) -> Generator<Int> {
    Generator { co in
      switch nested {
      case .item(let value): try co.yield(value)
      case .list(let items):
        for item in items {
          if case .item(let value) = item { try co.yield(value) } else { try co.yield(from: flatten(item)) }
        }
      }
    }
  }

  @Test func flattenWithYieldFrom() {
    let nested: Nested = [1, [2, [3, 4], 5], 6]
    #expect(Array(flatten(nested)) == [1, 2, 3, 4, 5, 6])
  }

  @Test func echoWithSend() throws {
    var received: [String] = []
    let echo = Coroutine<Void, String?, Void> { co in
      while true {
        let value = try co.yield(())
        received.append("Received: \(value ?? "None")")
      }
    }
    _ = try echo.next()  // prime
    try echo.send("hello")
    try echo.send("world")
    #expect(received == ["Received: hello", "Received: world"])
  }

  @Test func accumulator() throws {
    let acc = Coroutine<Int, Int, Void> { co in
      var total = 0
      while true { total += try co.yield(total) }
    }
    #expect(try acc.next() == 0)
    #expect(try acc.send(10) == 10)
    #expect(try acc.send(20) == 30)
    #expect(try acc.send(30) == 60)
  }

  func batched<S: Sequence>(_ elements: S, _ size: Int) -> Generator<[S.Element]> {
    Generator { co in
      var batch: [S.Element] = []
      for item in elements {
        batch.append(item)
        if batch.count == size {
          try co.yield(batch)
          batch = []
        }
      }
      if !batch.isEmpty { try co.yield(batch) }
    }
  }

  @Test func batchedSums() {
    let sums = batched(0..<100, 10).map { $0.reduce(0, +) }
    #expect(sums == (0..<10).map { 100 * $0 + 45 })
    #expect(batched(0..<7, 3).map(\.count) == [3, 3, 1])
  }

  func withProgress<T>(_ items: Generator<T>, total: Int?, report: @escaping (String) -> Void) -> Generator<T> {
    Generator { co in
      var processed = 0
      for item in items {
        try co.yield(item)
        processed += 1
        if let total, processed % 1000 == 0 { report("Progress: \(processed)/\(total)") }
      }
    }
  }

  @Test func withProgressReportsEveryThousand() {
    var reports: [String] = []
    let items = Generator<Int> { co in try co.yield(from: 0..<2500) }
    let count = withProgress(items, total: 2500) { reports.append($0) }.reduce(0) { n, _ in n + 1 }
    #expect(count == 2500)
    #expect(reports == ["Progress: 1000/2500", "Progress: 2000/2500"])
  }

  func managedResource(_ log: UncheckedBox<[String]>) -> Generator<String> {
    Generator { co in
      log.value.append("Resource opened")
      defer { log.value.append("Resource cleaned up") }
      try co.yield("data")
      log.value.append("after yield")
    }
  }

  @Test func managedResourceCloseRunsCleanupAtOnce() throws {
    let log = UncheckedBox<[String]>([])
    let res = managedResource(log)
    #expect(try res.next() == "data")
    #expect(log.value == ["Resource opened"])
    try res.close()
    #expect(log.value == ["Resource opened", "Resource cleaned up"])
    #expect(res.state == .closed)
  }

  @Test func managedResourceEarlyBreakRunsCleanupAtOnce() {
    let log = UncheckedBox<[String]>([])
    for value in managedResource(log) {
      #expect(value == "data")
      break
    }
    #expect(log.value == ["Resource opened", "Resource cleaned up"])
  }
}
