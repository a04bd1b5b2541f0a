// The tutorial's sales pipeline in the forms the benchmarks compare:
//   read_sales → filter_international → calculate_totals → sum
// as three chained generators (the tutorial's form), as one generator with
// lazy filter/map, as one plain loop over the reader, and as that loop with
// each record lent to a closure.
import Generators
import StreamIO

// The tutorial's three stages, each a generator.
public func readSales(_ path: String) -> Generator<CSVRecord> {
  Generator { co in
    let reader = try CSVReader(path: path)
    while let row = try reader.next() { try co.yield(row) }
  }
}

public func filterInternational(_ rows: Generator<CSVRecord>) -> Generator<CSVRecord> {
  Generator { co in
    while let row = try rows.next() {
      if !row.field(1, equals: "US") { try co.yield(row) }
    }
  }
}

public func calculateTotals(_ rows: Generator<CSVRecord>) -> Generator<Double> {
  Generator { co in
    while let row = try rows.next() {
      try co.yield(Double(try row[2, as: Int.self]) * (try row[3, as: Double.self]))
    }
  }
}

/// One generator and Swift's lazy operators (Python: a generator expression
/// over `read_sales`), as a middle way.
public func lazyStages(_ path: String) throws -> Double {
  var sum = 0.0
  let totals = readSales(path).lazy
    .filter { !$0.field(1, equals: "US") }
    .map { row in Double((try? row[2, as: Int.self]) ?? 0) * ((try? row[3, as: Double.self]) ?? 0) }
  for value in totals { sum += value }
  return sum
}

/// The same work as one loop over the reader, to show what the stages cost.
public func plainLoop(_ path: String) throws -> Double {
  let reader = try CSVReader(path: path)
  var sum = 0.0
  while let row = try reader.next() {
    if row.field(1, equals: "US") { continue }
    sum += Double(try row[2, as: Int.self]) * (try row[3, as: Double.self])
  }
  return sum
}

/// The plain loop with each record lent to a closure (`forEachRecord`):
/// no reference counting per record.
public func lentLoop(_ path: String) throws -> Double {
  var sum = 0.0
  try CSVReader(path: path).forEachRecord { row in
    if row.field(1, equals: "US") { return }
    sum += Double(try row[2, as: Int.self]) * (try row[3, as: Double.self])
  }
  return sum
}

/// The tutorial's way: three generators chained, summed.
public func threeStages(_ path: String) throws -> Double {
  var sum = 0.0
  let pipeline = calculateTotals(filterInternational(readSales(path)))
  while let value = try pipeline.next() { sum += value }
  return sum
}
