import ArgumentParser
import AsyncHTTPClient
import Foundation
import GenCommand
import Generators
import StreamIO
import StreamNetworking

/// `gen fetch URL --pages next-link --items data`: a paginated JSON API's
/// items as JSON Lines on standard output, one request per page, each made
/// only when the items before it are written.
struct Fetch: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gen fetch",
    abstract: "Write a paginated JSON API's items as JSON Lines.",
    discussion: """
      Requests the pages one at a time, retrying connection errors, 429 and 5xx (waiting as \
      Retry-After says); stops at the last page, or after --limit items.
      Examples:
        gen fetch https://api.example.com/issues --pages next-link --items data
        gen fetch 'https://api.example.com/events?kind=x' --pages cursor --next meta.next --limit 1000
        gen fetch https://api.example.com/rows --pages offset --page-size 500 --items rows | gen stats -
      """)

  enum Style: String, ExpressibleByArgument, CaseIterable {
    case nextLink = "next-link", cursor, offset, page
  }

  @Argument(help: "The first page's URL.")
  var url: String

  @Option(help: "How the pages link: next-link (RFC 8288 Link headers), cursor, offset or page.")
  var pages: Style = .nextLink

  @Option(help: "Where a page's items are: a dotted path to an array; empty for a page that is the array.")
  var items: String = "data"

  @Option(help: "cursor: the query parameter that takes the cursor.")
  var cursorParameter: String = "cursor"

  @Option(help: "cursor: where a page has the next cursor (a dotted path).")
  var next: String = "next_cursor"

  @Option(help: "offset and page: items per page (offset: sent as limit; page: a shorter page is the last).")
  var pageSize: Int?

  @Option(help: "Stop after this many items.")
  var limit: Int?

  @Option(help: "Requests per second at most.")
  var rate: Double?

  @Option(name: .customLong("header"), help: "A request header, 'Name: value' (repeatable).")
  var headers: [String] = []

  @Option(help: "Attempts per request, retries included.")
  var attempts: Int = 5

  func validate() throws {
    if let limit, limit < 0 { throw ValidationError("--limit must not be negative, got \(limit)") }
    if let pageSize, pageSize <= 0 { throw ValidationError("--page-size must be positive, got \(pageSize)") }
    if let rate, !(rate > 0) { throw ValidationError("--rate must be positive, got \(rate)") }
    if attempts < 1 { throw ValidationError("--attempts must be at least 1, got \(attempts)") }
    for header in headers where !header.contains(":") {
      throw ValidationError("--header \(header): expected 'Name: value'")
    }
    if !Companion.isURL(url) { throw ValidationError("\(url): expected an http:// or https:// URL") }
  }

  var pagination: Pagination {
    switch pages {
    case .nextLink: .nextLink
    case .cursor: .cursor(parameter: cursorParameter, next: next)
    case .offset: .offset(pageSize: pageSize ?? 100)
    case .page: .pageNumber(pageSize: pageSize)
    }
  }

  /// Parses, runs and returns the exit status.
  static func runProcess(_ arguments: [String]) -> Int32 {
    signal(SIGPIPE, SIG_IGN)
    let command: Fetch
    do {
      command = try Fetch.parse(arguments)
    } catch {
      let message = Fetch.fullMessage(for: error)
      if Fetch.exitCode(for: error) == .success {
        print(Fetch.helpMessage(columns: 80))
        return 0
      }
      FileHandle.standardError.write(Data((message + "\n").utf8))
      return 64
    }
    let outcome = waitFor { try await command.fetch() }
    switch outcome {
    case .success: return 0
    case .failure(let error as StreamIOError) where error.errno == .brokenPipe: return 0
    case .failure(let error as HTTPError):
      FileHandle.standardError.write(Data("gen fetch: \(error)\n".utf8))
      return 69
    case .failure(let error):
      FileHandle.standardError.write(Data("gen fetch: \(error)\n".utf8))
      return 74
    }
  }

  func fetch() async throws {
    let headerPairs = headers.map { header -> (String, String) in
      let parts = header.split(separator: ":", maxSplits: 1)
      return (String(parts[0]).trimmingCharacters(in: .whitespaces), String(parts[1]).trimmingCharacters(in: .whitespaces))
    }
    let bucket = rate.map { TokenBucket(rate: $0, burst: 1) }
    let itemsOut = HTTPStreams.paginated(
      url, pagination: pagination, items: items, headers: headerPairs,
      retry: HTTPRetry(maxAttempts: attempts), rateLimit: bucket)
    let out = OutputSink.standardOutput()
    var written = 0
    if limit == 0 { return }
    for try await item in itemsOut {
      try out.write(item.serialized)
      try out.write(byte: 0x0A)
      written += 1
      if let limit, written >= limit { break }
    }
    try out.flush()
  }
}
