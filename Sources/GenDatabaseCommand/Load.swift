import ArgumentParser
import GenCommand
import Generators
import StreamDatabases
import StreamIO

/// `gen load`: records from a file into a database table.
struct Load: GenVerb {
  static let configuration = CommandConfiguration(
    commandName: "load",
    abstract: "Load CSV or JSON Lines records into an SQLite or PostgreSQL table, in constant memory.",
    discussion: """
      The table is created from the header, each column INTEGER, REAL or TEXT as its first \
      --infer-rows values say (--type overrides); an empty field is NULL. SQLite: a prepared \
      INSERT per row; PostgreSQL: the COPY protocol.

      The load is one transaction: a bad record (a value that does not fit its column, a field \
      past the last column, invalid UTF-8) stops it with its file:line and nothing is loaded; so \
      does an error, Ctrl-C or a kill. --skip-bad counts and reports such records instead. With \
      --batch-size N every N records commit on their own; a failure then says how many records \
      landed (always the first ones), and --append --skip-records N resumes.

      Examples:
        gen load sales.csv --into sqlite:sales.db --table sales
        gen load sales.csv --into postgres://me@localhost/shop --replace --key id
        gen filter sales.csv --where country!=US | gen load - --into sales.db --table intl
      """)

  @OptionGroup var input: InputOptions

  @Option(help: ArgumentHelp("sqlite:PATH (or a .db/.sqlite path), or postgres://user@host:port/db (PG* variables fill in the rest).", valueName: "database"))
  var into: DatabaseTarget

  @Option(help: "The table. Default: the input file's name without extensions (data for standard input).")
  var table: String?

  @Flag(help: "What to do if the table exists: fail (--create, the default), add to it (--append, creating it if missing), or drop and recreate it in the same transaction (--replace).")
  var mode: LoadMode = .create

  @Option(help: "Commit every N records (0: one transaction for the whole load).")
  var batchSize = 0

  @Option(help: ArgumentHelp("Upsert on these columns (comma-separated): a row with the same key replaces the old one's values. A created table gets them as its primary key.", valueName: "columns"))
  var key: String?

  @Option(name: .customLong("type"), help: ArgumentHelp("A column's type: NAME=INTEGER|REAL|TEXT (repeat, or comma-separate).", valueName: "name=type"))
  var types: [String] = []

  @Option(help: "Records read to infer the column types of a new table.")
  var inferRows = 1000

  @Option(help: "Skip this many records first (those a --batch-size load committed before it stopped).")
  var skipRecords = 0

  func validate() throws {
    guard batchSize >= 0 else { throw ValidationError("--batch-size must be 0 or more, not \(batchSize)") }
    guard inferRows >= 1 else { throw ValidationError("--infer-rows must be 1 or more, not \(inferRows)") }
    guard skipRecords >= 0 else { throw ValidationError("--skip-records must be 0 or more, not \(skipRecords)") }
    _ = try parseTypes(types)
    if input.resolvedFormat == .lines && input.format != nil {
      throw ValidationError("gen load reads CSV or JSON Lines, not plain lines")
    }
  }

  func execute(_ environment: GenEnvironment) throws {
    let start = now()
    let stream = try RecordStream(input, environment: environment)
    guard stream.format != .lines else {
      throw GenFailure.usage("\(stream.path): gen load reads CSV or JSON Lines; name the format with --format csv or --format jsonl")
    }
    var options = LoadOptions(table: table ?? Self.defaultTable(input.input))
    options.mode = mode
    options.batchSize = batchSize
    options.key = key.map { InputOptions.names($0) } ?? []
    options.types = try parseTypes(types)
    options.inferenceRows = inferRows
    options.skipBad = input.skipBad
    options.skipRecords = skipRecords
    options.sourceName = stream.path

    let summary: LoadSummary
    do {
      summary = try DatabaseLoading.load(stream, into: into, options: options)
    } catch let error as DatabaseLoadError {
      throw Self.failure(error, target: into, batchSize: batchSize, skipRecords: skipRecords)
    }
    let seconds = now() - start
    stream.reportSkipped()
    stream.reportRagged("their missing fields were loaded as NULL")
    if summary.skipped > 0 {
      environment.stderr("gen: skipped \(grouped(summary.skipped)) record\(summary.skipped == 1 ? "" : "s") that did not fit the table (--skip-bad)\n")
      for error in summary.skippedErrors { environment.stderr("  \(escapingControls(error.description))\n") }
      if summary.skipped > summary.skippedErrors.count {
        environment.stderr("  … and \(grouped(summary.skipped - summary.skippedErrors.count)) more\n")
      }
    }
    let rate = Double(summary.rows) / max(seconds, 1e-9)
    try environment.print(
      "Loaded \(grouped(summary.rows)) rows into \(options.table) (\(into.description)) in \(decimal(seconds, 2)) s: "
        + "\(grouped(Int(rate.rounded()))) rows/s")
  }

  static func defaultTable(_ input: String) -> String {
    guard input != "-" else { return "data" }
    let name = input.split(separator: "/").last.map(String.init) ?? input
    let stem = name.split(separator: ".").first.map(String.init) ?? name
    return stem.isEmpty ? "data" : stem
  }

  static func failure(_ error: DatabaseLoadError, target: DatabaseTarget, batchSize: Int, skipRecords: Int) -> GenFailure {
    var message = error.description
    if error.rowsCommitted > 0 {
      message += "\n  the first \(grouped(error.rowsCommitted)) records are committed (\(batchSize)-record batches); resume with "
        + "--append --skip-records \(skipRecords + error.rowsCommitted)"
    } else if error.isBadRecord || batchSize == 0 {
      message += "\n  nothing was loaded: the table is as it was"
    }
    return GenFailure(status: error.isBadRecord ? .dataError : error.message.contains("exists already") ? .cannotCreate : .ioError, message: message)
  }
}

extension LoadMode: EnumerableFlag {}

/// The input's records, as the sinks take them.
enum DatabaseLoading {
  static func load(_ stream: RecordStream, into target: DatabaseTarget, options: LoadOptions) throws -> LoadSummary {
    if stream.format == .csv {
      return try loadRecords(header: stream.columns, into: target, options: options) { try stream.nextRow() }
    }
    var records = JSONRecords(stream: stream)
    let header = try records.start()
    return try loadRecords(header: header, into: target, options: options) { try records.next() }
  }

  static func loadRecords<R: LoadableRecord>(
    header: [String], into target: DatabaseTarget, options: LoadOptions, next: () throws -> R?
  ) throws -> LoadSummary {
    switch target {
    case .sqlite(let path):
      return try SQLiteSink(path: path).load(header: header, options: options, next: next)
    case .postgres(let url):
      let sink = PostgresSink(settings: try PostgresSettings(url: url))
      return try runBlocking { try await sink.load(header: header, options: options, next: next) }
    }
  }
}

/// JSON Lines records as text fields, in the first record's key order:
/// strings bare, numbers as written, true/false, null as NULL, arrays and
/// objects as JSON text.
struct JSONRecords {
  let stream: RecordStream
  var header: [String] = []
  var first: Record?

  init(stream: RecordStream) { self.stream = stream }

  mutating func start() throws -> [String] {
    first = try stream.next()
    header = first?.fields.map(\.name) ?? []
    return header
  }

  mutating func next() throws -> TextRecord? {
    let record: Record
    if let first {
      record = first
      self.first = nil
    } else if let read = try stream.next() {
      record = read
    } else {
      return nil
    }
    var fields: [String?] = []
    fields.reserveCapacity(header.count)
    for name in header {
      switch record.value(name) {
      case nil, .null?: fields.append(nil)
      case .string(let text)?: fields.append(text)
      case .number(_, let text)?: fields.append(text)
      case .bool(let value)?: fields.append(value ? "true" : "false")
      case let value?: fields.append(value.serialized)
      }
    }
    // Keys the first record did not have would be lost: refused.
    for field in record.fields where !header.contains(field.name) {
      throw DatabaseLoadError(
        source: stream.path, line: record.line, column: field.name,
        message: "a key the first record does not have (the table's columns are the first record's keys)", isBadRecord: true)
    }
    return TextRecord(fields, line: record.line)
  }
}
