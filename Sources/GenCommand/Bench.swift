import ArgumentParser
import Foundation
import Generators
import StreamIO

struct Bench: GenVerb {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "The tutorial's benchmark tables, Swift beside CPython, as Markdown.",
    discussion: """
      1. "Processing 10 million integers": the sum of squares through a list (array), a \
      generator expression (lazy), a for-loop that appends, and a generator function: time \
      and the memory each holds. 2. The sales pipeline on a generated file: MB/s and peak \
      memory. CPython runs the tutorial's own code on the same data when python3 is on PATH.
      Example: gen bench --count 10000000 --rows 1000000
      """)

  @Option(help: "How many integers.")
  var count = 10_000_000

  @Option(help: "Rows of sales.csv for the pipeline.")
  var rows = 1_000_000

  @Flag(help: "Skip the CPython columns.")
  var noPython = false

  func validate() throws {
    guard count >= 1, rows >= 1 else { throw ValidationError("--count and --rows must be at least 1") }
  }

  func execute(_ environment: GenEnvironment) throws {
    let python = noPython ? nil : environment.python
    try environment.print("Processing \(grouped(count)) integers (sum of squares), as in the tutorial:")
    try environment.print("")
    var table: [[String]] = []
    for method in IntegerMethod.allCases {
      let swift = method.runSwift(count)
      var row = [method.title, decimal(swift.seconds, 3), decimal(Double(swift.bytes) / 1e6, 2)]
      if let python {
        let result = try runPython(python, script: method.pythonScript, arguments: [String(count)])
        row += [decimal(result.seconds, 3), decimal(result.megabytes, 2)]
        if result.sum != swift.sum {
          environment.stderr("gen: \(method.title): Python's sum \(result.sum) differs from Swift's \(swift.sum)\n")
        }
      }
      table.append(row)
    }
    var header = ["method", "Swift time (s)", "Swift memory (MB)"]
    if python != nil { header += ["CPython time (s)", "CPython memory (MB)"] }
    try environment.stdout.write(MarkdownTable(header: header, rows: table, numericFrom: 1).text)
    try environment.print("")
    try salesTable(python: python, environment: environment)
    if python == nil, !noPython { environment.stderr("gen: python3 not found on PATH: CPython columns left out\n") }
  }

  func salesTable(python: String?, environment: GenEnvironment) throws {
    let path = Demo.temporaryPath().replacingOccurrences(of: "demo", with: "bench")
    Interrupts.remember(path)
    defer {
      unlink(path)
      Interrupts.forget(path)
    }
    let sink = try OutputSink(path: path)
    if let temporary = sink.temporaryPath { Interrupts.remember(temporary) }
    try SalesData.write(rows: rows, to: sink)
    try sink.close()
    if let temporary = sink.temporaryPath { Interrupts.forget(temporary) }
    let size = Double(RecordStream.fileSize(path) ?? 0) / 1e6

    let before = Memory.resident()
    let start = now()
    let pipeline = calculateTotals(filterInternational(readSales(try CSVReader(path: path))))
    var total = 0.0
    while let item = try pipeline.next() { total += item.total }
    let seconds = now() - start
    let grown = max(0, Memory.resident() - before)

    try environment.print("The sales pipeline, \(grouped(rows)) rows (\(decimal(size, 1)) MB):")
    try environment.print("")
    var rowsOut = [["Swift: three Generator stages + CSVReader", decimal(size / seconds, 0), decimal(Double(grown) / 1e6, 2), fixed2(total)]]
    if let python {
      let result = try runPython(python, script: Self.pythonSales, arguments: [path])
      rowsOut.append(["CPython: three generators + csv", decimal(size / result.seconds, 0), decimal(result.megabytes, 2), fixed2(result.sum)])
    }
    try environment.stdout.write(
      MarkdownTable(header: ["pipeline", "MB/s", "memory held (MB)", "total"], rows: rowsOut, numericFrom: 1).text)
  }

  struct PythonResult {
    var seconds: Double
    var megabytes: Double
    var sum: Double
  }

  /// Runs a script that prints `seconds megabytes sum`.
  func runPython(_ python: String, script: String, arguments: [String]) throws -> PythonResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", script] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    // The last line: seconds, megabytes, result.
    let lastLine = String(decoding: data, as: UTF8.self).split(separator: "\n").last ?? ""
    let fields = lastLine.split(separator: " ").compactMap { Double($0) }
    guard process.terminationStatus == 0, fields.count == 3 else {
      throw GenFailure(status: .ioError, message: "python3 failed (status \(process.terminationStatus))")
    }
    return PythonResult(seconds: fields[0], megabytes: fields[1], sum: fields[2])
  }

  // Each CPython method runs in its own process, so its memory is its own:
  // the growth of ru_maxrss while it runs.
  static let pythonPrelude = """
    import resource, sys, time
    def rss(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    n = int(sys.argv[1]) if sys.argv[1].isdigit() else 0
    base = rss()
    start = time.perf_counter()

    """

  static func pythonReport(_ sumExpression: String) -> String {
    "\nprint(time.perf_counter() - start, (rss() - base) / 1e6, \(sumExpression))\n"
  }

  /// The tutorial's pipeline in CPython (the csv module reads the quoted
  /// names): a line per country, then `seconds megabytes total`. The tests
  /// check `gen demo`'s totals against it.
  static let pythonSales = pythonPrelude + """
    import csv
    def read_sales(path):
        with open(path, newline="") as f:
            reader = csv.reader(f)
            next(reader)
            for row in reader:
                yield row
    def filter_international(rows):
        for row in rows:
            if row[1] != "US":
                yield row
    def calculate_totals(rows):
        for row in rows:
            yield {**dict(zip(["name", "country", "qty", "price"], row)), "total": int(row[2]) * float(row[3])}
    totals = {}
    total = 0.0
    for record in calculate_totals(filter_international(read_sales(sys.argv[1]))):
        totals[record["country"]] = totals.get(record["country"], 0.0) + record["total"]
        total += record["total"]
    for country in sorted(totals):
        print(f"{country} {totals[country]:.2f}")
    """ + pythonReport("total")

  /// The tutorial's four ways to process 10 million integers.
  enum IntegerMethod: CaseIterable {
    case listComprehension, generatorExpression, loopAppend, generatorFunction

    var title: String {
      switch self {
      case .listComprehension: "List comprehension / Array map"
      case .generatorExpression: "Generator expression / lazy map"
      case .loopAppend: "Manual for-loop with list / append"
      case .generatorFunction: "Generator function / Generator"
      }
    }

    var pythonScript: String {
      let body: String
      switch self {
      case .listComprehension:
        body = "squares = [x * x for x in range(n)]\ntotal = sum(squares)"
      case .generatorExpression:
        body = "total = sum(x * x for x in range(n))"
      case .loopAppend:
        body = "squares = []\nfor x in range(n):\n    squares.append(x * x)\ntotal = sum(squares)"
      case .generatorFunction:
        body = "def squares(n):\n    for x in range(n):\n        yield x * x\ntotal = sum(squares(n))"
      }
      return Bench.pythonPrelude + body + Bench.pythonReport("total")
    }

    /// Time, the bytes held while it ran, and the sum (exact, as Python's).
    func runSwift(_ n: Int) -> (seconds: Double, bytes: Int, sum: Double) {
      // Unknown to the optimizer (always 0 here), so that it cannot replace
      // the loops by the closed form of a sum of squares.
      let salt = getenv("GEN_BENCH_SALT") == nil ? 0 : 1
      let before = Memory.resident()
      let start = now()
      var sum: Int128 = 0
      var held = 0
      switch self {
      case .listComprehension:
        let squares = (0..<n).map { ($0 &* $0) ^ salt }
        held = Memory.resident() - before
        for value in squares { sum &+= Int128(value) }
      case .generatorExpression:
        for value in (0..<n).lazy.map({ ($0 &* $0) ^ salt }) { sum &+= Int128(value) }
        held = Memory.resident() - before
      case .loopAppend:
        var squares: [Int] = []
        for x in 0..<n { squares.append((x &* x) ^ salt) }
        held = Memory.resident() - before
        for value in squares { sum &+= Int128(value) }
      case .generatorFunction:
        let squares = Generator<Int> { co in
          for x in 0..<n { try co.yield((x &* x) ^ salt) }
        }
        for value in squares { sum &+= Int128(value) }
        held = Memory.resident() - before
      }
      return (now() - start, max(0, held), Double(sum))
    }
  }
}
