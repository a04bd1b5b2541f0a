import ArgumentParser
import Generators
import StreamIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Demo: GenVerb {

  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Generate the tutorial's sales.csv and run its generator pipeline on it.",
    discussion: """
      Writes sales.csv (name,country,qty,price; about 2% of names quoted with a comma inside; \
      US about 40%) one row at a time, then runs read_sales → filter_international → \
      calculate_totals as three chained generators, and prints the totals per country, the \
      time, the throughput and the peak memory. With --compare-array it also loads every \
      row into an array first, so you can watch memory grow with the file.
      Example: gen demo --rows 5000000 --compare-array
      """)

  @Option(help: "Rows to generate.")
  var rows = 1_000_000

  @Option(help: "Keep the generated file at this path (otherwise it is deleted).")
  var keep: String?

  @Flag(help: "Also run the load-everything version, for its memory.")
  var compareArray = false

  func validate() throws {
    guard rows >= 0 else { throw ValidationError("--rows must be 0 or more, not \(rows)") }
  }

  func execute(_ environment: GenEnvironment) throws {
    let path = keep ?? Self.temporaryPath()
    defer { if keep == nil { unlink(path) } }
    let output: ProgressOutput = environment.stderrIsTerminal ? .terminal : .silent

    // 1. Write the file, streamed: atomically, so Ctrl-C leaves nothing behind.
    var start = now()
    let sink = try OutputSink(path: path)
    if let temporary = sink.temporaryPath { Interrupts.remember(temporary) }
    if keep == nil { Interrupts.remember(path) }
    defer {
      if let temporary = sink.temporaryPath { Interrupts.forget(temporary) }
      if keep == nil { Interrupts.forget(path) }
    }
    try SalesData.write(
      rows: rows, to: sink,
      progress: ProgressReporter(total: rows, label: "writing sales.csv", output: output, write: environment.stderr))
    try sink.close()
    let size = RecordStream.fileSize(path) ?? 0
    try environment.print(
      "Wrote \(grouped(rows)) rows (\(decimal(Double(size) / 1e6, 1)) MB) to \(path) in \(decimal(now() - start, 2)) s")
    try environment.print("")

    // 2. The tutorial's pipeline: three generators, one row in flight.
    start = now()
    let reader = try CSVReader(path: path)
    let progress = ProgressReporter(
      total: size, label: "pipeline", unit: .bytes, output: output, write: environment.stderr)
    let pipeline = calculateTotals(filterInternational(readSales(reader, progress: progress)))
    // A dozen countries: a linear search beats hashing.
    var countries: [CountryCode] = []
    var sums: [(orders: Int, total: Double)] = []
    while let item = try pipeline.next() {
      if let index = countries.firstIndex(of: item.country) {
        sums[index].orders += 1
        sums[index].total += item.total
      } else {
        countries.append(item.country)
        sums.append((1, item.total))
      }
    }
    let totals = Dictionary(uniqueKeysWithValues: zip(countries, sums))
    progress.advance(by: size - progress.count)  // the last row's offset is not the end of the file
    progress.finish()
    let seconds = now() - start
    let peak = Memory.peakResident()

    try environment.print("calculate_totals(filter_international(read_sales(\"sales.csv\"))), as Swift generators:")
    try environment.print("")
    var rowsOut: [[String]] = []
    var orders = 0
    var grand = 0.0
    for country in totals.keys.sorted() {
      let entry = totals[country]!
      rowsOut.append([country.description, grouped(entry.orders), fixed2(entry.total)])
      orders += entry.orders
      grand += entry.total
    }
    rowsOut.append(["all international", grouped(orders), fixed2(grand)])
    try environment.demoTotals?(totals.keys.sorted().map { (country: $0.description, orders: totals[$0]!.orders, total: totals[$0]!.total) })
    try environment.stdout.write(MarkdownTable(header: ["country", "orders", "total"], rows: rowsOut, numericFrom: 1).text)
    try environment.print("")
    let mbPerSecond = seconds > 0 ? Double(size) / 1e6 / seconds : 0
    try environment.print(
      "Read \(grouped(rows)) rows in \(decimal(seconds, 2)) s: \(decimal(mbPerSecond, 0)) MB/s, "
        + "\(decimal(Double(rows) / max(seconds, 1e-9) / 1e6, 2))M rows/s")
    try environment.print(
      "Peak memory: \(Memory.mebibytes(peak)) for a \(decimal(Double(size) / 1e6, 1)) MB file: one row at a time, "
        + "so it stays the same for any file size")

    if compareArray { try runArrayVersion(path: path, environment: environment) }
  }

  /// The list-based version: every row in memory before any work is done.
  func runArrayVersion(path: String, environment: GenEnvironment) throws {
    struct Sale {
      var name: String
      var country: String
      var qty: Int
      var price: Double
    }
    let before = Memory.resident()
    let start = now()
    var sales: [Sale] = []
    let reader = try CSVReader(path: path)
    while let row = try reader.next() {
      sales.append(Sale(name: try row.string(0), country: try row.string(1), qty: try row[2, as: Int.self], price: try row[3, as: Double.self]))
    }
    let grown = Memory.resident() - before
    let total = sales.filter { $0.country != "US" }.reduce(0.0) { $0 + Double($1.qty) * $1.price }
    let seconds = now() - start
    try environment.print("")
    try environment.print("The same with every row loaded into an array first (Python: a list of rows):")
    try environment.print(
      "  total \(fixed2(total)) in \(decimal(seconds, 2)) s; memory grew by \(Memory.mebibytes(max(0, grown))) "
        + "and grows with the file")
    withExtendedLifetime(sales) {}
  }

  static func temporaryPath() -> String {
    let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    return "\(directory)/gen-demo-\(getpid())-sales.csv"
  }
}

