// swift-tools-version: 6.1
import PackageDescription

let package = Package(
  name: "swift-generators",
  platforms: [.macOS(.v15)],
  products: [
    .library(name: "Generators", targets: ["Generators"]),
  ],
  targets: [
    // C and assembly only: stacks and the context switch.
    .target(name: "CGeneratorsRuntime", exclude: []),
    .target(
      name: "Generators",
      dependencies: ["CGeneratorsRuntime"]
    ),
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(
      name: "GeneratorsTests",
      dependencies: ["Generators", "TestSupport", "CGeneratorsRuntime"],
      exclude: []
    ),
  ],
  swiftLanguageModes: [.v6]
)
