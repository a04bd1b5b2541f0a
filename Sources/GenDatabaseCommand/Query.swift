import ArgumentParser
import GenCommand
import PostgresNIO
import StreamDatabases
import StreamIO

/// `gen query`: a query's rows out to CSV or JSON Lines.
struct Query: GenVerb {
  static let configuration = CommandConfiguration(
    commandName: "query",
    abstract: "Run an SQL query on SQLite or PostgreSQL and stream its rows out as CSV or JSON Lines.",
    discussion: """
      Rows are written as they are read (SQLite: statement stepping; PostgreSQL: CSV written \
      by the server itself, COPY (query) TO STDOUT, and JSON Lines from its rows as they \
      arrive), so any result size runs in constant memory. NULL is an empty CSV field (null \
      in JSON Lines); SQLite's reals print as Python prints them, PostgreSQL's values as \
      psql --csv shows them. A query without rows still writes the CSV header.
      Examples:
        gen query sqlite:sales.db "select country, sum(qty) from sales group by 1"
        gen query postgres://me@localhost/shop "select * from sales" --to jsonl | gen count -
      """)

  @Argument(help: ArgumentHelp("sqlite:PATH (or a .db/.sqlite path), or postgres://user@host:port/db.", valueName: "database"))
  var database: DatabaseTarget

  @Argument(help: "One SQL statement.")
  var sql: String

  @Option(help: "csv or jsonl.")
  var to: OutputKind = .csv

  @Flag(help: "CSV: no header line.")
  var noHeader = false

  enum OutputKind: String, ExpressibleByArgument, CaseIterable { case csv, jsonl }

  func execute(_ environment: GenEnvironment) throws {
    let start = now()
    let writer = QueryRowWriter(sink: environment.stdout, format: to, header: !noHeader)
    var rows = 0
    switch database {
    case .sqlite(let path):
      guard access(path, F_OK) == 0 else {
        throw GenFailure(status: .noInput, message: "\(path): no such database file")
      }
      let query: SQLiteQuery
      do {
        query = try SQLiteQuery(path: path, sql: sql)
      } catch {
        throw GenFailure(status: .dataError, message: error.description)
      }
      defer { query.close() }
      try writer.start(columns: query.columns)
      do {
        try query.forEachRow { row in
          try writer.write(row)
          rows += 1
        }
      } catch let error as SQLiteQueryError {
        throw GenFailure(status: .ioError, message: error.description)
      }
    case .postgres(let url):
      let settings = try PostgresSettings(url: url)
      do {
        if to == .csv, let copied = try copyCSV(settings: settings, to: environment.stdout) {
          rows = copied
        } else {
          rows = try queryRows(settings: settings, writer: writer)
        }
      } catch let error as PostgresQueryError {
        throw GenFailure(status: .dataError, message: "\(settings.description): \(error.message)")
      } catch let error as PostgresSettingsError {
        throw GenFailure(status: .ioError, message: error.message)
      }
    }
    try environment.stdout.flush()
    if environment.stderrIsTerminal {
      let seconds = now() - start
      environment.stderr("gen: \(grouped(rows)) rows in \(decimal(seconds, 2)) s: \(grouped(Int((Double(rows) / max(seconds, 1e-9)).rounded()))) rows/s\n")
    }
  }

  /// CSV from the server itself (`COPY (query) TO STDOUT`), its bytes passed
  /// straight to standard output; the rows written. Nil when the server
  /// refused the statement before any output: one that COPY cannot wrap
  /// (SHOW, EXPLAIN…) then goes through ``queryRows(settings:writer:)``,
  /// which reports any other error as the server words it.
  func copyCSV(settings: PostgresSettings, to sink: OutputSink) throws -> Int? {
    let copy = PostgresCopyOut(settings: settings, csvOf: sql, header: !noHeader)
    let box = Unchecked(sink)
    return try runBlocking { () async throws -> Int? in
      let iterator = copy.makeAsyncIterator()
      var wrote = false
      do {
        while let chunk = try await iterator.next() {
          wrote = true
          try chunk.withUnsafeReadableBytes { try box.value.write($0) }
        }
      } catch is PostgresQueryError where !wrote {
        return nil
      }
      return iterator.rowCount ?? 0
    }
  }

  /// The rows one by one (postgres-nio's row sequence), formatted here: JSON
  /// Lines, and CSV for statements COPY cannot wrap.
  func queryRows(settings: PostgresSettings, writer: QueryRowWriter) throws -> Int {
    let box = Unchecked((writer: writer, rows: 0))
    try runBlocking {
      let iterator = PostgresQuerySource(settings: settings, sql: sql).makeAsyncIterator()
      var started = false
      while let row = try await iterator.next() {
        if !started {
          try box.value.writer.start(columns: row.columns)
          started = true
        }
        try box.value.writer.write(row)
        box.value.rows += 1
      }
    }
    return box.value.rows
  }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes query rows as CSV (quoted as Python's csv module quotes: only when
/// needed; `\n` line ends, as gen's other verbs) or JSON Lines.
final class QueryRowWriter {
  let sink: OutputSink
  let format: Query.OutputKind
  let header: Bool
  var keys: [String] = []
  var digits = [UInt8](repeating: 0, count: 24)

  init(sink: OutputSink, format: Query.OutputKind, header: Bool) {
    self.sink = sink
    self.format = format
    self.header = header
  }

  func start(columns: [String]) throws {
    switch format {
    case .csv:
      guard header else { return }
      for (index, name) in columns.enumerated() {
        if index > 0 { try sink.write(byte: UInt8(ascii: ",")) }
        var name = name
        try name.withUTF8 { try writeCSVField(UnsafeRawBufferPointer($0), only: columns.count == 1) }
      }
      try sink.write(byte: UInt8(ascii: "\n"))
    case .jsonl:
      keys = columns.map { name in
        var key = ""
        JSONValue.writeString(name, to: &key)
        return key + ":"
      }
    }
  }

  /// A lent SQLite row: numbers formatted into a small buffer, text written from SQLite's memory.
  func write(_ row: SQLiteRowView) throws {
    if format == .jsonl {
      var values: [QueryValue] = []
      for index in 0..<row.count {
        switch row.kind(index) {
        case .null: values.append(.null)
        case .integer: values.append(.integer(row.integer(index)))
        case .real: values.append(.real(row.real(index)))
        case .text: values.append(.text(row.withBytes(index) { String(decoding: $0, as: UTF8.self) }))
        case .blob: values.append(.blob(row.withBytes(index) { Array($0) }))
        }
      }
      return try writeJSON(values)
    }
    for index in 0..<row.count {
      if index > 0 { try sink.write(byte: UInt8(ascii: ",")) }
      switch row.kind(index) {
      case .null: if row.count == 1 { try sink.write("\"\"") }
      case .integer: try writeInteger(row.integer(index))
      case .real: try sink.write("\(row.real(index))")
      case .text, .blob: try row.withBytes(index) { try writeCSVField($0, only: row.count == 1) }
      }
    }
    try sink.write(byte: UInt8(ascii: "\n"))
  }

  func write(_ row: QueryRow) throws {
    if format == .jsonl { return try writeJSON(row.values) }
    for (index, value) in row.values.enumerated() {
      if index > 0 { try sink.write(byte: UInt8(ascii: ",")) }
      switch value {
      case .null: if row.values.count == 1 { try sink.write("\"\"") }
      case .integer(let number): try writeInteger(number)
      case .real(let number): try sink.write("\(number)")
      case .decimal(let digits): try sink.write(digits)
      case .text(var text): try text.withUTF8 { try writeCSVField(UnsafeRawBufferPointer($0), only: row.values.count == 1) }
      case .blob(let bytes): try bytes.withUnsafeBytes { try writeCSVField($0, only: row.values.count == 1) }
      }
    }
    try sink.write(byte: UInt8(ascii: "\n"))
  }

  func writeJSON(_ values: [QueryValue]) throws {
    var line = "{"
    for (index, value) in values.enumerated() {
      if index > 0 { line += "," }
      line += keys[index]
      switch value {
      case .null: line += "null"
      case .integer(let number): line += String(number)
      case .real(let number): JSONValue.number(number, "\(number)").write(to: &line)
      case .decimal(let digits): line += digits
      case .text(let text): JSONValue.writeString(text, to: &line)
      case .blob(let bytes): JSONValue.writeString(String(decoding: bytes, as: UTF8.self), to: &line)
      }
    }
    line += "}\n"
    try sink.write(line)
  }

  func writeInteger(_ value: Int64) throws {
    var magnitude = value.magnitude
    var position = digits.count
    repeat {
      position -= 1
      digits[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
      magnitude /= 10
    } while magnitude > 0
    if value < 0 {
      position -= 1
      digits[position] = UInt8(ascii: "-")
    }
    try digits.withUnsafeBytes { try sink.write(UnsafeRawBufferPointer(rebasing: $0[position...])) }
  }

  /// Quoted when it holds a comma, a quote, CR or LF (quotes doubled), or
  /// when it is a record's only field and empty.
  func writeCSVField(_ bytes: UnsafeRawBufferPointer, only: Bool) throws {
    var needsQuotes = only && bytes.isEmpty
    for byte in bytes where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 0x0A || byte == 0x0D {
      needsQuotes = true
      break
    }
    guard needsQuotes else { return try sink.write(bytes) }
    try sink.write(byte: UInt8(ascii: "\""))
    var start = 0
    for index in 0..<bytes.count where bytes[index] == UInt8(ascii: "\"") {
      try sink.write(UnsafeRawBufferPointer(rebasing: bytes[start...index]))
      try sink.write(byte: UInt8(ascii: "\""))
      start = index + 1
    }
    try sink.write(UnsafeRawBufferPointer(rebasing: bytes[start...]))
    try sink.write(byte: UInt8(ascii: "\""))
  }
}
