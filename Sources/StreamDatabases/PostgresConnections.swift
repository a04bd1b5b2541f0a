import Logging
import PostgresNIO

/// Opening connections for the sink and the sources, with errors that say
/// where to: the settings' description, never the password.
enum PostgresConnections {
  static let logger = Logger(label: "StreamDatabases")

  static func connect(_ settings: PostgresSettings) async throws -> PostgresConnection {
    do {
      return try await PostgresConnection.connect(configuration: try settings.configuration(), id: 1, logger: logger)
    } catch let error as PSQLError {
      throw PostgresSettingsError(message: "cannot connect to \(settings.description): \(message(error))")
    } catch {
      throw PostgresSettingsError(message: "cannot connect to \(settings.description): \(error)")
    }
  }

  /// A connection over a channel opened here, and that channel: postgres-nio
  /// authenticates and sets the session up; ``PostgresCopyOutHandler`` then
  /// speaks on the channel for a protocol step postgres-nio does not have
  /// (COPY OUT). Closing the connection closes the channel.
  /// `parameters` go in the startup message (`TimeZone`, `DateStyle`…).
  static func connectWithChannel(_ settings: PostgresSettings, parameters: [(String, String)] = []) async throws -> (PostgresConnection, any Channel) {
    let channel: any Channel
    do {
      let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connectTimeout(.seconds(10))
        .channelOption(.socketOption(.so_reuseaddr), value: 1)
      if let path = settings.unixSocketPath {
        channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
      } else {
        channel = try await bootstrap.channelOption(.tcpOption(.tcp_nodelay), value: 1).connect(host: settings.host, port: settings.port).get()
      }
    } catch {
      throw PostgresSettingsError(message: "cannot connect to \(settings.description): \(error)")
    }
    do {
      let direct = try settings.configuration()
      var configuration = PostgresConnection.Configuration(
        establishedChannel: channel, tls: direct.tls, username: direct.username, password: direct.password, database: direct.database)
      // As postgres-nio does for a host it connects to itself: its name for
      // SNI and certificate checks, unless it is an address.
      if settings.unixSocketPath == nil, (try? SocketAddress(ipAddress: settings.host, port: 0)) == nil {
        configuration.options.tlsServerName = settings.host
      }
      configuration.options.additionalStartupParameters = parameters
      let connection = try await PostgresConnection.connect(on: channel.eventLoop, configuration: configuration, id: 1, logger: logger)
      return (connection, channel)
    } catch let error as PSQLError {
      try? await channel.close().get()
      throw PostgresSettingsError(message: "cannot connect to \(settings.description): \(message(error))")
    } catch {
      try? await channel.close().get()
      throw PostgresSettingsError(message: "cannot connect to \(settings.description): \(error)")
    }
  }

  /// The server's message, or the client's reason.
  static func message(_ error: PSQLError) -> String {
    if let server = error.serverInfo, let text = server[.message] {
      var message = text
      if let detail = server[.detail] { message += " (\(detail))" }
      if let context = server[.locationContext] { message += " [\(context)]" }
      return message
    }
    if let underlying = error.underlying { return "\(error.code): \(underlying)" }
    return "\(error.code)"
  }
}
