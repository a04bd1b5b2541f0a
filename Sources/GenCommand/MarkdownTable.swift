/// A Markdown table with aligned columns.
struct MarkdownTable {
  var header: [String]
  var rows: [[String]]
  /// Columns from this index on are right-aligned.
  var numericFrom: Int

  var text: String {
    var layout = MarkdownLayout(header: header, numericFrom: numericFrom)
    for row in rows { layout.measure(row) }
    return layout.line(header) + layout.rule + rows.map(layout.line).joined()
  }
}

/// Column widths measured over every row first, then each line written on
/// its own: a table of millions of rows (stats per group) is never held whole.
struct MarkdownLayout {
  private(set) var widths: [Int]
  let numericFrom: Int

  init(header: [String], numericFrom: Int) {
    widths = header.map { max(3, $0.count) }
    self.numericFrom = numericFrom
  }

  mutating func measure(_ cells: [String]) {
    while widths.count < cells.count { widths.append(3) }
    for (index, cell) in cells.enumerated() where cell.count > widths[index] { widths[index] = cell.count }
  }

  func line(_ cells: [String]) -> String {
    let padded = (0..<widths.count).map { index -> String in
      let cell = index < cells.count ? cells[index] : ""
      let pad = String(repeating: " ", count: widths[index] - cell.count)
      return index >= numericFrom ? pad + cell : cell + pad
    }
    return "| " + padded.joined(separator: " | ") + " |\n"
  }

  var rule: String {
    "|" + (0..<widths.count).map { index in
      String(repeating: "-", count: widths[index] + 1) + (index >= numericFrom ? ":" : "-")
    }.joined(separator: "|") + "|\n"
  }
}
