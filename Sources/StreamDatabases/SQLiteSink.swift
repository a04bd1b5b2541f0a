import GRDB
import GRDBSQLite
import StreamIO

/// Loads records into a table of an SQLite database file, with GRDB: a
/// prepared `INSERT` stepped once per record inside transactions, values
/// bound from the records' bytes (no `String` made for a CSV record).
/// Python: `cursor.executemany("INSERT …", rows)` in a `with connection:`
/// block, or pandas' `DataFrame.to_sql(…, chunksize=…)`.
///
/// ```swift
/// import StreamIO
///
/// let sink = try SQLiteSink(path: "sales.db")
/// var options = LoadOptions(table: "sales")
/// options.mode = .replace
/// let reader = try CSVReader(path: "sales.csv")
/// let summary = try sink.load(header: reader.header!, options: options) { try reader.next() }
/// print(summary.rows)  // → 200
/// ```
///
/// Failure semantics: by default the whole load is one transaction, so a bad
/// record (reported with its line and column), an error or a kill leaves the
/// table exactly as it was (SQLite's journal undoes an interrupted transaction
/// when the file is next opened). With ``LoadOptions/batchSize`` each batch
/// commits on its own; the error then says how many records landed, always a
/// prefix of the input. Memory stays flat: one record at a time, plus the
/// type-inference sample.
public final class SQLiteSink {
  /// The database file.
  public let path: String
  let queue: DatabaseQueue

  /// Opens (or creates) the database file.
  public init(path: String) throws {
    self.path = path
    var configuration = Configuration()
    configuration.label = "StreamDatabases.SQLiteSink"
    queue = try DatabaseQueue(path: path, configuration: configuration)
  }

  /// Loads the records that `next` returns (nil at the end) into
  /// `options.table`, whose columns are named by `header`.
  ///
  /// - Throws: ``DatabaseLoadError`` for a record that does not fit (unless
  ///   ``LoadOptions/skipBad``) or a database error, after rolling back the
  ///   open transaction; any error `next` throws, likewise.
  @_specialize(exported: true, where R == CSVRecord)
  public func load<R: LoadableRecord>(header: [String], options: LoadOptions, next: () throws -> R?) throws -> LoadSummary {
    try withoutActuallyEscaping(next) { next in
      try queue.writeWithoutTransaction { db in
        var loader = SQLiteLoad<R>(db: db, header: header, options: options, next: next)
        return try loader.run()
      }
    }
  }

  /// Loads every record of `records`. See ``load(header:options:next:)``.
  public func load<S: Sequence>(_ records: S, header: [String], options: LoadOptions) throws -> LoadSummary
  where S.Element: LoadableRecord {
    var iterator = records.makeIterator()
    return try load(header: header, options: options) { iterator.next() }
  }

  /// Loads an async sequence of records, reading it only as fast as the
  /// database takes rows. Each batch (``LoadOptions/batchSize``, 10,000 if 0)
  /// is read, then written in its own transaction; on failure the error's
  /// ``DatabaseLoadError/rowsCommitted`` says how many records landed.
  /// Python: an `async for` loop calling `executemany` per chunk.
  public func load<S: AsyncSequence>(_ records: S, header: [String], options: LoadOptions) async throws -> LoadSummary
  where S.Element: LoadableRecord & Sendable {
    var options = options
    if options.batchSize == 0 { options.batchSize = 10_000 }
    var total = LoadSummary()
    var iterator = records.makeAsyncIterator()
    var batch: [S.Element] = []
    var first = true
    var finished = false
    while !finished {
      batch.removeAll(keepingCapacity: true)
      while batch.count < options.batchSize, let record = try await iterator.next() { batch.append(record) }
      finished = batch.count < options.batchSize
      if batch.isEmpty && !first { break }
      var batchOptions = options
      if !first { batchOptions.mode = .append }
      batchOptions.batchSize = 0
      var index = 0
      let records = batch
      do {
        let summary = try load(header: header, options: batchOptions) { () -> S.Element? in
          defer { index += 1 }
          return index < records.count ? records[index] : nil
        }
        total.rows += summary.rows
        total.skipped += summary.skipped
        total.skippedErrors += summary.skippedErrors.prefix(max(0, 5 - total.skippedErrors.count))
        if first { total.columns = summary.columns; total.created = summary.created }
      } catch var error as DatabaseLoadError {
        error.rowsCommitted = total.rows + total.skipped
        throw error
      }
      first = false
    }
    return total
  }
}

/// One load's state, inside GRDB's access to the connection.
struct SQLiteLoad<R: LoadableRecord> {
  let db: Database
  let header: [String]
  var options: LoadOptions
  let next: () throws -> R?
  var summary = LoadSummary()
  /// Records committed (written or skipped) in finished batches.
  var committed = 0
  var inTransaction = false

  init(db: Database, header: [String], options: LoadOptions, next: @escaping () throws -> R?) {
    self.db = db
    self.header = header
    self.options = options
    self.next = next
  }

  mutating func run() throws -> LoadSummary {
    do {
      return try load()
    } catch {
      if inTransaction { try? db.rollback() }
      if var failure = error as? DatabaseLoadError {
        failure.rowsCommitted = committed
        throw failure
      }
      if let failure = error as? DatabaseError {
        throw DatabaseLoadError(
          source: options.sourceName, line: nil, column: nil, message: "SQLite: \(failure.message ?? "\(failure)")",
          rowsCommitted: committed, isBadRecord: false)
      }
      throw error
    }
  }

  private mutating func load() throws -> LoadSummary {
    for _ in 0..<options.skipRecords { guard try next() != nil else { break } }
    let table = options.table
    let exists = try db.tableExists(table)
    if exists && options.mode == .create {
      throw DatabaseLoadError(
        source: options.sourceName, line: nil, column: nil,
        message: "table \(table) exists already; add to it with --append, or drop and recreate it with --replace",
        isBadRecord: false)
    }
    var sample: [R] = []
    let creating = !exists || options.mode == .replace
    if creating {
      while sample.count < options.inferenceRows, let record = try next() { sample.append(record) }
      summary.columns = TablePlan.infer(header: header, sample: sample, declared: options.types)
    } else {
      let existing = try db.columns(in: table)
      var columns: [ColumnDefinition] = []
      for name in header {
        guard let column = existing.first(where: { $0.name.hasSameCodePoints(as: name) }) else {
          throw DatabaseLoadError(
            source: options.sourceName, line: nil, column: name,
            message: "table \(table) has no such column (it has \(existing.map(\.name).joined(separator: ", ")))",
            isBadRecord: false)
        }
        columns.append(ColumnDefinition(name: name, type: TablePlan.declaredType(options.types, for: name) ?? ColumnType.affinity(of: column.type)))
      }
      summary.columns = columns
    }
    for name in options.key where !header.contains(exactly: name) {
      throw DatabaseLoadError(source: options.sourceName, line: nil, column: name, message: "--key names no column of the input", isBadRecord: false)
    }
    try db.beginTransaction(.immediate)
    inTransaction = true
    if creating {
      if exists { try db.execute(sql: "DROP TABLE \(quoteIdentifier(table))") }
      try db.execute(sql: Self.createSQL(table: table, columns: summary.columns, key: options.key))
      summary.created = true
    }
    let statement = try db.makeStatement(sql: Self.insertSQL(table: table, columns: summary.columns, key: options.key))
    let handle = statement.sqliteStatement
    let columns = summary.columns
    var sampleIndex = 0
    var sinceCommit = 0
    while true {
      let record: R
      if sampleIndex < sample.count {
        record = sample[sampleIndex]
        sampleIndex += 1
        if sampleIndex == sample.count { sample = [] }
      } else if let read = try next() {
        record = read
      } else {
        break
      }
      do {
        try TablePlan.checkWidth(record, columns: columns.count, source: options.sourceName)
        for index in 0..<columns.count {
          try TablePlan.withValue(record, index, columns[index], source: options.sourceName) { value in
            Self.bind(value, at: Int32(index + 1), handle, copy: !R.fieldBytesLiveWithRecord)
          }
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        if code != SQLITE_DONE {
          throw DatabaseLoadError(
            source: options.sourceName, line: record.sourceLine, column: nil,
            message: "SQLite refused the row: \(String(cString: sqlite3_errmsg(db.sqliteConnection)))",
            isBadRecord: code == SQLITE_CONSTRAINT || code == SQLITE_MISMATCH || code == SQLITE_TOOBIG)
        }
        summary.rows += 1
      } catch let error as DatabaseLoadError where error.isBadRecord && options.skipBad {
        summary.skipped += 1
        if summary.skippedErrors.count < 5 { summary.skippedErrors.append(error) }
      }
      sinceCommit += 1
      if options.batchSize > 0 && sinceCommit == options.batchSize {
        try db.commit()
        committed += sinceCommit
        sinceCommit = 0
        try db.beginTransaction(.immediate)
      }
    }
    try db.commit()
    inTransaction = false
    return summary
  }

  /// Where an empty text value points (SQLite reads no byte of it).
  static var empty: UnsafePointer<CChar> { UnsafeRawPointer(bitPattern: 1)!.assumingMemoryBound(to: CChar.self) }

  @inline(__always)
  static func bind(_ value: FieldValue, at position: Int32, _ handle: SQLiteStatement, copy: Bool) {
    switch value {
    case .null: sqlite3_bind_null(handle, position)
    case .integer(let number, _): sqlite3_bind_int64(handle, position, number)
    case .real(let number, _): sqlite3_bind_double(handle, position, number)
    case .text(let bytes):
      // SQLITE_STATIC (nil) when the bytes outlive the step, which follows
      // at once (a CSV record's); else SQLITE_TRANSIENT (-1): SQLite copies them.
      sqlite3_bind_text(
        handle, position, bytes.baseAddress?.assumingMemoryBound(to: CChar.self) ?? Self.empty, Int32(bytes.count),
        copy ? unsafeBitCast(-1, to: sqlite3_destructor_type.self) : nil)
    }
  }

  static func createSQL(table: String, columns: [ColumnDefinition], key: [String]) -> String {
    var sql = "CREATE TABLE \(quoteIdentifier(table)) ("
    sql += columns.map { "\(quoteIdentifier($0.name)) \($0.type.rawValue)" }.joined(separator: ", ")
    if !key.isEmpty { sql += ", PRIMARY KEY (\(key.map(quoteIdentifier).joined(separator: ", ")))" }
    return sql + ")"
  }

  static func insertSQL(table: String, columns: [ColumnDefinition], key: [String]) -> String {
    let names = columns.map { quoteIdentifier($0.name) }
    var sql = "INSERT INTO \(quoteIdentifier(table)) (\(names.joined(separator: ", "))) VALUES ("
    sql += Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
    if !key.isEmpty {
      let others = columns.filter { !key.contains($0.name) }.map { quoteIdentifier($0.name) }
      sql += " ON CONFLICT (\(key.map(quoteIdentifier).joined(separator: ", "))) DO "
      sql += others.isEmpty ? "NOTHING" : "UPDATE SET " + others.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
    }
    return sql
  }
}
