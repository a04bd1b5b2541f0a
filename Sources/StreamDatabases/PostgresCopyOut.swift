import PostgresNIO

/// The output of a `COPY … TO STDOUT` statement as an `AsyncSequence` of
/// byte buffers, streamed: the server formats every value itself (as psql
/// shows them) and the client only passes bytes on, so this is the fast way
/// to get a query's rows out as CSV. Python: psycopg's
/// `cursor.copy("COPY (…) TO STDOUT (FORMAT csv)")` iterated block by block.
///
/// ```swift
/// let copy = PostgresCopyOut(settings: try PostgresSettings(), csvOf: "SELECT n FROM generate_series(1, 3) AS n")
/// let chunks = copy.makeAsyncIterator()
/// while try await chunks.next() != nil {}  // ByteBuffers: "n\n1\n2\n3\n", in one or more parts
/// print(chunks.rowCount!)  // → 3
/// ```
///
/// The elements are NIO's `ByteBuffer`s (`import NIOCore` to read them),
/// each whole or partial lines as they came off one socket read; when eight
/// wait for the consumer, the socket is no longer read (the server then
/// waits), so memory stays flat for any result size.
/// The connection opens at the first `next()` and closes at the end, on an
/// error, and when the iterator is dropped after an early `break`; task
/// cancellation closes it too, which stops the server. The session's time
/// zone is UTC and its date style ISO, as ``PostgresQuerySource`` shows
/// timestamps. A statement that is not a COPY TO, or that the server
/// refuses, throws ``PostgresQueryError`` with the server's message.
///
/// - Complexity: O(1) memory; one copy of each byte on the client.
public struct PostgresCopyOut: AsyncSequence, Sendable {
  public typealias Element = ByteBuffer
  public let settings: PostgresSettings
  /// The `COPY … TO STDOUT` statement.
  public let sql: String

  /// Runs `sql`, a `COPY … TO STDOUT` statement.
  public init(settings: PostgresSettings, sql: String) {
    self.settings = settings
    self.sql = sql
  }

  /// `query`'s rows as CSV: `COPY (query) TO STDOUT (FORMAT csv, HEADER)`,
  /// with the column names first when `header` is true (also when there
  /// are no rows). NULL is an empty field, an empty string `""`. A trailing
  /// `;` is dropped. Python: `cursor.copy()` with psycopg, psql's `\copy (…) TO STDOUT CSV HEADER`.
  public init(settings: PostgresSettings, csvOf query: String, header: Bool = true) {
    var query = Substring(query)
    while let last = query.last, last == ";" || last.isWhitespace { query.removeLast() }
    self.init(settings: settings, sql: "COPY (\(query)\n) TO STDOUT (FORMAT csv\(header ? ", HEADER" : ""))")
  }

  public func makeAsyncIterator() -> Iterator { Iterator(settings: settings, sql: sql) }

  /// One run of the statement: its own connection, opened at the first
  /// `next()`. Python: the block iterator of psycopg's `Copy` object.
  public final class Iterator: AsyncIteratorProtocol {
    let settings: PostgresSettings
    let sql: String
    let outcome = PostgresCopyOutHandler.Outcome()
    var connection: PostgresConnection?
    var chunks: PostgresCopyOutHandler.Producer.AsyncIterator?
    var finished = false

    init(settings: PostgresSettings, sql: String) {
      self.settings = settings
      self.sql = sql
    }

    deinit {
      // Dropped after an early `break`: close, keeping the connection alive until it is closed.
      chunks = nil
      guard let connection else { return }
      let future: EventLoopFuture<Void> = connection.close()
      future.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// How many rows the statement wrote, once `next()` returned nil.
    public var rowCount: Int? { outcome.rows.withLock { $0 } }

    public func next() async throws -> ByteBuffer? {
      if finished { return nil }
      do {
        if chunks == nil {
          guard !sql.utf8.contains(0) else { throw PostgresQueryError(message: "the statement contains a NUL character") }
          let (connection, channel) = try await PostgresConnections.connectWithChannel(
            settings, parameters: [("TimeZone", "UTC"), ("DateStyle", "ISO")])
          self.connection = connection
          chunks = try await PostgresCopyOutHandler.start(sql: sql, on: channel, outcome: outcome).makeAsyncIterator()
        }
        if let chunk = try await chunks!.next() { return chunk }
        try Task.checkCancellation()
        await finish()
        return nil
      } catch {
        await finish()
        // A cancelled task's connection is closed under it: cancellation is the cause.
        if Task.isCancelled { throw CancellationError() }
        if let error = error as? PSQLError { throw PostgresQueryError(message: PostgresConnections.message(error)) }
        throw error
      }
    }

    func finish() async {
      finished = true
      chunks = nil
      if let connection { try? await connection.close() }
      connection = nil
    }
  }
}
