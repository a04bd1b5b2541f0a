// swift-tools-version: 6.1
import Foundation
import PackageDescription

// The database product (GRDB, postgres-nio and their NIO stack) is the largest
// build here. `.ci/run` sets SWIFT_GENERATORS_WITHOUT_DATABASES=1 for its
// sanitizer runs, whose test filters never reach it, so that they do not
// build it twice more; nothing else sets it.
let withDatabases = ProcessInfo.processInfo.environment["SWIFT_GENERATORS_WITHOUT_DATABASES"] == nil

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

if withDatabases {
  package.products += [
    // SQLite (GRDB) and PostgreSQL (postgres-nio) sinks and row sources: a product of its own, so
    // that users of Generators or StreamIO, and the `gen` executable, build neither driver.
    .library(name: "StreamDatabases", targets: ["StreamDatabases"]),
    // `gen load`, `gen query`, `gen demo --into`: `gen` runs this companion binary for them.
    .executable(name: "gen-db", targets: ["gen-db"]),
  ]
  package.dependencies += [
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
  ]
  package.targets += [
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
