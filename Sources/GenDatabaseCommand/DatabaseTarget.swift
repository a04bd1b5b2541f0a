import ArgumentParser
import GenCommand
import StreamIO
import StreamDatabases

/// Where `--into` loads and `query` reads: `sqlite:PATH` (or a path ending in
/// .db, .sqlite, .sqlite3), or a `postgres://` / `postgresql://` URL, whose
/// missing parts come from PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE as
/// for psql (`postgres:` alone takes them all from the environment).
enum DatabaseTarget: ExpressibleByArgument, Sendable {
  case sqlite(path: String)
  case postgres(url: String)

  init?(argument: String) {
    if argument.hasPrefix("sqlite:") {
      var path = String(argument.dropFirst("sqlite:".count))
      if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
      guard !path.isEmpty else { return nil }
      self = .sqlite(path: path)
    } else if argument.hasPrefix("postgres:") || argument.hasPrefix("postgresql:") {
      self = .postgres(url: argument)
    } else if [".db", ".sqlite", ".sqlite3"].contains(where: { argument.lowercased().hasSuffix($0) }) {
      self = .sqlite(path: argument)
    } else {
      return nil
    }
  }

  static var defaultCompletionKind: CompletionKind { .file() }

  var description: String {
    switch self {
    case .sqlite(let path): "sqlite:\(path)"
    case .postgres(let url): PostgresSettings.redacting(url)
    }
  }
}

/// `--type qty=INTEGER,price=REAL`: declared column types.
func parseTypes(_ specs: [String]) throws -> [String: ColumnType] {
  var types: [String: ColumnType] = [:]
  for spec in specs.flatMap({ $0.split(separator: ",").map(String.init) }) {
    let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
    guard parts.count == 2, !parts[0].isEmpty else {
      throw ValidationError("--type takes NAME=TYPE (TYPE: INTEGER, REAL or TEXT), not \"\(spec)\"")
    }
    let name = parts[1].uppercased()
    let type: ColumnType? = switch name {
    case "INTEGER", "INT", "BIGINT": .integer
    case "REAL", "FLOAT", "DOUBLE", "DOUBLE PRECISION": .real
    case "TEXT", "STRING": .text
    default: nil
    }
    guard let type else { throw ValidationError("--type \(parts[0]): unknown type \(parts[1]) (INTEGER, REAL or TEXT)") }
    // (Declared types are kept by String, which finds "é" and "e\u{301}"
    // equal: two such names would become one, so they are refused.)
    if let other = types.keys.first(where: { $0 == parts[0] && !$0.hasSameCodePoints(as: parts[0]) }) {
      throw ValidationError(
        "--type \(parts[0]) and --type \(other) are one name written in two Unicode forms; declare one (the other column's type is inferred)")
    }
    types[parts[0]] = type
  }
  return types
}
