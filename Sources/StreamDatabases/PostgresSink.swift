import Logging
import PostgresNIO
import StreamIO

/// Loads records into a PostgreSQL table with the COPY protocol, on
/// postgres-nio: fields are written into 256 KiB CopyData messages straight
/// from the records' bytes, and each write waits until the server can take
/// more, so the input is read only as fast as the server stores rows.
/// Python: psycopg's `cursor.copy("COPY … FROM STDIN")` with `write_row`.
///
/// The binary format when every column is BIGINT, DOUBLE PRECISION or TEXT
/// as the load reads it (always for a table it creates): the numbers go as
/// the eight bytes the client parsed anyway, so the server parses nothing,
/// which makes the load faster than `psql \copy` of the same CSV. Else (an
/// existing table with other types) the text format, which the server
/// converts to each column's type.
///
/// Same table creation, type checks and failure semantics as ``SQLiteSink``:
/// one transaction by default (a bad record, an error, a kill or a lost
/// connection leave the table as it was; the server rolls back), or one
/// COPY and commit per ``LoadOptions/batchSize`` records. With
/// ``LoadOptions/key``, each batch is copied into a temporary table and
/// upserted from there (`INSERT … SELECT … ON CONFLICT … DO UPDATE`).
/// Errors the server finds itself (a duplicate key without `key`, a
/// constraint) stop the load even with ``LoadOptions/skipBad``.
public struct PostgresSink: Sendable {
  public let settings: PostgresSettings

  public init(settings: PostgresSettings) { self.settings = settings }

  /// Loads the records `next` returns (nil at the end) into `options.table`.
  @_specialize(exported: true, where R == CSVRecord)
  public func load<R: LoadableRecord>(header: [String], options: LoadOptions, next: () throws -> R?) async throws -> LoadSummary {
    let (connection, channel) = try await PostgresConnections.connectWithChannel(settings)
    do {
      var load = PostgresLoad(connection: connection, channel: channel, header: header, options: options)
      let summary = try await load.run(next: next)
      try? await connection.close()
      return summary
    } catch {
      try? await connection.close()
      throw error
    }
  }
}

struct PostgresLoad {
  let connection: PostgresConnection
  /// The connection's channel, for the COPY statements (``PostgresCopyIn``).
  let channel: any Channel
  let header: [String]
  var options: LoadOptions
  var summary = LoadSummary()
  var committed = 0
  static let chunkSize = 256 * 1024

  init(connection: PostgresConnection, channel: any Channel, header: [String], options: LoadOptions) {
    self.connection = connection
    self.channel = channel
    self.header = header
    self.options = options
  }

  func execute(_ sql: String) async throws {
    try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresConnections.logger)
  }

  mutating func run<R: LoadableRecord>(next: () throws -> R?) async throws -> LoadSummary {
    var inTransaction = false
    do {
      for _ in 0..<options.skipRecords { guard try next() != nil else { break } }
      let existing = try await existingColumns()
      if existing != nil && options.mode == .create {
        throw DatabaseLoadError(
          source: options.sourceName, line: nil, column: nil,
          message: "table \(options.table) exists already; add to it with --append, or drop and recreate it with --replace",
          isBadRecord: false)
      }
      for name in options.key where !header.contains(exactly: name) {
        throw DatabaseLoadError(source: options.sourceName, line: nil, column: name, message: "--key names no column of the input", isBadRecord: false)
      }
      var sample: [R] = []
      let creating = existing == nil || options.mode == .replace
      let binary: Bool
      if creating {
        while sample.count < options.inferenceRows, let record = try next() { sample.append(record) }
        summary.columns = TablePlan.infer(header: header, sample: sample, declared: options.types)
        binary = true
      } else {
        summary.columns = try header.map { name in
          guard let type = existing![ExactText(name)] else {
            throw DatabaseLoadError(
              source: options.sourceName, line: nil, column: name, message: "table \(options.table) has no such column", isBadRecord: false)
          }
          return ColumnDefinition(
            name: name, type: TablePlan.declaredType(options.types, for: name) ?? ColumnType.affinity(of: type == "double precision" ? "DOUBLE" : type))
        }
        // Binary only where each column's own type is the one the values are sent as.
        binary = summary.columns.allSatisfy { column in
          existing![ExactText(column.name)] == column.type.postgresName.lowercased()
        }
      }
      try await execute("BEGIN")
      inTransaction = true
      let table = quoteIdentifier(options.table)
      if creating {
        if existing != nil { try await execute("DROP TABLE \(table)") }
        var sql = "CREATE TABLE \(table) (" + summary.columns.map { "\(quoteIdentifier($0.name)) \($0.type.postgresName)" }.joined(separator: ", ")
        if !options.key.isEmpty { sql += ", PRIMARY KEY (\(options.key.map(quoteIdentifier).joined(separator: ", ")))" }
        try await execute(sql + ")")
        summary.created = true
      }
      let copyTable = options.key.isEmpty ? table : "gen_load_staging"
      let copy = "COPY \(copyTable) (\(header.map(quoteIdentifier).joined(separator: ", "))) FROM STDIN (FORMAT \(binary ? "binary" : "text"))"
      if !options.key.isEmpty {
        try await execute("CREATE TEMPORARY TABLE gen_load_staging (LIKE \(table)) ON COMMIT DELETE ROWS")
      }
      var pending = sample[...]
      var finished = false
      while !finished {
        // One COPY per batch (the whole input when batchSize is 0).
        var inBatch = 0
        var reachedEnd = false
        var failure: (any Error)?
        let columns = summary.columns
        let source = options.sourceName
        let skipBad = options.skipBad
        let batchSize = options.batchSize
        var rows = 0, skipped = 0
        var skippedErrors: [DatabaseLoadError] = []
        do {
          try await PostgresCopyIn.run(sql: copy, on: channel) { writer in
            var buffer = Self.message(capacity: Self.chunkSize + 4096)
            if binary { buffer.writeBytes(Self.binaryHeader) }
            while batchSize == 0 || inBatch < batchSize {
              let record: R
              if let first = pending.first {
                record = first
                pending = pending.dropFirst()
              } else if let read = try next() {
                record = read
              } else {
                reachedEnd = true
                break
              }
              inBatch += 1
              let mark = buffer.writerIndex
              do {
                try TablePlan.checkWidth(record, columns: columns.count, source: source)
                if binary {
                  buffer.writeInteger(Int16(columns.count))
                  for index in 0..<columns.count {
                    try TablePlan.withValue(record, index, columns[index], source: source) { value in
                      Self.appendBinary(value, to: &buffer)
                    }
                  }
                } else {
                  for index in 0..<columns.count {
                    if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
                    try TablePlan.withValue(record, index, columns[index], source: source) { value in
                      Self.append(value, to: &buffer)
                    }
                  }
                  buffer.writeInteger(UInt8(ascii: "\n"))
                }
                rows += 1
              } catch let error as DatabaseLoadError where error.isBadRecord && skipBad {
                buffer.moveWriterIndex(to: mark)
                skipped += 1
                if skippedErrors.count < 5 { skippedErrors.append(error) }
              }
              if buffer.readableBytes >= Self.chunkSize {
                try await writer.send(buffer)
                buffer = Self.message(capacity: Self.chunkSize + 4096)
              }
            }
            if binary { buffer.writeInteger(Int16(-1)) }  // the trailer
            if buffer.readableBytes > PostgresCopyIn.Writer.headerSize { try await writer.send(buffer) }
          }
        } catch {
          failure = error
        }
        if let failure {
          if let error = failure as? DatabaseLoadError { throw error }
          if let error = failure as? PSQLError {
            throw DatabaseLoadError(
              source: source, line: nil, column: nil, message: "PostgreSQL: \(PostgresConnections.message(error))", isBadRecord: false)
          }
          if let error = failure as? PostgresQueryError {
            throw DatabaseLoadError(source: source, line: nil, column: nil, message: "PostgreSQL: \(error.message)", isBadRecord: false)
          }
          throw failure
        }
        summary.rows += rows
        summary.skipped += skipped
        summary.skippedErrors += skippedErrors.prefix(max(0, 5 - summary.skippedErrors.count))
        if !options.key.isEmpty {
          let names = summary.columns.map { quoteIdentifier($0.name) }
          let others = names.filter { name in !options.key.map(quoteIdentifier).contains(name) }
          var sql = "INSERT INTO \(table) (\(names.joined(separator: ", "))) SELECT \(names.joined(separator: ", ")) FROM gen_load_staging"
          sql += " ON CONFLICT (\(options.key.map(quoteIdentifier).joined(separator: ", "))) DO "
          sql += others.isEmpty ? "NOTHING" : "UPDATE SET " + others.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
          try await execute(sql)
          try await execute("TRUNCATE gen_load_staging")
        }
        finished = reachedEnd
        if !finished {
          try await execute("COMMIT")
          committed += inBatch
          try await execute("BEGIN")
        }
      }
      try await execute("COMMIT")
      inTransaction = false
      return summary
    } catch {
      if inTransaction { try? await execute("ROLLBACK") }
      if var failure = error as? DatabaseLoadError {
        failure.rowsCommitted = committed
        throw failure
      }
      if let failure = error as? PSQLError {
        throw DatabaseLoadError(
          source: options.sourceName, line: nil, column: nil, message: "PostgreSQL: \(PostgresConnections.message(failure))",
          rowsCommitted: committed, isBadRecord: false)
      }
      throw error
    }
  }

  /// The table's columns and their types as `format_type` names them
  /// (`bigint`, `double precision`, `character varying(20)`…), or nil if
  /// there is no such table (in the search path).
  /// The table's columns and their types (nil: no such table), names told
  /// apart by their code points (``ExactText``), as the input's are.
  func existingColumns() async throws -> [ExactText: String]? {
    let rows = try await connection.query(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = to_regclass(\(quoteIdentifier(options.table))) AND a.attnum > 0 AND NOT a.attisdropped",
      logger: PostgresConnections.logger)
    var columns: [ExactText: String] = [:]
    var any = false
    for try await (name, type) in rows.decode((String, String).self) {
      any = true
      columns[ExactText(name)] = type
    }
    if any { return columns }
    let exists = try await connection.query("SELECT to_regclass(\(quoteIdentifier(options.table))) IS NOT NULL", logger: PostgresConnections.logger)
    for try await (flag) in exists.decode(Bool.self) where flag { return [:] }
    return nil
  }

  /// A buffer for one CopyData message: its header's bytes reserved.
  static func message(capacity: Int) -> ByteBuffer {
    var buffer = ByteBufferAllocator().buffer(capacity: capacity)
    buffer.writeRepeatingByte(0, count: PostgresCopyIn.Writer.headerSize)
    return buffer
  }

  /// The binary format's file header: signature, flags, no extension.
  static let binaryHeader: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]

  /// A value in COPY's binary format: its length (-1 for NULL), then BIGINT
  /// and DOUBLE PRECISION as eight big-endian bytes, text as its UTF-8 bytes.
  @inline(__always)
  static func appendBinary(_ value: FieldValue, to buffer: inout ByteBuffer) {
    switch value {
    case .null:
      buffer.writeInteger(Int32(-1))
    case .integer(let number, _):
      buffer.writeInteger(Int32(8))
      buffer.writeInteger(number)
    case .real(let number, _):
      buffer.writeInteger(Int32(8))
      buffer.writeInteger(number.bitPattern)
    case .text(let bytes):
      buffer.writeInteger(Int32(bytes.count))
      buffer.writeBytes(bytes)
    }
  }

  /// A value in COPY's text format: NULL as \N; text with backslash, tab,
  /// newline and carriage return escaped; numbers as written (their grammar
  /// is a subset of PostgreSQL's).
  @inline(__always)
  static func append(_ value: FieldValue, to buffer: inout ByteBuffer) {
    switch value {
    case .null:
      buffer.writeInteger(UInt8(ascii: "\\"))
      buffer.writeInteger(UInt8(ascii: "N"))
    case .integer(_, let bytes), .real(_, let bytes):
      buffer.writeBytes(bytes)
    case .text(let bytes):
      var start = 0
      for index in 0..<bytes.count {
        let byte = bytes[index]
        let escaped: UInt8
        switch byte {
        case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
        case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
        case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
        case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
        default: continue
        }
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        buffer.writeInteger(UInt8(ascii: "\\"))
        buffer.writeInteger(escaped)
        start = index + 1
      }
      buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start...]))
    }
  }
}
