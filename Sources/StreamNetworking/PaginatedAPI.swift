import AsyncHTTPClient
import Foundation
import Generators
import NIOCore
import StreamIO

extension HTTPStreams {
  /// A paginated JSON API's items, one at a time, as an async generator: each
  /// page is requested only when the consumer has used up the one before it
  /// (so taking 25 items of 10 a page makes 3 requests), or `.buffered(n)`
  /// items ahead when asked. Python: an `async def` generator looping over
  /// `httpx` pages with `yield from page["data"]`.
  ///
  /// ```swift
  /// import Generators
  /// import StreamIO
  ///
  /// let issues = HTTPStreams.paginated(apiURL, pagination: .nextLink, items: "data")
  /// var taken = 0
  /// for try await issue in issues {
  ///   print(issue.serialized)   // {"id":0,"title":"issue 0"} …
  ///   taken += 1
  ///   if taken == 25 { break }  // no further page is requested
  /// }
  /// ```
  ///
  /// - Parameters:
  ///   - items: where a page's items are, a dotted path to an array
  ///     (`data`, `result.items`); empty for a page that is the array itself.
  ///   - retry: connection errors, 429 and 5xx are tried again, waiting as
  ///     `Retry-After` says, else as its ``Backoff`` does.
  ///   - rateLimit: a permit is taken before each request.
  ///   - maxPageBytes: a page larger than this is an error, not a memory spike.
  /// - Throws (from the iteration): ``HTTPError`` naming the page's URL, for a
  ///   failed request or a page without its items; `CancellationError`.
  ///
  /// Breaking out of the loop (or releasing the generator) ends it at once:
  /// no further page is requested.
  public static func paginated(
    _ url: String, pagination: Pagination, items: String = "data", headers: [(String, String)] = [],
    client: HTTPClient = .shared, retry: HTTPRetry = HTTPRetry(), rateLimit: TokenBucket<ContinuousClock>? = nil,
    maxPageBytes: Int = 64 * 1024 * 1024
  ) -> AsyncGenerator<JSONValue> {
    AsyncGenerator { co in
      var pages = PageWalker(start: url, pagination: pagination, items: items)
      while let pageURL = pages.nextURL {
        let response = try await get(pageURL, headers: headers, client: client, retry: retry, rateLimit: rateLimit)
        let body: ByteBuffer
        do {
          body = try await response.body.collect(upTo: maxPageBytes)
        } catch let error as NIOTooManyBytesError {
          throw HTTPError(
            .invalidResponse, url: pageURL, message: "the page is larger than maxPageBytes (\(maxPageBytes)): \(error)",
            bytesReceived: pages.bytesReceived)
        } catch {
          throw HTTPError(
            .connection, url: pageURL, message: "the page's body failed: \(error)", bytesReceived: pages.bytesReceived)
        }
        let pageItems = try pages.read(
          body: Array(body.readableBytesView), linkHeaders: response.headers[canonicalForm: "Link"].map(String.init),
          url: pageURL)
        for item in pageItems { try await co.yield(item) }
      }
    }
  }

  /// The same, each item decoded as `Item`.
  ///
  /// ```swift
  /// import Generators
  ///
  /// struct Issue: Decodable, Sendable { var id: Int; var title: String }
  /// var titles: [String] = []
  /// for try await issue in HTTPStreams.paginated(apiURL, pagination: .nextLink, as: Issue.self) { titles.append(issue.title) }
  /// print(titles.count)  // → 40
  /// ```
  public static func paginated<Item: Decodable & Sendable>(
    _ url: String, pagination: Pagination, items: String = "data", as type: Item.Type,
    headers: [(String, String)] = [], client: HTTPClient = .shared, retry: HTTPRetry = HTTPRetry(),
    rateLimit: TokenBucket<ContinuousClock>? = nil
  ) -> AsyncGenerator<Item> {
    let values = paginated(
      url, pagination: pagination, items: items, headers: headers, client: client, retry: retry, rateLimit: rateLimit)
    return AsyncGenerator { co in
      var index = 0
      for try await value in values {
        do {
          try await co.yield(try JSONDecoder().decode(Item.self, from: Data(value.serialized.utf8)))
        } catch let error as DecodingError {
          throw HTTPError(.invalidResponse, url: url, message: "item \(index) is not a \(Item.self): \(error)")
        }
        index += 1
      }
    }
  }
}

/// Which page comes next, and a page's items: the pagination styles' rules.
struct PageWalker {
  let pagination: Pagination
  let itemsPath: [String]
  /// The next page to request; nil when the pages have ended.
  private(set) var nextURL: String?
  private var number = 0
  private(set) var bytesReceived = 0

  init(start: String, pagination: Pagination, items: String) {
    self.pagination = pagination
    itemsPath = items.split(separator: ".").map(String.init)
    switch pagination.style {
    case .cursor, .nextLink:
      nextURL = start
    case .offset(let parameter, let limitParameter, let pageSize):
      nextURL = settingQuery(start, [(parameter, "0"), (limitParameter, String(pageSize))])
    case .pageNumber(let parameter, let first, _):
      nextURL = settingQuery(start, [(parameter, String(first))])
    }
    base = start
  }

  private let base: String

  /// The items of the page fetched from `url`; sets the next page's URL.
  mutating func read(body: [UInt8], linkHeaders: [String], url: String) throws -> [JSONValue] {
    bytesReceived += body.count
    let page: JSONValue
    do {
      page = try JSONValue(parsing: body)
    } catch {
      throw HTTPError(.invalidResponse, url: url, message: "the page is not JSON: \(error)", bytesReceived: bytesReceived)
    }
    let items: [JSONValue]
    switch lookUp(itemsPath, in: page) {
    case .array(let array)?: items = array
    case .null?: items = []
    default:
      let place = itemsPath.isEmpty ? "the page" : "\"\(itemsPath.joined(separator: "."))\""
      throw HTTPError(
        .invalidResponse, url: url, message: "\(place) is not an array of items (pass items: the path to them)",
        bytesReceived: bytesReceived)
    }
    number += 1
    switch pagination.style {
    case .cursor(let parameter, let next):
      let cursor = lookUp(next.split(separator: ".").map(String.init), in: page)
      switch cursor {
      case .string(let text)? where !text.isEmpty: nextURL = settingQuery(base, [(parameter, text)])
      case .number(_, let text)?: nextURL = settingQuery(base, [(parameter, text)])
      default: nextURL = nil
      }
      if items.isEmpty { nextURL = nil }
    case .nextLink:
      nextURL = nextLink(in: linkHeaders, base: url)
    case .offset(let parameter, let limitParameter, let pageSize):
      nextURL =
        items.count < pageSize
        ? nil : settingQuery(base, [(parameter, String(number * pageSize)), (limitParameter, String(pageSize))])
    case .pageNumber(let parameter, let first, let pageSize):
      let short = pageSize.map { items.count < $0 } ?? false
      nextURL = items.isEmpty || short ? nil : settingQuery(base, [(parameter, String(first + number))])
    }
    return items
  }

  private func lookUp(_ path: [String], in value: JSONValue) -> JSONValue? {
    var current = value
    for key in path {
      guard case .object(let members) = current, let member = members.first(where: { $0.name.hasSameCodePoints(as: key) }) else {
        return nil
      }
      current = member.value
    }
    return current
  }
}
