import Generators
import StreamIO

/// The tutorial's workload: `sales.csv` with `name,country,qty,price`, about
/// 2% of names quoted with a comma inside, 12 countries, US about 40%.
enum SalesData {
  static let countries = ["US", "DE", "FR", "JP", "GB", "BR", "IN", "CA", "MX", "AU", "ES", "IT"]

  /// Writes `rows` rows (plus the header), one at a time: the same file for
  /// the same seed.
  static func write(rows: Int, to sink: OutputSink, seed: UInt64 = 42, progress: ProgressReporter? = nil) throws(StreamIOError) {
    var state = seed
    func random(_ n: UInt64) -> Int {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Int((state >> 33) % n)
    }
    try sink.write("name,country,qty,price\n")
    for row in 0..<rows {
      let name = random(50) == 0 ? "\"Smith, \(row)\"" : "Customer \(row)"
      let country = random(100) < 40 ? "US" : countries[1 + random(11)]
      let cents = random(100)
      try sink.write("\(name),\(country),\(1 + random(20)),\(random(100)).\(cents < 10 ? "0" : "")\(cents)\n")
      progress?.advance()
    }
    progress?.finish()
  }
}

// The tutorial's pipeline, stage by stage, each a generator:
//   pipeline = calculate_totals(filter_international(read_sales('sales.csv')))

/// `read_sales`: one CSV record at a time.
func readSales(_ reader: CSVReader, progress: ProgressReporter? = nil) -> Generator<CSVRecord> {
  Generator { co in
    var position = 0
    while let row = try reader.next() {
      if let progress {
        progress.advance(by: row.byteOffset - position)
        position = row.byteOffset
      }
      try co.yield(row)
    }
  }
}

/// `filter_international`: the rows whose country is not US.
func filterInternational(_ rows: Generator<CSVRecord>) -> Generator<CSVRecord> {
  Generator { co in
    while let row = try rows.next() {
      if !row.field(1, equals: "US") { try co.yield(row) }
    }
  }
}

/// `calculate_totals`: each row's country and quantity × price.
func calculateTotals(_ rows: Generator<CSVRecord>) -> Generator<(country: CountryCode, total: Double)> {
  Generator { co in
    while let row = try rows.next() {
      try co.yield((CountryCode(row.field(1)), Double(try row[2, as: Int.self]) * (try row[3, as: Double.self])))
    }
  }
}

/// A country code held in a word, not a String: no allocation or UTF-8
/// check per row, and cheap to hash. Codes longer than 8 bytes are cut.
struct CountryCode: Hashable, Comparable, CustomStringConvertible {
  let packed: UInt64

  init(_ bytes: UnsafeRawBufferPointer) {
    var packed: UInt64 = 0
    for byte in bytes.prefix(8) { packed = packed << 8 | UInt64(byte) }
    self.packed = packed << (8 * UInt64(8 - min(8, bytes.count)))
  }

  static func < (a: CountryCode, b: CountryCode) -> Bool { a.packed < b.packed }

  var description: String {
    var bytes: [UInt8] = []
    var rest = packed
    while rest != 0 {
      bytes.append(UInt8(rest >> 56))
      rest <<= 8
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}
