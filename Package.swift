// swift-tools-version: 6.1
import Foundation
import PackageDescription

// The networking and database products (AsyncHTTPClient, GRDB, postgres-nio
// and their NIO stack) are opt-in: with SWIFT_GENERATORS_EXTRAS=1 in the
// environment. Without it SwiftPM neither fetches nor builds them, so a
// newcomer's `swift run -c release gen demo` resolves two packages, and the
// `gen` executable links none of them either way (it hands URLs to `gen-net`
// and `load`/`query` to `gen-db`). `.ci/run` builds and tests them too.
let withExtras = ProcessInfo.processInfo.environment["SWIFT_GENERATORS_EXTRAS"] == "1"

let package = Package(
  name: "swift-generators",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "Generators", targets: ["Generators"]),
    .library(name: "StreamIO", targets: ["StreamIO"]),
    .executable(name: "gen", targets: ["gen"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    // C and assembly only: stacks and the context switch.
    .target(name: "CGeneratorsRuntime"),
    .target(
      name: "Generators",
      dependencies: ["CGeneratorsRuntime"]
    ),
    // The system's zlib, for .gz input.
    .systemLibrary(
      name: "CZlib", pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
    ),
    // C only: 64-byte masks of where bytes occur (SSE2, NEON) and powers of ten, for the readers.
    .target(name: "CStreamIOSupport"),
    // Files, lines, CSV and JSON Lines in constant memory.
    .target(
      name: "StreamIO",
      dependencies: ["Generators", "CZlib", "CStreamIOSupport", .product(name: "SystemPackage", package: "swift-system")]
    ),
    // The `gen` command's logic, as a library the tests call directly.
    .target(
      name: "GenCommand",
      dependencies: [
        "Generators", "StreamIO", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    .executableTarget(name: "gen", dependencies: ["GenCommand"]),
    .target(name: "TestSupport", dependencies: ["Generators", "CGeneratorsRuntime"], path: "Tests/TestSupport"),
    .testTarget(
      name: "GeneratorsTests",
      dependencies: ["Generators", "TestSupport", "CGeneratorsRuntime"]
    ),
    .testTarget(
      name: "StreamIOTests",
      dependencies: ["StreamIO", "Generators", "TestSupport", .product(name: "SystemPackage", package: "swift-system")],
      exclude: ["python_csv_oracle.py", "python_kept_oracle.py"]  // run by PythonDifferentialTests and KeptRecordsTests
    ),
    .testTarget(
      name: "GenCommandTests",
      dependencies: ["GenCommand", "gen", "Generators", "StreamIO", "TestSupport"],
      exclude: ["python_dictreader_oracle.py", "python_expression_oracle.py"]  // run by DictReaderDifferentialTests, ExpressionTests
    ),
  ],
  swiftLanguageModes: [.v6]
)

if withExtras {
  package.products += [
    // HTTP sources on AsyncHTTPClient: NDJSON/CSV bodies into the readers, paginated APIs.
    .library(name: "StreamNetworking", targets: ["StreamNetworking"]),
    // `gen` for URLs (`gen count https://…`, `gen fetch`): gen runs it when it sees a URL.
    .executable(name: "gen-net", targets: ["gen-net"]),
    // SQLite (GRDB) and PostgreSQL (postgres-nio) sinks and row sources: a product of its own, so
    // that users of Generators or StreamIO, and the `gen` executable, build neither driver.
    .library(name: "StreamDatabases", targets: ["StreamDatabases"]),
    // `gen load`, `gen query`, `gen demo --into`: `gen` runs this companion binary for them.
    .executable(name: "gen-db", targets: ["gen-db"]),
  ]
  package.dependencies += [
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    // The WebSocket client: NIOPosix, NIOWebSocket (frames, the handshake key), NIOSSL for wss://.
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    // Tests only: a real HTTP server on loopback.
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    // WebSocketMessage (WSCore); its client (WSClient) only in websocket-count, as the benchmark's
    // reference, and its server side (HummingbirdWebSocket) in the tests.
    .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.2"),
    .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
  ]
  package.targets += [
    // Readers over HTTP bodies, paginated JSON APIs and Server-Sent Events (AsyncHTTPClient);
    // WebSocket messages (its own RFC 6455 client on SwiftNIO).
    .target(
      name: "StreamNetworking",
      dependencies: [
        "Generators", "StreamIO", .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOWebSocket", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "WSCore", package: "swift-websocket"),
      ]
    ),
    .executableTarget(
      name: "gen-net",
      dependencies: [
        "GenCommand", "StreamNetworking", "StreamIO", "Generators",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
      ]
    ),
    // Counts a WebSocket's messages: the Swift side of Benchmarks/compare-websocket.sh.
    .executableTarget(
      name: "websocket-count",
      dependencies: ["StreamNetworking", .product(name: "WSClient", package: "swift-websocket")]
    ),
    .testTarget(
      name: "StreamNetworkingTests",
      dependencies: [
        "StreamNetworking", "StreamIO", "Generators", "GenCommand", "TestSupport", "gen", "gen-net",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
      ],
      exclude: ["python_peers.py", "python_stream_peers.py", "python_raw_websocket_peer.py"]
    ),
    // Records into and out of SQLite and PostgreSQL, in constant memory.
    .target(
      name: "StreamDatabases",
      dependencies: [
        "Generators", "StreamIO", .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "PostgresNIO", package: "postgres-nio"),
      ]
    ),
    // The companion command's logic (load, query, demo --into), as a library the tests call.
    .target(
      name: "GenDatabaseCommand",
      dependencies: [
        "GenCommand", "StreamDatabases", "StreamIO", "Generators",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "PostgresNIO", package: "postgres-nio"),  // ByteBuffer, for the COPY output's bytes
      ]
    ),
    .executableTarget(name: "gen-db", dependencies: ["GenDatabaseCommand"]),
    .testTarget(
      name: "StreamDatabasesTests",
      dependencies: [
        "StreamDatabases", "GenDatabaseCommand", "GenCommand", "gen", "gen-db", "StreamIO", "Generators", "TestSupport",
        .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
      ]
    ),
  ]
}
