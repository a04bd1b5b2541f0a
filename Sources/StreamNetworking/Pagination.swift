import Foundation

/// How a JSON API hands out its pages: where the next one is, and when they end.
///
/// - ``cursor(parameter:next:)``: each page names the next in a field
///   (`"next_cursor": "abc"`); ends when it is missing, null or empty (Stripe, Slack).
/// - ``nextLink``: RFC 8288 `Link: <…>; rel="next"` headers (GitHub); ends
///   when a page has none.
/// - ``offset(parameter:limitParameter:pageSize:)``: `?offset=0&limit=100`,
///   `?offset=100&limit=100`, …; ends at a page shorter than the limit.
/// - ``pageNumber(parameter:first:pageSize:)``: `?page=1`, `?page=2`, …; ends
///   at an empty page, or at a short one when the page size is known.
public struct Pagination: Sendable, Hashable {
  enum Style: Sendable, Hashable {
    case cursor(parameter: String, next: String)
    case nextLink
    case offset(parameter: String, limitParameter: String, pageSize: Int)
    case pageNumber(parameter: String, first: Int, pageSize: Int?)
  }
  let style: Style

  /// The next page's cursor is the field `next` of each page (a dotted path,
  /// `meta.next_cursor`), sent back as the query parameter `parameter`.
  public static func cursor(parameter: String = "cursor", next: String = "next_cursor") -> Pagination {
    Pagination(style: .cursor(parameter: parameter, next: next))
  }

  /// The next page is the `Link` header's `rel="next"` target (RFC 8288).
  public static var nextLink: Pagination { Pagination(style: .nextLink) }

  /// `offset` and `limit` query parameters, `pageSize` items a page.
  public static func offset(parameter: String = "offset", limitParameter: String = "limit", pageSize: Int = 100)
    -> Pagination
  {
    precondition(pageSize > 0, "offset pagination needs a positive page size, got \(pageSize)")
    return Pagination(style: .offset(parameter: parameter, limitParameter: limitParameter, pageSize: pageSize))
  }

  /// A page number query parameter, from `first`; with `pageSize`, a shorter
  /// page is the last (no request for an empty one after it).
  public static func pageNumber(parameter: String = "page", first: Int = 1, pageSize: Int? = nil) -> Pagination {
    Pagination(style: .pageNumber(parameter: parameter, first: first, pageSize: pageSize))
  }
}

/// `url` with the query parameters `values` set (replacing any of the same name).
func settingQuery(_ url: String, _ values: [(String, String)]) -> String {
  guard var components = URLComponents(string: url) else { return url }
  var items = components.queryItems ?? []
  for (name, value) in values {
    items.removeAll { $0.name == name }
    items.append(URLQueryItem(name: name, value: value))
  }
  components.queryItems = items
  return components.string ?? url
}

/// The `rel="next"` target of `Link` header values (RFC 8288), resolved
/// against `base`; nil if there is none.
func nextLink(in values: [String], base: String) -> String? {
  for value in values {
    // Links are separated by commas outside <…>; parameters by semicolons.
    var links: [Substring] = []
    var depth = 0, start = value.startIndex
    for index in value.indices {
      switch value[index] {
      case "<": depth += 1
      case ">": depth = max(0, depth - 1)
      case "," where depth == 0:
        links.append(value[start..<index])
        start = value.index(after: index)
      default: break
      }
    }
    links.append(value[start...])
    for link in links {
      let parts = link.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
      guard let target = parts.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
      let isNext = parts.dropFirst().contains { parameter in
        let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard pair.count == 2, pair[0].lowercased() == "rel" else { return false }
        let relations = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased()
        return relations.split(separator: " ").contains("next")
      }
      if isNext {
        let reference = String(target.dropFirst().dropLast())
        return URL(string: reference, relativeTo: URL(string: base))?.absoluteString ?? reference
      }
    }
  }
  return nil
}
