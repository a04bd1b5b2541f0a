/// One value of a query's result. Python: what `sqlite3` or psycopg put in a row tuple.
public enum QueryValue: Sendable, Hashable {
  case null
  case integer(Int64)
  case real(Double)
  /// An exact decimal (PostgreSQL `numeric`), as its digits: a number in JSON, not a string.
  case decimal(String)
  case text(String)
  case blob([UInt8])

  /// The value as CSV and `sqlite3 -csv` show it: NULL empty, reals as
  /// Swift and Python print them (`12.5`, `1e-07`), blobs as their bytes.
  public var text: String {
    switch self {
    case .null: ""
    case .integer(let value): String(value)
    case .real(let value): "\(value)"
    case .decimal(let value): value
    case .text(let value): value
    case .blob(let bytes): String(decoding: bytes, as: UTF8.self)
    }
  }
}

/// One row of a query's result: a value, safe to keep. Python: a
/// `sqlite3.Row` (values by index or by column name).
public struct QueryRow: Sendable, Hashable {
  /// The result's column names (shared by all its rows).
  public let columns: [String]
  public var values: [QueryValue]

  public init(columns: [String], values: [QueryValue]) {
    self.columns = columns
    self.values = values
  }

  public subscript(index: Int) -> QueryValue { values[index] }

  /// The value of the first column named `name`, or nil if there is none.
  public subscript(name: String) -> QueryValue? {
    columns.firstIndex(of: name).map { values[$0] }
  }
}
