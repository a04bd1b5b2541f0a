import Foundation

/// A `ws://` or `wss://` URL, taken apart for connecting: host, port (80 or
/// 443 by default), the request target (path and query) and whether TLS is used.
struct WebSocketURL: Sendable {
  var host: String
  var port: Int
  var target: String
  var tls: Bool

  /// The `Host` header: the host, bracketed if IPv6, with the port unless it is the default.
  var hostHeader: String {
    let name = host.contains(":") ? "[\(host)]" : host
    return port == (tls ? 443 : 80) ? name : "\(name):\(port)"
  }

  /// - Throws: ``StreamConnectionError`` (`.connection`) for anything but a `ws://` or `wss://` URL with a host.
  init(_ url: String) throws {
    guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
      scheme == "ws" || scheme == "wss" || scheme == "http" || scheme == "https",
      let host = components.host, !host.isEmpty
    else {
      throw StreamConnectionError(.connection, url: url, message: "not a ws:// or wss:// URL")
    }
    self.tls = scheme == "wss" || scheme == "https"
    self.host = host
    self.port = components.port ?? (tls ? 443 : 80)
    let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
    self.target = components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
  }
}
