/// Prints `rows` (the first is the header) as columns separated by two spaces, each padded
/// to its widest cell except the last, which is left as it is.
func printTable(_ rows: [[String]]) {
  guard let header = rows.first else { return }
  let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
  for row in rows {
    let cells = row.enumerated().map { column, cell in
      column == row.count - 1
        ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
    }
    print(cells.joined(separator: "  "))
  }
}
