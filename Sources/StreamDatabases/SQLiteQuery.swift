import GRDBSQLite

/// A query's rows, read from an SQLite database file one at a time by
/// stepping the prepared statement: constant memory for any result size.
/// Python: iterating `connection.execute(sql)` (the `sqlite3` cursor).
///
/// ```swift
/// let query = try SQLiteQuery(path: "sales.db", sql: "SELECT country, sum(qty) FROM sales GROUP BY 1")
/// while let row = try query.next() { print(row[0].text, row[1].text) }
/// try SQLiteQuery(path: "sales.db", sql: "SELECT count(*) FROM sales").next()![0]  // → integer(200)
/// ```
///
/// The connection is its own and refuses writes (`PRAGMA query_only`; GRDB's queues run a closure per
/// access and cannot be held across a consumer's loop, so the source steps
/// the SQLite statement directly). It is closed at the end, on an error, by
/// ``close()`` and on deinit, so an early `break` releases it. As an
/// `AsyncSequence` it checks for cancellation before every row; ``interrupt()``
/// stops a long step from another thread.
public final class SQLiteQuery {
  /// The result's column names.
  public let columns: [String]
  /// The database file.
  public let path: String
  private var connection: OpaquePointer?
  private var statement: OpaquePointer?
  /// Bumped at every step, so a borrowed row used after its turn traps.
  private var generation = 0

  /// Opens `path` read-only and prepares `sql` (one statement).
  ///
  /// - Throws: ``SQLiteQueryError`` if the file cannot be opened or the SQL
  ///   does not compile (with SQLite's message).
  public init(path: String, sql: String) throws(SQLiteQueryError) {
    self.path = path
    // Read-write (but never created, and writes refused by query_only), so
    // that a load killed mid-transaction is rolled back from its journal on
    // open, as any writer would; read-only only when the file is.
    var connection: OpaquePointer?
    var openCode = sqlite3_open_v2(path, &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
    if openCode == SQLITE_READONLY || openCode == SQLITE_CANTOPEN || openCode == SQLITE_PERM {
      sqlite3_close_v2(connection)
      connection = nil
      openCode = sqlite3_open_v2(path, &connection, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
    }
    guard openCode == SQLITE_OK, let connection else {
      let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      sqlite3_close_v2(connection)
      throw SQLiteQueryError(path: path, message: "cannot open the database: \(message)")
    }
    sqlite3_busy_timeout(connection, 5000)
    sqlite3_exec(connection, "PRAGMA query_only = ON", nil, nil, nil)
    var statement: OpaquePointer?
    var tail: UnsafePointer<CChar>?
    let code = sql.withCString { sqlite3_prepare_v2(connection, $0, -1, &statement, &tail) }
    let rest = tail.map { String(cString: $0) } ?? ""
    guard code == SQLITE_OK, let statement else {
      let message = String(cString: sqlite3_errmsg(connection))
      sqlite3_close_v2(connection)
      throw SQLiteQueryError(path: path, message: statement == nil && code == SQLITE_OK ? "no SQL statement given" : message)
    }
    guard rest.allSatisfy({ $0.isWhitespace || $0 == ";" }) else {
      sqlite3_finalize(statement)
      sqlite3_close_v2(connection)
      throw SQLiteQueryError(path: path, message: "one statement only; this follows it: \(rest.prefix(60))")
    }
    self.connection = connection
    self.statement = statement
    columns = (0..<sqlite3_column_count(statement)).map { String(cString: sqlite3_column_name(statement, $0)) }
  }

  deinit { close() }

  /// Finalizes the statement and closes the connection; idempotent.
  public func close() {
    if let statement { sqlite3_finalize(statement) }
    if let connection { sqlite3_close_v2(connection) }
    statement = nil
    connection = nil
  }

  /// Makes a step in progress (in another thread) stop with an error.
  /// Python: `connection.interrupt()`.
  public func interrupt() {
    if let connection { sqlite3_interrupt(connection) }
  }

  /// Steps to the next row; false at the end (the query is then closed).
  private func step() throws(SQLiteQueryError) -> Bool {
    guard let statement else { return false }
    generation &+= 1
    let code = sqlite3_step(statement)
    if code == SQLITE_ROW { return true }
    if code == SQLITE_DONE {
      close()
      return false
    }
    let message = String(cString: sqlite3_errmsg(connection))
    close()
    throw SQLiteQueryError(path: path, message: message)
  }

  /// The next row as a value, or nil at the end. Python: `cursor.fetchone()`.
  public func next() throws(SQLiteQueryError) -> QueryRow? {
    guard try step(), let statement else { return nil }
    var values: [QueryValue] = []
    values.reserveCapacity(columns.count)
    for index in 0..<Int32(columns.count) {
      switch sqlite3_column_type(statement, index) {
      case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(statement, index)))
      case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(statement, index)))
      case SQLITE_TEXT:
        let bytes = Self.bytes(statement, index)
        values.append(.text(String(decoding: bytes, as: UTF8.self)))
      case SQLITE_BLOB: values.append(.blob(Array(Self.bytes(statement, index))))
      default: values.append(.null)
      }
    }
    return QueryRow(columns: columns, values: values)
  }

  /// Calls `body` with each remaining row, lent: its text is read in place,
  /// no value made. The row is valid only during its call (a use after traps).
  public func forEachRow(_ body: (SQLiteRowView) throws -> Void) throws {
    while try step() {
      try body(SQLiteRowView(query: self, generation: generation))
    }
  }

  fileprivate func check(_ view: SQLiteRowView) -> OpaquePointer {
    precondition(view.generation == generation && statement != nil, "an SQLiteRowView was used after its row's turn")
    return statement!
  }

  static func bytes(_ statement: OpaquePointer, _ index: Int32) -> UnsafeRawBufferPointer {
    let pointer = sqlite3_column_blob(statement, index)
    let count = Int(sqlite3_column_bytes(statement, index))  // after the pointer call, as SQLite asks
    return UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : count)
  }
}

extension SQLiteQuery: AsyncSequence, AsyncIteratorProtocol {
  public typealias Element = QueryRow

  public func makeAsyncIterator() -> SQLiteQuery { self }

  /// The next row; throws `CancellationError` (closing the query) if the task is cancelled.
  public func next(isolation actor: isolated (any Actor)?) async throws -> QueryRow? {
    if Task.isCancelled {
      close()
      throw CancellationError()
    }
    return try next()
  }
}

/// A row lent by ``SQLiteQuery/forEachRow(_:)``.
public struct SQLiteRowView {
  fileprivate let query: SQLiteQuery
  fileprivate let generation: Int

  /// How many columns.
  public var count: Int { query.columns.count }

  /// The storage class of column `index`'s value.
  public func kind(_ index: Int) -> SQLiteValueKind {
    switch sqlite3_column_type(query.check(self), Int32(index)) {
    case SQLITE_INTEGER: .integer
    case SQLITE_FLOAT: .real
    case SQLITE_TEXT: .text
    case SQLITE_BLOB: .blob
    default: .null
    }
  }

  public func integer(_ index: Int) -> Int64 { sqlite3_column_int64(query.check(self), Int32(index)) }
  public func real(_ index: Int) -> Double { sqlite3_column_double(query.check(self), Int32(index)) }

  /// Calls `body` with column `index`'s text or blob bytes, in place.
  public func withBytes<Result>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
    try body(SQLiteQuery.bytes(query.check(self), Int32(index)))
  }
}

/// SQLite's storage classes.
public enum SQLiteValueKind: Sendable {
  case null, integer, real, text, blob
}

/// A query that could not run: the database file and SQLite's message.
public struct SQLiteQueryError: Error, Sendable, CustomStringConvertible {
  public var path: String
  public var message: String

  public var description: String { "\(path): \(message)" }
}
