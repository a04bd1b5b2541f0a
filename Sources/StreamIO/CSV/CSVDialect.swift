/// How a CSV file is written: its delimiter and quote character, and whether
/// its first record is a header. Python: `csv.Dialect` (`delimiter`, `quotechar`),
/// with `csv.DictReader` for a header.
public struct CSVDialect: Sendable, Hashable {
  /// The field separator, one ASCII byte. Default `,`.
  public var delimiter: UInt8
  /// The quote character, one ASCII byte. Default `"`.
  public var quote: UInt8
  /// Whether the first record names the columns. Default true.
  public var hasHeader: Bool

  public init(delimiter: Character = ",", quote: Character = "\"", hasHeader: Bool = true) {
    precondition(
      delimiter.isASCII && quote.isASCII && delimiter != quote && delimiter != "\n" && delimiter != "\r"
        && quote != "\n" && quote != "\r",
      "delimiter \(delimiter.debugDescription) and quote \(quote.debugDescription) must be distinct ASCII characters other than CR and LF")
    self.delimiter = delimiter.asciiValue!
    self.quote = quote.asciiValue!
    self.hasHeader = hasHeader
  }

  /// Comma-separated, double quotes, with a header (RFC 4180).
  public static var standard: CSVDialect { CSVDialect() }
  /// Tab-separated, with a header.
  public static var tabSeparated: CSVDialect { CSVDialect(delimiter: "\t") }
}

/// What a reader does with a record it cannot parse, or a line that is too long.
public typealias CSVErrorPolicy = ReadErrorPolicy

/// What a reader does with a record it cannot parse, or a line that is too
/// long. Python: `errors="strict"` or skipping with a counter.
public enum ReadErrorPolicy: Sendable, Hashable {
  /// Throw the error (the default).
  case `throw`
  /// Skip the record, count it in ``CSVReader/skippedRecords`` and keep its
  /// error in ``CSVReader/skippedErrors``, and go on with the next line.
  case skip
}
