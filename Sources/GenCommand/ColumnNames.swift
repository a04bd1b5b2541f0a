import StreamIO

/// Column names that are unique, so that a record's fields can be told
/// apart by name: a header `a,a,b` or `,,` would otherwise let one column's
/// values stand in for another's.
struct ColumnNames {
  private(set) var names: [String] = []
  /// `names.count`, kept apart: read for every CSV row, the array's count
  /// was a call in the verbs' long row loops.
  private(set) var count = 0
  private var taken: Set<ExactText> = []  // (by code points: "é" and "e\u{301}" are two names)
  /// What was renamed, for one warning: "a → a_2 (column 2)".
  private(set) var renamed: [String] = []

  /// The header's names, made unique deterministically: an empty name
  /// becomes `column_N` (N its 1-based position), a repeated one `name_2`,
  /// `name_3`, … (the first keeps its name), never taking a name the header
  /// itself uses.
  init(header: [String]) {
    let reserved = Set(header.map(ExactText.init))  // a renamed column never takes a name the header uses
    var nextSuffix: [ExactText: Int] = [:]  // per name: where to look on (no quadratic search)
    for (index, name) in header.enumerated() {
      var unique = name.isEmpty ? "column_\(index + 1)" : name
      if taken.contains(ExactText(unique)) || (name.isEmpty && reserved.contains(ExactText(unique))) {
        let base = unique
        var suffix = nextSuffix[ExactText(base), default: 2]
        repeat {
          unique = "\(base)_\(suffix)"
          suffix += 1
        } while reserved.contains(ExactText(unique)) || taken.contains(ExactText(unique))
        nextSuffix[ExactText(base)] = suffix
      }
      taken.insert(ExactText(unique))
      names.append(unique)
      if !unique.hasSameCodePoints(as: name) { renamed.append("\"\(name)\" → \"\(unique)\" (column \(index + 1))") }
    }
    count = names.count
  }

  /// Names columns past the header's (ragged rows, or no header) by their
  /// 1-based position, made unique the same way.
  mutating func extend(to count: Int) {
    while names.count < count {
      let base = String(names.count + 1)
      var unique = base
      var suffix = 2
      while taken.contains(ExactText(unique)) {  // a header name like "30": rare, and few tries
        unique = "\(base)_\(suffix)"
        suffix += 1
      }
      taken.insert(ExactText(unique))
      names.append(unique)
    }
    self.count = names.count
  }

  /// The warning to print once, or nil if no header name was changed.
  func warning(path: String) -> String? {
    guard !renamed.isEmpty else { return nil }
    let shown = renamed.prefix(5).joined(separator: ", ") + (renamed.count > 5 ? ", … (\(renamed.count) in all)" : "")
    return escapingControls("gen: \(path): the header has empty or repeated names; renamed \(shown)") + "\n"
  }
}
