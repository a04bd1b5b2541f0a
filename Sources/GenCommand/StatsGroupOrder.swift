import Foundation

/// The order of the groups in `stats`' table: by the Unicode scalars of
/// each key's NFC form, which is what Swift's `<` on strings means. It is
/// worked out here because Swift 6.3's `<` is not consistent between keys
/// in different normal forms ("Zoe\u{308} 1" is neither less nor more than
/// "Zoë 10", though "Zoë 1" is less): a sort could then place equal keys
/// apart, and the merge of spilled runs (``StatsSpill``) needs equal keys
/// side by side. Keys that are equal as strings (canonically equivalent)
/// have the same sort key, so they stay one group, as in a dictionary.
///
/// Python: `sorted(groups, key=lambda k: unicodedata.normalize("NFC", k))`.
enum StatsGroupOrder {
  /// The key to sort `group` by: itself when it is ASCII (no copy), else its NFC form.
  static func sortKey(_ group: String) -> String {
    group.utf8.allSatisfy { $0 < 0x80 } ? group : group.precomposedStringWithCanonicalMapping
  }

  /// The positions of `groups` in table order.
  static func order(_ groups: [String]) -> [Int] {
    let keys = groups.map(sortKey)
    return groups.indices.sorted { keys[$0] < keys[$1] }
  }
}
