import PostgresNIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where and as whom to connect to PostgreSQL, resolved as psql resolves it:
/// a `postgres://user:password@host:port/database?host=/socket/dir&sslmode=…`
/// URL first, then PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and
/// PGSSLMODE, then psql's defaults (the Unix socket in /var/run/postgresql
/// when it exists, else localhost; port 5432; the login name; the database
/// named as the user). A host starting with `/` is a socket directory.
/// Python: psycopg's `conninfo` with libpq's environment variables.
///
/// Not read: ~/.pgpass and service files. TLS: `sslmode=disable` (and
/// allow/prefer, which go without TLS); `require` uses TLS without checking the
/// certificate, as libpq does; `verify-full` checks it.
public struct PostgresSettings: Sendable {
  public var host: String
  public var port: Int
  public var user: String
  public var password: String?
  public var database: String
  public var sslMode: String

  /// Resolves `url` (nil or `postgres:` alone: the environment only) against `environment`.
  public init(url: String? = nil, environment: [String: String] = PostgresSettings.processEnvironment()) throws {
    var host: String?, port: String?, user: String?, password: String?, database: String?, sslMode: String?
    if let url, url != "postgres:", url != "postgresql:" {
      guard let schemeEnd = url.range(of: "://") else {
        throw PostgresSettingsError(message: "a PostgreSQL URL starts with postgres:// or postgresql://, not \(Self.redacting(url))")
      }
      var rest = String(url[schemeEnd.upperBound...])
      var query = ""
      if let mark = rest.firstIndex(of: "?") {
        query = String(rest[rest.index(after: mark)...])
        rest = String(rest[..<mark])
      }
      if let slash = rest.firstIndex(of: "/") {
        let name = String(rest[rest.index(after: slash)...])
        if !name.isEmpty { database = Self.percentDecoded(name) }
        rest = String(rest[..<slash])
      }
      if let at = rest.lastIndex(of: "@") {
        let credentials = String(rest[..<at])
        rest = String(rest[rest.index(after: at)...])
        if let colon = credentials.firstIndex(of: ":") {
          user = Self.percentDecoded(String(credentials[..<colon]))
          password = Self.percentDecoded(String(credentials[credentials.index(after: colon)...]))
        } else if !credentials.isEmpty {
          user = Self.percentDecoded(credentials)
        }
      }
      if rest.hasPrefix("[") , let close = rest.firstIndex(of: "]") {  // [::1]:5432
        host = String(rest[rest.index(after: rest.startIndex)..<close])
        let after = rest[rest.index(after: close)...]
        if after.hasPrefix(":") { port = String(after.dropFirst()) }
      } else if let colon = rest.lastIndex(of: ":") {
        host = String(rest[..<colon])
        port = String(rest[rest.index(after: colon)...])
      } else if !rest.isEmpty {
        host = Self.percentDecoded(rest)
      }
      if host?.isEmpty == true { host = nil }
      for pair in query.split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1).map { Self.percentDecoded(String($0)) }
        guard parts.count == 2 else { continue }
        switch parts[0] {
        case "host": host = parts[1]
        case "port": port = parts[1]
        case "user": user = parts[1]
        case "password": password = parts[1]
        case "dbname": database = parts[1]
        case "sslmode": sslMode = parts[1]
        default: throw PostgresSettingsError(message: "unsupported connection parameter \(parts[0]) (host, port, user, password, dbname, sslmode)")
        }
      }
    }
    self.user = user ?? environment["PGUSER"] ?? Self.loginName()
    self.host = host ?? environment["PGHOST"] ?? (access("/var/run/postgresql", F_OK) == 0 ? "/var/run/postgresql" : "localhost")
    let portText = port ?? environment["PGPORT"] ?? "5432"
    guard let portNumber = Int(portText), (1...65535).contains(portNumber) else {
      throw PostgresSettingsError(message: "the port must be a number from 1 to 65535, not \(portText)")
    }
    self.port = portNumber
    self.password = password ?? environment["PGPASSWORD"]
    self.database = database ?? environment["PGDATABASE"] ?? self.user
    self.sslMode = sslMode ?? environment["PGSSLMODE"] ?? "prefer"
    guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(self.sslMode) else {
      throw PostgresSettingsError(message: "unknown sslmode \(self.sslMode)")
    }
  }

  /// The Unix socket's path, when the host is a directory.
  public var unixSocketPath: String? { host.hasPrefix("/") ? "\(host)/.s.PGSQL.\(port)" : nil }

  /// postgres-nio's configuration for these settings.
  public func configuration() throws -> PostgresConnection.Configuration {
    if let unixSocketPath {
      return PostgresConnection.Configuration(unixSocketPath: unixSocketPath, username: user, password: password, database: database)
    }
    let tls: PostgresConnection.Configuration.TLS
    switch sslMode {
    case "require", "verify-ca", "verify-full":
      var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
      if sslMode == "require" { tlsConfiguration.certificateVerification = .none }
      if sslMode == "verify-ca" { tlsConfiguration.certificateVerification = .noHostnameVerification }
      tls = .require(try NIOSSLContext(configuration: tlsConfiguration))
    default:
      tls = .disable
    }
    return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
  }

  /// Where, for messages: never the password.
  public var description: String {
    "postgres://\(user)@\(host.hasPrefix("/") ? "" : host):\(port)/\(database)\(host.hasPrefix("/") ? "?host=\(host)" : "")"
  }

  /// `url` without its password, for messages.
  public static func redacting(_ url: String) -> String {
    guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].lastIndex(of: "@") else { return url }
    let credentials = url[schemeEnd.upperBound..<at]
    guard let colon = credentials.firstIndex(of: ":") else { return url }
    return String(url[..<colon]) + ":***" + String(url[at...])
  }

  public static func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    for name in ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE"] {
      if let value = getenv(name) { result[name] = String(cString: value) }
    }
    return result
  }

  static func loginName() -> String {
    if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
    return getenv("USER").map { String(cString: $0) } ?? "postgres"
  }

  static func percentDecoded(_ text: String) -> String {
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
      if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
        let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
      {
        bytes.append(value)
      } else {
        bytes.append(byte)
      }
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// A connection setting that cannot be used.
public struct PostgresSettingsError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}
