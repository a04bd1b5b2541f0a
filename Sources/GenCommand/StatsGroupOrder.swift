import StreamIO

/// The order of the groups in `stats`' table: by the code points of each
/// key, which is also the order of their UTF-8 bytes (``ExactText``).
/// Keys are told apart the same way, so this is a total order in which
/// equal keys, and only those, sort side by side, as the merge of spilled
/// runs (``StatsSpill``) needs. (Swift's `<` on strings compares canonical
/// forms, and in Swift 6.3 is not even consistent between keys in
/// different normal forms.)
///
/// Python: `sorted(groups)`; DuckDB's and polars' ORDER BY (binary collation).
enum StatsGroupOrder {
  /// The positions of `groups` in table order.
  static func order(_ groups: [String]) -> [Int] {
    let keys = groups.map(ExactText.init)
    return groups.indices.sorted { keys[$0] < keys[$1] }
  }
}
