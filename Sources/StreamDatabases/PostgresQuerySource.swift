import Foundation
import Logging
import PostgresNIO

/// A query's rows from PostgreSQL as an `AsyncSequence` of ``QueryRow``
/// values, streamed: postgres-nio reads the result from the socket only as
/// the loop asks for rows (its buffer adapts between a few and a few hundred
/// rows), so memory stays flat for any result size. Python: a psycopg server
/// cursor (`connection.cursor(name=…)`) iterated row by row.
///
/// ```swift
/// let rows = PostgresQuerySource(settings: try PostgresSettings(), sql: "SELECT n FROM generate_series(1, 3) AS n")
/// for try await row in rows { print(row["n"]!.text) }
/// ```
///
/// The connection opens at the first `next()` and closes at the end, on an
/// error, and when the iterator is dropped after an early `break`.
/// Cancelling the task stops the query. Values: integers, reals (float and
/// numeric), text (text, varchar, char, name, json, jsonb, uuid; bool as
/// `t`/`f`, dates and timestamps in ISO form in UTC, as psql shows them); any
/// other type is refused with a message asking for a cast (`col::text`).
public struct PostgresQuerySource: AsyncSequence, Sendable {
  public typealias Element = QueryRow
  public let settings: PostgresSettings
  public let sql: String

  public init(settings: PostgresSettings, sql: String) {
    self.settings = settings
    self.sql = sql
  }

  public func makeAsyncIterator() -> Iterator { Iterator(settings: settings, sql: sql) }

  public final class Iterator: AsyncIteratorProtocol {
    let settings: PostgresSettings
    let sql: String
    var connection: PostgresConnection?
    var rows: PostgresRowSequence.AsyncIterator?
    var columns: [String]?
    var finished = false

    init(settings: PostgresSettings, sql: String) {
      self.settings = settings
      self.sql = sql
    }

    deinit {
      // Dropped after an early `break`: close, keeping the connection alive until it is closed.
      guard let connection else { return }
      let future: EventLoopFuture<Void> = connection.close()
      future.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// The result's column names, once the first row arrived.
    public var columnNames: [String]? { columns }

    public func next() async throws -> QueryRow? {
      if finished { return nil }
      do {
        if rows == nil {
          let connection = try await PostgresConnections.connect(settings)
          self.connection = connection
          rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresConnections.logger).makeAsyncIterator()
        }
        guard let row = try await rows!.next() else {
          try await finish()
          return nil
        }
        if columns == nil { columns = row.map(\.columnName) }
        return QueryRow(columns: columns!, values: try row.map(Self.value))
      } catch let error as PSQLError {
        try? await finish()
        throw PostgresQueryError(message: PostgresConnections.message(error))
      } catch {
        try? await finish()
        throw error
      }
    }

    func finish() async throws {
      finished = true
      rows = nil
      if let connection { try await connection.close() }
      connection = nil
    }

    static let context = PostgresDecodingContext.default

    static func format(_ date: Date, type: PostgresDataType) -> String {
      let seconds = date.timeIntervalSince1970
      var whole = Int(seconds.rounded(.down))
      var micros = Int(((seconds - Double(whole)) * 1_000_000).rounded())
      if micros == 1_000_000 { whole += 1; micros = 0 }
      var time = time_t(whole)
      var parts = tm()
      gmtime_r(&time, &parts)
      func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
      let day = "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))"
      if type == .date { return day }
      var text = "\(day) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
      if micros > 0 {
        var fraction = String(micros)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        text += "." + fraction
      }
      return type == .timestamptz ? text + "+00" : text
    }

    static func value(_ cell: PostgresCell) throws -> QueryValue {
      guard cell.bytes != nil else { return .null }
      switch cell.dataType {
      case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self, context: context))
      case .float4, .float8: return .real(try cell.decode(Double.self, context: context))
      case .numeric:
        return .decimal(try cell.decode(Decimal.self, context: context).description)
      case .bool: return .text(try cell.decode(Bool.self, context: context) ? "t" : "f")
      case .bytea: return .blob(Array(buffer: cell.bytes!))
      case .text, .varchar, .bpchar, .name, .json, .unknown: return .text(String(buffer: cell.bytes!))
      case .jsonb:
        var bytes = cell.bytes!
        bytes.moveReaderIndex(forwardBy: 1)  // the jsonb format's version byte
        return .text(String(buffer: bytes))
      case .uuid: return .text(try cell.decode(UUID.self, context: context).uuidString.lowercased())
      case .timestamptz, .timestamp, .date:
        // psql's ISO style, in UTC: 2026-12-02 16:05:00.123456+00.
        let date = try cell.decode(Date.self, context: context)
        return .text(Self.format(date, type: cell.dataType))
      default:
        throw PostgresQueryError(
          message: "column \(cell.columnName) has type \(cell.dataType), which gen does not read: cast it in the query (\(cell.columnName)::text)")
      }
    }
  }
}

/// A query that failed: the server's message or the reason.
public struct PostgresQueryError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}
