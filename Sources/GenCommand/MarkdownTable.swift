/// A Markdown table with aligned columns.
struct MarkdownTable {
  var header: [String]
  var rows: [[String]]
  /// Columns from this index on are right-aligned.
  var numericFrom: Int

  var text: String {
    let columnCount = ([header] + rows).map(\.count).max() ?? 0
    var widths = [Int](repeating: 3, count: columnCount)
    for row in [header] + rows {
      for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
    }
    func line(_ cells: [String]) -> String {
      let padded = (0..<columnCount).map { index -> String in
        let cell = index < cells.count ? cells[index] : ""
        let pad = String(repeating: " ", count: widths[index] - cell.count)
        return index >= numericFrom ? pad + cell : cell + pad
      }
      return "| " + padded.joined(separator: " | ") + " |\n"
    }
    let rule = "|" + (0..<columnCount).map { index in
      String(repeating: "-", count: widths[index] + 1) + (index >= numericFrom ? ":" : "-")
    }.joined(separator: "|") + "|\n"
    return line(header) + rule + rows.map(line).joined()
  }
}
