/// What to do when the table exists. pandas: `to_sql`'s `if_exists`.
public enum LoadMode: String, Sendable, CaseIterable {
  /// Create the table; an existing one is an error (pandas `"fail"`, the default).
  case create
  /// Add rows to the table, creating it if missing (pandas `"append"`).
  case append
  /// Drop and create the table, in the load's first transaction, so that an
  /// interrupted load leaves the old table (pandas `"replace"`).
  case replace
}

/// How a sink loads records into a table.
public struct LoadOptions: Sendable {
  public var table: String
  public var mode: LoadMode = .create
  /// Commit every this many rows; 0 (the default) loads everything in one
  /// transaction: all or nothing. With batches, a failure or a kill leaves
  /// exactly the committed batches, the first `rowsCommitted` records (see
  /// ``DatabaseLoadError/rowsCommitted``); rerun with ``skipRecords`` set to it.
  public var batchSize = 0
  /// Upsert: a row whose key columns match an existing row replaces its other
  /// columns (`INSERT … ON CONFLICT (key) DO UPDATE`); a created table gets
  /// the key as its primary key.
  public var key: [String] = []
  /// Declared column types, by name; the others are inferred.
  public var types: [String: ColumnType] = [:]
  /// How many records are read to infer the column types of a created table.
  public var inferenceRows = 1000
  /// Count and skip records that do not fit the table (a text value in an
  /// integer column, a field past the last column, invalid UTF-8, a
  /// constraint), instead of stopping and rolling back.
  public var skipBad = false
  /// Records to skip at the start (those an earlier batched load committed).
  public var skipRecords = 0
  /// Where the records come from, for error messages (a path, `<stdin>`).
  public var sourceName = "<records>"

  public init(table: String) { self.table = table }
}

/// What a load did.
public struct LoadSummary: Sendable {
  /// Rows written to the table.
  public var rows = 0
  /// Records skipped as bad (with ``LoadOptions/skipBad``).
  public var skipped = 0
  /// The first few skipped records' errors.
  public var skippedErrors: [DatabaseLoadError] = []
  /// The table's columns as loaded.
  public var columns: [ColumnDefinition] = []
  /// Whether the table was created (or replaced) by this load.
  public var created = false

  public init() {}
}

/// A load that stopped: where in the input, and what landed.
public struct DatabaseLoadError: Error, Sendable, CustomStringConvertible {
  /// The input (path or `<stdin>`).
  public var source: String
  /// The line of the record, when known.
  public var line: Int?
  /// The column, when one value was the cause.
  public var column: String?
  public var message: String
  /// Rows committed before the failure (0 when the load is one transaction:
  /// the table is as it was).
  public var rowsCommitted = 0
  /// Whether the record was bad (as opposed to the database failing).
  public var isBadRecord: Bool

  public init(source: String, line: Int?, column: String?, message: String, rowsCommitted: Int = 0, isBadRecord: Bool) {
    self.source = source
    self.line = line
    self.column = column
    self.message = message
    self.rowsCommitted = rowsCommitted
    self.isBadRecord = isBadRecord
  }

  public var description: String {
    var text = source
    if let line { text += ":\(line)" }
    text += ": "
    if let column { text += "column \(column): " }
    return text + message
  }
}

/// Quotes an SQL identifier (`"name"`, inner quotes doubled): any header name
/// is a valid column name, and none can inject SQL.
public func quoteIdentifier(_ name: String) -> String {
  var quoted = "\""
  for character in name {
    if character == "\"" { quoted += "\"\"" } else { quoted.append(character) }
  }
  return quoted + "\""
}
