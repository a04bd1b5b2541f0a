// What the documentation's snippets leave to the reader, for
// Tests/Snippets/check_snippets.py: a stand-in API, a few URLs, a record, and
// the checks of `// → expected` comments. Copied beside each generated
// program; its imports do not reach the program's file (MemberImportVisibility).
import Foundation
import Generators
import StreamIO

// MARK: Names the snippets use without declaring them

/// A paginated API with three pages of two records.
struct API: Sendable {
  func connect() async throws -> Connection { Connection() }
}
final class Connection: Sendable {
  func fetch(page: Int) async throws -> [Record]? {
    page < 3 ? [Record(id: page * 2, isLast: false), Record(id: page * 2 + 1, isLast: page == 2)] : nil
  }
  /// Three pages by cursor: nil, "b", "c".
  func fetch(after cursor: String?) async throws -> Page {
    switch cursor {
    case nil: Page(number: 1, next: "b")
    case "b": Page(number: 2, next: "c")
    default: Page(number: 3, next: nil)
    }
  }
  func close() {}
}
struct Record: Sendable { var id: Int; var isLast: Bool }
let api = API()

struct Page: Sendable { var number: Int; var next: String? = nil }
func fetchPage(_ number: Int) async throws -> Page { Page(number: number) }

/// The snippets' HTTP server: Python's http.server on loopback serving the
/// scratch directory's files (check_snippets.py starts it).
let snippetServer = ProcessInfo.processInfo.environment["SNIPPET_BASE_URL"] ?? "http://127.0.0.1:9"
/// JSON Lines over HTTP (events.jsonl: 50 records of user and ms).
let url = snippetServer + "/events.jsonl"
/// CSV over HTTP (sales.csv).
let csvURL = snippetServer + "/sales.csv"
/// A JSON API's page: {"data": [{"id": 0, "title": "issue 0"}, …]}, 40 items, one page.
let apiURL = snippetServer + "/issues.json"
/// Python's `websockets` server (python_stream_peers.py): /echo, /count/N, /drop/N.
let webSocketURL = ProcessInfo.processInfo.environment["SNIPPET_WEBSOCKET_BASE"] ?? "ws://127.0.0.1:9"
/// aiohttp's event stream (python_stream_peers.py): "price" events 101, 102, …, by Last-Event-ID.
let eventsURL = (ProcessInfo.processInfo.environment["SNIPPET_EVENTS_BASE"] ?? "http://127.0.0.1:9") + "/events"

let urls = ["https://example.com/a", "https://example.com/b", "https://example.com/c"]
func fetch(_ url: String) async throws {}

/// Three pages, as an async sequence.
var pages: AsyncGenerator<Page> {
  AsyncGenerator { co in for number in 1...3 { try await co.yield(Page(number: number)) } }
}

let readings: [Double] = [3, 4, 5, 6, 7, 8, 9]
func upload(_ batch: [String]) {}
func insert(_ batch: [CSVRecord]) {}

/// The first record of sales.csv (header name,country,qty,price).
var row: CSVRecord { try! CSVReader(path: "sales.csv").next()! }
/// A reader of sales.csv (made when first used).
nonisolated(unsafe) let reader = try! CSVReader(path: "sales.csv")

/// Bytes to upload, 16 KiB of them.
let fileSize = 16_384
final class ChunkSource {
  var left = fileSize
  func next() throws -> [UInt8]? {
    guard left > 0 else { return nil }
    left -= 4096
    return [UInt8](repeating: 7, count: 4096)
  }
}
nonisolated(unsafe) let source = ChunkSource()
func send(_ chunk: [UInt8]) {}

/// The lines of a text file, as a generator.
func readLines(_ path: String) -> Generator<String> {
  Generator { co in
    for line in try LineReader(path: path) { try co.yield(line.lossyString) }
  }
}

// MARK: Checks

nonisolated(unsafe) var captured: String?

/// Prints as Swift's `print` does, and keeps the text while a check listens.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
  let text = items.map { "\($0)" }.joined(separator: separator) + terminator
  captured? += text
  FileHandle.standardOutput.write(Data(text.utf8))
}

func __startCapture() { captured = "" }

func words(_ text: String) -> [Substring] { text.split(whereSeparator: \.isWhitespace) }

/// Fails the program unless what was printed since `__startCapture` reads `expected`.
func __expectPrinted(_ expected: String, at place: String) {
  let printed = captured ?? ""
  captured = nil
  if words(printed) != words(expected) { fail(place, expected: expected, got: printed) }
}

/// Fails the program unless `value` (unwrapped, if optional) reads `expected`.
func __expect<Value>(_ value: Value, _ expected: String, at place: String) {
  var text = "\(value)"
  if let optional = value as? any OptionalProtocol { text = optional.unwrappedDescription }
  if words(text) != words(expected) { fail(place, expected: expected, got: text) }
}

protocol OptionalProtocol { var unwrappedDescription: String { get } }
extension Optional: OptionalProtocol {
  var unwrappedDescription: String { map { "\($0)" } ?? "nil" }
}

func fail(_ place: String, expected: String, got: String) -> Never {
  FileHandle.standardError.write(Data("\(place): expected \(expected), got \(got)\n".utf8))
  exit(1)
}

/// Runs each snippet in order; an error names the snippet.
func __run(_ snippets: [(String, () async throws -> Void)]) async throws {
  for (place, snippet) in snippets {
    do {
      try await snippet()
    } catch {
      FileHandle.standardError.write(Data("\(place): the snippet threw \(error)\n".utf8))
      exit(1)
    }
  }
}
