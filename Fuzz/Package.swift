// swift-tools-version: 6.1
// A libFuzzer target for the line and CSV readers. Run from this folder:
//   swift build -c release --sanitize=fuzzer
//   .build/release/StreamIOFuzz -max_total_time=60 -rss_limit_mb=512
// (.ci/run runs it for a bounded time.)
import PackageDescription

let package = Package(
  name: "Fuzz",
  dependencies: [.package(name: "swift-generators", path: "../")],
  targets: [
    .executableTarget(
      name: "StreamIOFuzz",
      dependencies: [.product(name: "StreamIO", package: "swift-generators")],
      // libFuzzer provides main().
      swiftSettings: [.unsafeFlags(["-parse-as-library"])]
    )
  ],
  swiftLanguageModes: [.v6]
)
