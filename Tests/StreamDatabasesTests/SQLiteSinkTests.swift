import Foundation
import GRDB
import StreamDatabases
import StreamIO
import Testing

/// The SQLite sink and source against real database files.
@Suite struct SQLiteSinkTests {
  func rows(_ path: String, _ sql: String) throws -> [[QueryValue]] {
    let query = try SQLiteQuery(path: path, sql: sql)
    var result: [[QueryValue]] = []
    while let row = try query.next() { result.append(row.values) }
    return result
  }

  @Test func createsTheTableFromTheHeaderWithInferredTypes() throws {
    let directory = try TemporaryDirectory()
    let csv = try directory.file("t.csv", "id,price,name,code,empty\n1,2.50,a,007,\n-2,1e3,\"b,c\",12,\n3,4,,0,\n")
    let reader = try CSVReader(path: csv)
    var options = LoadOptions(table: "t")
    options.sourceName = csv
    let summary = try SQLiteSink(path: directory.path + "/t.db").load(header: reader.header!, options: options) { try reader.next() }
    #expect(summary.rows == 3)
    #expect(summary.columns.map(\.type) == [.integer, .real, .text, .text, .text])  // 007 keeps its zeros: text
    #expect(
      try rows(directory.path + "/t.db", "SELECT * FROM t")
        == [
          [.integer(1), .real(2.5), .text("a"), .text("007"), .null],
          [.integer(-2), .real(1000), .text("b,c"), .text("12"), .null],
          [.integer(3), .real(4), .null, .text("0"), .null],
        ])
    let types = try rows(directory.path + "/t.db", "SELECT typeof(id), typeof(price), typeof(code) FROM t LIMIT 1")
    #expect(types == [[.text("integer"), .text("real"), .text("text")]])
  }

  @Test func aBadRowStopsTheLoadWithItsLineAndRollsBack() throws {
    let directory = try TemporaryDirectory()
    let db = directory.path + "/t.db"
    _ = try SQLiteSink(path: db).load([["1", "old"]] as [[String?]], header: ["id", "name"], options: LoadOptions(table: "t"))
    let csv = try directory.file("t.csv", "id,name\n2,a\n3,b\nfour,c\n5,d\n")
    let reader = try CSVReader(path: csv)
    var options = LoadOptions(table: "t")
    options.mode = .replace
    options.sourceName = csv
    options.inferenceRows = 2  // the bad row is past the sample, or id would be TEXT
    let error = #expect(throws: DatabaseLoadError.self) {
      try SQLiteSink(path: db).load(header: reader.header!, options: options) { try reader.next() }
    }
    #expect(error?.line == 4)
    #expect(error?.column == "id")
    #expect(error?.isBadRecord == true)
    #expect(error?.rowsCommitted == 0)
    #expect(error?.description.hasPrefix("\(csv):4: column id: \"four\" is not an integer") == true)
    // --replace dropped the old table inside the transaction: it is back, unchanged.
    #expect(try rows(db, "SELECT * FROM t") == [[.integer(1), .text("old")]])
  }

  @Test func skipBadCountsAndReportsTheRowsItSkips() throws {
    let directory = try TemporaryDirectory()
    let csv = try directory.file("t.csv", "id,name\n1,a\nx,b\n3,c,extra\n4,\u{FFFD}\n")
    let reader = try CSVReader(path: csv)
    var options = LoadOptions(table: "t")
    options.skipBad = true
    options.inferenceRows = 1
    options.sourceName = csv
    let summary = try SQLiteSink(path: directory.path + "/t.db").load(header: reader.header!, options: options) { try reader.next() }
    #expect(summary.rows == 2)
    #expect(summary.skipped == 2)
    #expect(summary.skippedErrors.map(\.line) == [3, 4])
    #expect(summary.skippedErrors[1].message.contains("3 fields and the table 2 columns"))
    #expect(try rows(directory.path + "/t.db", "SELECT id FROM t") == [[.integer(1)], [.integer(4)]])
  }

  @Test func invalidUTF8IsABadRecord() throws {
    let directory = try TemporaryDirectory()
    let path = directory.path + "/t.csv"
    try Data("name\nok\nbad\u{1}".utf8 + [0xFF, 0x0A]).write(to: URL(fileURLWithPath: path))
    let reader = try CSVReader(path: path)
    let error = #expect(throws: DatabaseLoadError.self) {
      try SQLiteSink(path: directory.path + "/t.db").load(header: reader.header!, options: LoadOptions(table: "t")) { try reader.next() }
    }
    #expect(error?.message == "the value is not valid UTF-8")
    #expect(error?.line == 3)
  }

  @Test func batchesCommitOnTheirOwnAndSayWhatLanded() throws {
    let directory = try TemporaryDirectory()
    var lines = "n\n"
    for index in 1...25 { lines += index == 23 ? "bad\n" : "\(index)\n" }
    let csv = try directory.file("t.csv", lines)
    let db = directory.path + "/t.db"
    var options = LoadOptions(table: "t")
    options.batchSize = 10
    options.inferenceRows = 5
    var reader = try CSVReader(path: csv)
    let error = #expect(throws: DatabaseLoadError.self) {
      try SQLiteSink(path: db).load(header: reader.header!, options: options) { try reader.next() }
    }
    #expect(error?.rowsCommitted == 20)
    #expect(try rows(db, "SELECT count(*), max(n) FROM t") == [[.integer(20), .integer(20)]])
    // Resume: skip what landed, append the rest (the bad row now skipped).
    options.mode = .append
    options.skipRecords = 20
    options.skipBad = true
    reader = try CSVReader(path: csv)
    let summary = try SQLiteSink(path: db).load(header: reader.header!, options: options) { try reader.next() }
    #expect(summary.rows == 4)
    #expect(summary.skipped == 1)
    #expect(try rows(db, "SELECT count(*), sum(n) FROM t") == [[.integer(24), .integer((1...25).reduce(0, +) - 23)]])
  }

  @Test func createRefusesAnExistingTableAndAppendAddsToIt() throws {
    let directory = try TemporaryDirectory()
    let db = directory.path + "/t.db"
    _ = try SQLiteSink(path: db).load([["1"]] as [[String?]], header: ["n"], options: LoadOptions(table: "t"))
    let error = #expect(throws: DatabaseLoadError.self) {
      try SQLiteSink(path: db).load([["2"]] as [[String?]], header: ["n"], options: LoadOptions(table: "t"))
    }
    #expect(error?.message.contains("exists already") == true)
    var options = LoadOptions(table: "t")
    options.mode = .append
    _ = try SQLiteSink(path: db).load([["2"]] as [[String?]], header: ["n"], options: options)
    #expect(try rows(db, "SELECT n FROM t ORDER BY n") == [[.integer(1)], [.integer(2)]])
    let missing = #expect(throws: DatabaseLoadError.self) {
      try SQLiteSink(path: db).load([["2"]] as [[String?]], header: ["m"], options: options)
    }
    #expect(missing?.message.contains("has no such column") == true)
  }

  @Test func keyUpserts() throws {
    let directory = try TemporaryDirectory()
    let db = directory.path + "/t.db"
    var options = LoadOptions(table: "t")
    options.key = ["id"]
    _ = try SQLiteSink(path: db).load([["1", "a"], ["2", "b"]] as [[String?]], header: ["id", "v"], options: options)
    options.mode = .append
    _ = try SQLiteSink(path: db).load([["2", "B"], ["3", "c"]] as [[String?]], header: ["id", "v"], options: options)
    #expect(try rows(db, "SELECT * FROM t ORDER BY id") == [[.integer(1), .text("a")], [.integer(2), .text("B")], [.integer(3), .text("c")]])
  }

  @Test func declaredTypesWin() throws {
    let directory = try TemporaryDirectory()
    let db = directory.path + "/t.db"
    var options = LoadOptions(table: "t")
    options.types = ["zip": .text, "n": .real]
    _ = try SQLiteSink(path: db).load([["01234", "5"]] as [[String?]], header: ["zip", "n"], options: options)
    #expect(try rows(db, "SELECT zip, n, typeof(n) FROM t") == [[.text("01234"), .real(5), .text("real")]])
  }

  @Test func anAsyncSequenceLoadsInBatches() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path + "/t.db"
    let records = AsyncStream<TextRecord> { continuation in
      for index in 0..<2_500 { continuation.yield(TextRecord([String(index), "row \(index)"])) }
      continuation.finish()
    }
    var options = LoadOptions(table: "t")
    options.batchSize = 1_000
    let summary = try await SQLiteSink(path: db).load(records, header: ["n", "label"], options: options)
    #expect(summary.rows == 2_500)
    #expect(try rows(db, "SELECT count(*), sum(n) FROM t") == [[.integer(2_500), .integer((0..<2_500).reduce(0, +))]])
  }

  @Test func theQuerySourceStreamsAndClosesOnEarlyExit() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path + "/t.db"
    let records = (0..<10_000).map { [String($0)] as [String?] }
    _ = try SQLiteSink(path: db).load(records, header: ["n"], options: LoadOptions(table: "t"))
    let query = try SQLiteQuery(path: db, sql: "SELECT n, n * 0.5 AS half, 'x' || n AS label, NULL AS none_ FROM t")
    #expect(query.columns == ["n", "half", "label", "none_"])
    var seen = 0
    for try await row in query {
      #expect(row["label"] == .text("x\(seen)"))
      #expect(row[1] == .real(Double(seen) / 2))
      #expect(row["none_"] == .null)
      seen += 1
      if seen == 100 { break }
    }
    query.close()
    #expect(try query.next() == nil)  // closed: nothing more, no crash
    // The file is not held: it can be written at once.
    var options = LoadOptions(table: "t")
    options.mode = .replace
    _ = try SQLiteSink(path: db).load([["1"]] as [[String?]], header: ["n"], options: options)
  }

  @Test func theQuerySourceRefusesBadSQLAndSecondStatements() throws {
    let directory = try TemporaryDirectory()
    let db = directory.path + "/t.db"
    _ = try SQLiteSink(path: db).load([["1"]] as [[String?]], header: ["n"], options: LoadOptions(table: "t"))
    #expect(throws: SQLiteQueryError.self) { try SQLiteQuery(path: db, sql: "SELEC 1") }
    let error = #expect(throws: SQLiteQueryError.self) { try SQLiteQuery(path: db, sql: "SELECT 1; DROP TABLE t") }
    #expect(error?.message.contains("one statement only") == true)
    #expect(throws: SQLiteQueryError.self) { try SQLiteQuery(path: db, sql: "DELETE FROM t") .next() }  // read-only
    #expect(try rows(db, "SELECT count(*) FROM t") == [[.integer(1)]])
  }

  @Test func cancellingTheTaskStopsTheQuery() async throws {
    let directory = try TemporaryDirectory()
    let db = directory.path + "/t.db"
    _ = try SQLiteSink(path: db).load((0..<1_000).map { [String($0)] as [String?] }, header: ["n"], options: LoadOptions(table: "t"))
    let task = Task {
      var count = 0
      let query = try SQLiteQuery(path: db, sql: "SELECT n FROM t")
      for try await _ in query {
        count += 1
        if count == 10 { withUnsafeCurrentTask { $0?.cancel() } }
      }
      return count
    }
    await #expect(throws: CancellationError.self) { try await task.value }
  }
}
