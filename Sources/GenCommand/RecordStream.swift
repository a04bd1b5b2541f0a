import ArgumentParser
import Generators
import StreamIO
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The formats `gen` reads and writes.
package enum InputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
  case csv, jsonl, lines

  /// The format a `Content-Type` names, if it names one of ours.
  init?(contentType: String) {
    let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    switch type {
    case "text/csv", "application/csv", "text/tab-separated-values": self = .csv
    case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
      "application/jsonlines", "application/json-lines":
      self = .jsonl
    default: return nil
    }
  }

  /// From the file name: `.csv`, `.tsv`, `.jsonl`, `.ndjson` (each also with
  /// `.gz`); anything else, and standard input, is lines.
  package static func detect(_ path: String) -> InputFormat {
    let lowercased = path.lowercased()  // SALES.CSV is CSV too
    let name = lowercased.hasSuffix(".gz") ? String(lowercased.dropLast(3)) : lowercased
    if name.hasSuffix(".csv") || name.hasSuffix(".tsv") { return .csv }
    if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return .jsonl }
    return .lines
  }
}

/// The input options every streaming verb shares.
package struct InputOptions: ParsableArguments {
  @Argument(help: "A file to read (gzip is decompressed), or - for standard input.")
  package var input: String = "-"

  package init() {}

  @Option(help: "csv, jsonl or lines. Default: from the file name (.csv, .tsv, .jsonl, .ndjson, also .gz), else lines; standard input by its first bytes.")
  package var format: InputFormat?

  @Option(help: "The CSV field delimiter, one character (\\t for tab). Default: , (tab for .tsv).")
  package var delimiter: String?

  @Flag(help: "The CSV has no header row: columns are named 1, 2, 3, …")
  package var noHeader = false

  @Option(
    help: ArgumentHelp(
      """
      The CSV's column names, comma-separated, for input without a header line (a partition after \
      the first, in Spark or Hadoop Streaming): every line is data, and CSV output has no header \
      line either. Implies --format csv.
      """, valueName: "names"))
  package var header: String?

  @Option(
    help: ArgumentHelp(
      "Like --header, with the names from the first line of this CSV file (the whole file's header).",
      valueName: "file"))
  package var headerFrom: String?

  @Flag(help: "Skip records that do not parse, and lines or records over --max-line-length; report how many on stderr.")
  package var skipBad = false

  @Option(help: "The longest line (JSON Lines, lines) or CSV record accepted, in bytes.")
  package var maxLineLength = LineReader.defaultMaxLineLength

  @Flag(inversion: .prefixedNo, help: "Show a progress bar on stderr when it is a terminal.")
  package var progress = true

  package func validate() throws {
    guard maxLineLength >= 1 && maxLineLength <= 1 << 30 else {
      throw ValidationError("--max-line-length must be from 1 to 1073741824 (1 GiB), not \(maxLineLength)")
    }
    if header != nil || headerFrom != nil {
      if header != nil && headerFrom != nil { throw ValidationError("--header and --header-from do not go together") }
      if noHeader { throw ValidationError("--no-header and --header\(header == nil ? "-from" : "") do not go together") }
      if let format, format != .csv { throw ValidationError("--header names CSV columns; the input is read as \(format.rawValue)") }
      if let header, Self.names(header).isEmpty { throw ValidationError("--header needs at least one name") }
    }
    if let delimiter, delimiterByte(delimiter) == nil {
      throw ValidationError("--delimiter must be one ASCII character (not a quote or a line break) or \\t, not \"\(escapingControls(delimiter))\"")
    }
  }

  package var resolvedFormat: InputFormat { format ?? (headerGiven ? .csv : InputFormat.detect(input)) }

  /// Whether --header or --header-from names the columns.
  package var headerGiven: Bool { header != nil || headerFrom != nil }

  /// The names that --header or --header-from give, if any; --header-from
  /// reads its file's first record with the input's `dialect`.
  func givenHeader(dialect: CSVDialect) throws -> [String]? {
    if let header { return Self.names(header) }
    guard let headerFrom else { return nil }
    var fileDialect = dialect
    fileDialect.hasHeader = true
    guard let names = try CSVReader(path: headerFrom, dialect: fileDialect).header else {
      throw GenFailure.usage("--header-from \(headerFrom): the file is empty, it has no header line to take the names from")
    }
    return names
  }

  /// A comma-separated list of names; a name in double quotes may hold a
  /// comma (doubled quotes for a quote), as in a CSV header.
  package static func names(_ text: String) -> [String] {
    var names: [String] = []
    var name = ""
    var quoted = false
    let characters = Array(text)
    var index = 0
    while index < characters.count {
      let character = characters[index]
      index += 1
      if quoted {
        if character != "\"" {
          name.append(character)
        } else if index < characters.count && characters[index] == "\"" {
          name.append("\"")
          index += 1
        } else {
          quoted = false
        }
      } else if character == "\"" && name.isEmpty {
        quoted = true
      } else if character == "," {
        names.append(name)
        name = ""
      } else {
        name.append(character)
      }
    }
    names.append(name)
    return names == [""] ? [] : names
  }

  package var dialect: CSVDialect {
    let lowercased = input.lowercased()
    let name = lowercased.hasSuffix(".gz") ? String(lowercased.dropLast(3)) : lowercased
    let byte = delimiter.flatMap(delimiterByte) ?? (name.hasSuffix(".tsv") ? 0x09 : UInt8(ascii: ","))
    return CSVDialect(delimiter: Character(Unicode.Scalar(byte)), hasHeader: !noHeader)
  }

  private func delimiterByte(_ text: String) -> UInt8? {
    if text == "\\t" { return 0x09 }
    guard text.utf8.count == 1, let byte = text.utf8.first, byte < 0x80, byte != UInt8(ascii: "\""),
      byte != 0x0A, byte != 0x0D
    else { return nil }
    return byte
  }
}

/// One record, whatever the format: named fields, in order.
/// A record's field: a name and a JSON value, as a JSON object's member is.
package typealias Field = JSONMember

package struct Record {
  package var fields: [Field]
  /// The line as read (JSON Lines and plain lines), to pass through unchanged.
  package var raw: String?
  /// The input line it starts on, for messages.
  package var line: Int? = nil

  /// The value of the first field named `name` (by code points, as Python's dict keys).
  package func value(_ name: String) -> JSONValue? { fields.first { $0.name.hasSameCodePoints(as: name) }?.value }
}

/// Records from a file or standard input, in any of the formats, in constant
/// memory; counts what it skips; draws progress in bytes.
package final class RecordStream {
  package let format: InputFormat
  /// CSV: the input's dialect (its delimiter sniffed from standard input when not given).
  package let dialect: CSVDialect
  package let path: String
  /// CSV: the header made unique (or 1, 2, … without one), then positions
  /// for the fields of longer rows. JSON Lines: the first record's keys.
  /// Lines: `line`.
  package var columns: [String] { names.names }
  // (Unchecked, as the range's bounds below: read for every row, by one thread.)
  @exclusivity(unchecked) private var names: ColumnNames
  /// CSV: the header's width, if it has one.
  private let headerCount: Int?
  /// CSV: --header or --header-from named the columns; the input has no header line.
  package let headerGiven: Bool
  /// CSV rows with more or fewer fields than the header.
  @exclusivity(unchecked) package private(set) var raggedRows = 0
  package private(set) var skipped = 0
  private var skippedErrors: [StreamIOError] = []
  private let csv: CSVReader?
  private let lines: LineReader?
  private let skipBad: Bool
  private let progress: ProgressReporter?
  @exclusivity(unchecked) private var position = 0
  private let environment: GenEnvironment
  /// A range's reader (a `--threads` worker): its first byte's offset in
  /// the file, and where the next range starts (its rows stop there).
  // (Unchecked: read for every row, by one thread.)
  @exclusivity(unchecked) private var rangeStart = 0
  @exclusivity(unchecked) private var rangeStop: Int?
  /// Whether the rows ended exactly at `rangeStop`, as the range after it
  /// assumed (false: that range started inside a record; see CSVSplit).
  @exclusivity(unchecked) private(set) var endedAtStop = true
  /// Whether a CSV range's source ends at `rangeStop` (its byte before it
  /// a line break): then no row's offset need be compared with the stop.
  /// The rows read up to there from a record's start end exactly there if
  /// the reader ends there without an error: outside a quoted field, a
  /// line break ends a record; inside one, the end of input is an error.
  @exclusivity(unchecked) private var rangeBounded = false

  /// A `--threads` worker's stream: the CSV rows of `path` that start at or
  /// after `start` (a record's start) and before `stop`, named by `header`.
  init(
    csvRangeOf path: String, from start: Int, to stop: Int?, header: [String]?, dialect: CSVDialect,
    maxLineLength: Int, environment: GenEnvironment
  ) throws {
    self.environment = environment
    format = .csv
    self.dialect = dialect
    self.path = path
    let descriptor = try Self.open(path, at: start)
    let source = try ByteSource(descriptor: descriptor, name: path, closeWhenDone: true, compression: .none)
    var readerDialect = dialect
    readerDialect.hasHeader = false
    let reader = try CSVReader(source: source, dialect: readerDialect, maxRecordSize: maxLineLength, onError: .throw)
    if start > 0 { reader.startsInsideFile() }  // (a byte-order mark is data but at the file's start)
    csv = reader
    lines = nil
    names = ColumnNames(header: header ?? [])
    headerCount = header?.count
    headerGiven = true
    skipBad = false
    progress = nil
    rangeStart = start
    rangeStop = stop
    if let stop { bound(source, at: stop, rawBytes: stop - start) }
  }

  /// A `--threads` worker's stream over JSON Lines or plain lines: the lines
  /// of `path` that start at or after `start` (a line's start) and before `stop`.
  init(
    linesRangeOf path: String, format: InputFormat, from start: Int, to stop: Int?, maxLineLength: Int,
    environment: GenEnvironment
  ) throws {
    self.environment = environment
    self.format = format
    dialect = .standard
    self.path = path
    let descriptor = try Self.open(path, at: start)
    let source = try ByteSource(descriptor: descriptor, name: path, closeWhenDone: true, compression: .none)
    csv = nil
    lines = LineReader(source: source, maxLineLength: maxLineLength, onError: .throw)
    names = ColumnNames(header: format == .lines ? ["line"] : [])
    headerCount = nil
    headerGiven = false
    skipBad = false
    progress = nil
    rangeStart = start
    rangeStop = stop
  }

  /// `path` opened for reading at `offset` (closed again if the seek fails).
  private static func open(_ path: String, at offset: Int) throws(StreamIOError) -> FileDescriptor {
    let descriptor: FileDescriptor
    do {
      descriptor = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
    } catch {
      throw StreamIOError(.io, "cannot open for reading: \(error)", path: path, errno: error as? Errno)
    }
    do {
      _ = try descriptor.seek(offset: Int64(offset), from: .start)
    } catch {
      try? descriptor.close()
      throw StreamIOError(.io, "cannot seek to byte \(offset): \(error)", path: path, errno: error as? Errno)
    }
    return descriptor
  }

  /// The stream of range `index` of `starts` (`--threads`): this one for the
  /// first (its header read), a new one from the range's start for the others.
  func range(_ index: Int, of starts: [Int], maxLineLength: Int, environment: GenEnvironment) throws -> RecordStream {
    guard index > 0 else { return self }
    let stop = index + 1 < starts.count ? starts[index + 1] : nil
    guard format == .csv else {
      return try RecordStream(
        linesRangeOf: path, format: format, from: starts[index], to: stop, maxLineLength: maxLineLength,
        environment: environment)
    }
    return try RecordStream(
      csvRangeOf: path, from: starts[index], to: stop, header: header, dialect: dialect, maxLineLength: maxLineLength,
      environment: environment)
  }

  /// Makes the rows stop where the next range starts (the first range's stream).
  func stop(at offset: Int) {
    rangeStop = offset
    if let csv { bound(csv.source, at: offset, rawBytes: offset) }
  }

  /// Ends a CSV range's `source` at the file's byte `stop` (`rawBytes` from
  /// where it reads) if a line break comes before it (see ``rangeBounded``)
  /// and the source has not read past it.
  private func bound(_ source: ByteSource, at stop: Int, rawBytes: Int) {
    guard stop > 0, let descriptor = try? FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) else {
      return
    }
    defer { try? descriptor.close() }
    var byte: UInt8 = 0
    let read = try? withUnsafeMutableBytes(of: &byte) { try descriptor.read(fromAbsoluteOffset: Int64(stop - 1), into: $0) }
    guard read == 1, byte == 0x0A else { return }
    rangeBounded = source.end(afterRawBytes: rawBytes)
  }

  /// A range's rows ended before a row at or past its stop: at the end of
  /// the file, or of a bounded source (``rangeBounded``).
  private func rangeEndedAtEndOfInput() {
    guard rangeStop != nil else { return }
    // (The file ending first means the stop was not a record start.)
    endedAtStop = rangeBounded && csv!.source.endedAtRawLimit
  }

  /// Whether it was made to stop at a range's end (it was read in a `--threads`
  /// attempt: read the input with ``reopened()`` instead).
  var rangeStopped: Bool { rangeStop != nil }

  /// Counts the ragged rows of the other ranges (`--threads`) with these, for ``reportRagged(_:)``.
  func addRagged(_ count: Int) { raggedRows += count }

  /// JSON Lines: the records that repeated a key (see RepeatedKeys.swift), for ``reportSkipped()``.
  private(set) var repeatedKeys = RepeatedKeyNote()

  /// Whether records that repeat a key are noted (for ``reportSkipped()``):
  /// false for a verb whose output a repeated key does not change (`head`
  /// writes records as read, `count` counts them).
  var notesRepeatedKeys = true

  /// Counts other ranges' records that repeated a key (`--threads`) with these.
  func addRepeatedKeys(_ note: RepeatedKeyNote) { repeatedKeys.add(note) }

  /// The options it was opened with (nil: a range's stream).
  private var options: InputOptions?

  /// The same input from its start again, after `--threads` found a split
  /// wrong: the header's warnings are not repeated.
  func reopened() throws -> RecordStream {
    let stream = try RecordStream(options!, environment: environment, warnings: false)
    stream.notesRepeatedKeys = notesRepeatedKeys
    return stream
  }

  package init(_ options: InputOptions, environment: GenEnvironment, warnings: Bool = true) throws {
    self.environment = environment
    self.options = options
    var options = options  // (a URL's format may come from its Content-Type)
    let lowercased = options.input.lowercased()
    let name = lowercased.hasSuffix(".gz") ? String(lowercased.dropLast(3)) : lowercased
    if options.format == nil && name.hasSuffix(".json") {
      throw GenFailure.usage(
        "\(options.input): a .json file is one JSON document, and gen reads records: JSON Lines (one object "
          + "per line). Convert an array with `jq -c '.[]' \(options.input) > records.jsonl`, or pass "
          + "--format jsonl if the file already has one object per line")
    }
    skipBad = options.skipBad
    let source: ByteSource
    var isStandardInput = options.input == "-" || options.input == "/dev/stdin" || options.input == "/dev/fd/0"
    if options.input == "-" {
      source = try environment.stdin()
    } else if Companion.isURL(options.input), let openURL = environment.openURL {
      let opened = try openURL(options.input)
      source = opened.source
      // Its name (the URL's path), else its Content-Type, else its first bytes say what it is.
      if options.format == nil && !options.headerGiven {
        let byName = InputFormat.detect(Companion.urlPath(options.input))
        if byName != .lines {
          options.format = byName
        } else if let format = opened.contentType.flatMap(InputFormat.init(contentType:)) {
          options.format = format
        } else {
          isStandardInput = true  // sniffed as standard input is
        }
      }
    } else {
      source = try ByteSource(path: options.input)
    }
    path = source.path
    var dialect = options.dialect
    if isStandardInput && options.format == nil && options.headerGiven {
      // The names say it is CSV; its first bytes may still tell the delimiter.
      format = .csv
      if options.delimiter == nil,
        case .csv(let delimiter) = SniffedFormat.sniff(try source.peek(64 * 1024, until: SniffedFormat.canDecide))
      {
        dialect.delimiter = delimiter
      }
    } else if isStandardInput && options.format == nil {
      // Standard input has no name to go by: its first bytes say what it is.
      switch SniffedFormat.sniff(try source.peek(64 * 1024, until: SniffedFormat.canDecide)) {
      case .csv(let delimiter):
        format = .csv
        if options.delimiter == nil { dialect.delimiter = delimiter }
      case .jsonl: format = .jsonl
      case .lines: format = .lines
      case .jsonDocument:
        throw GenFailure.usage(
          "standard input starts with [: a JSON document, and gen reads records: JSON Lines (one object per "
            + "line). Convert an array with `jq -c '.[]'`, or pass --format to say what it is")
      }
    } else {
      format = options.resolvedFormat
    }
    self.dialect = dialect
    let policy: ReadErrorPolicy = options.skipBad ? .skip : .throw
    switch format {
    case .csv:
      let given = try options.givenHeader(dialect: dialect)
      var readerDialect = dialect
      if given != nil { readerDialect.hasHeader = false }  // every line is data
      let reader = try CSVReader(
        source: source, dialect: readerDialect, maxRecordSize: options.maxLineLength, onError: policy)
      csv = reader
      lines = nil
      let header = given ?? reader.header
      names = ColumnNames(header: header ?? [])
      headerCount = header?.count
      headerGiven = given != nil
      if warnings, let warning = names.warning(path: source.path) { environment.stderr(warning) }
    case .jsonl, .lines:
      csv = nil
      lines = LineReader(source: source, maxLineLength: options.maxLineLength, onError: policy)
      names = ColumnNames(header: format == .lines ? ["line"] : [])
      headerCount = nil
      headerGiven = false
    }
    if options.progress, environment.stderrIsTerminal {
      // A gzip file's size says nothing of how many bytes it decompresses to.
      // Peeking makes the source look at its first bytes and decide.
      var size: Int?
      if options.input != "-" {
        _ = try source.peek(1)
        if !source.isDecompressing { size = Self.fileSize(options.input) }
      }
      progress = ProgressReporter(
        total: size, label: options.input == "-" ? "stdin" : options.input, unit: .bytes, output: .terminal,
        write: environment.stderr)
    } else {
      progress = nil
    }
  }

  package static func fileSize(_ path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int(info.st_size)
  }

  /// Whether the input names its columns (CSV with a header, or JSON Lines).
  package var hasNamedColumns: Bool { format == .jsonl || (format == .csv && headerCount != nil) }

  /// Whether CSV output starts with a header line: when the input had one.
  /// With --header it had none, so each partition's output has none either
  /// and they concatenate into one file.
  package var writesHeader: Bool { format == .csv && headerCount != nil && !headerGiven }

  /// CSV with a header (read, or given): its names, made unique.
  package var header: [String]? {
    guard format == .csv, let headerCount else { return nil }
    return Array(columns.prefix(headerCount))
  }

  /// How many bad records were skipped (--skip-bad).
  package var skippedTotal: Int { skipped + (csv?.skippedRecords ?? 0) + (lines?.skippedLines ?? 0) }

  /// The next record, or nil at the end.
  package func next() throws -> Record? {
    while true {
      let record: Record?
      do {
        record = try read()
      } catch let error as StreamIOError where skipBad && error.exitStatus == .dataError {
        noteSkipped(error)
        continue
      }
      guard let record else {
        finishProgress()
        return nil
      }
      return record
    }
  }

  /// Counts the remaining records without decoding their fields.
  func countRemaining() throws -> Int {
    var count = 0
    /// A range's stream (`--threads`): stops at the first record that starts at or after its stop.
    struct RangeEnded: Error {}
    let stop = rangeStop.map { $0 &- rangeStart } ?? Int.max
    func isPastStop(_ offset: Int) -> Bool {
      guard offset >= stop else { return false }
      endedAtStop = offset == stop
      return true
    }
    do {
      switch format {
      case .csv:
        // No fields noted: line breaks counted 64 bytes at a time (CSVReader+Count.swift).
        let counted = try csv!.countRecords(before: stop) { advanceProgress(to: $0) }
        count = counted.count
        if let stoppedAt = counted.stoppedAt, isPastStop(stoppedAt) { throw RangeEnded() }
      case .lines:
        // Lines lent, not handed over: no reference counting per line.
        try lines!.forEachLine { line in
          if isPastStop(line.byteOffset) { throw RangeEnded() }
          count += 1
          advanceProgress(to: line.byteOffset)
        }
      case .jsonl:
        // Each line checked as the parser would accept it, without building
        // its values: plain flat objects many lines at a time, 64 bytes at a
        // time; any other line alone, and one that is not plainly an object
        // is parsed, so a bad one reports (or, with --skip-bad, is counted)
        // exactly as elsewhere.
        let atFileStart = rangeStart == 0
        try lines!.forEachLentBlock { block in
          // (Only lines that start before the range's stop: it is a line's start.)
          let offset = block.byteOffset
          guard offset < stop else { return TakenLines(byteCount: 0, lineCount: 0) }
          let bytes = block.bytes
          let taken = JSONValue.plainObjectLines(in: UnsafeRawBufferPointer(rebasing: bytes[..<Swift.min(bytes.count, stop &- offset)]))
          count &+= taken.lineCount
          advanceProgress(to: offset &+ taken.byteCount)
          return taken
        } line: { line in
          let offset = line.byteOffset
          if isPastStop(offset) { throw RangeEnded() }
          advanceProgress(to: offset)
          var bytes = line.bytes
          if atFileStart && line.number == 1 && bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes = UnsafeRawBufferPointer(rebasing: bytes[3...])
          }
          if JSONValue.isObject(bytes) {
            count += 1
            return
          }
          count += try countJSONRecord(line.line)
        }
      }
      rangeEndedAtEndOfInput()
    } catch is RangeEnded {}
    finishProgress()
    return count
  }

  /// CSV only: the next row as the reader read it (no String made), for verbs
  /// that work on bytes (see CSVFastPaths.swift). Its columns are named.
  /// A row with no fields (a blank line) is not a record, as for Python's
  /// `csv.DictReader`.
  package func nextRow() throws -> CSVRecord? {
    while true {
      guard let row = try csv!.next() else {
        finishProgress()
        rangeEndedAtEndOfInput()
        return nil
      }
      if let rangeStop, rangeStart &+ row.byteOffset >= rangeStop {
        endedAtStop = rangeStart &+ row.byteOffset == rangeStop
        finishProgress()
        return nil
      }
      advanceProgress(to: row.byteOffset)
      if row.count == 0 { continue }
      if let headerCount, row.count != headerCount { raggedRows += 1 }
      // No header, or a ragged row longer than the header: name by position.
      if columns.count < row.count { names.extend(to: row.count) }
      return row
    }
  }

  /// ``nextRow()`` for every row, each lent to `body` (CSVReader's
  /// `forEachRecord`), until the end (of a `--threads` range: its stop).
  /// (Inlined, so that `body` is too and the reference counting of each
  /// row can be optimized away.)
  @inline(__always)
  package func forEachRow(_ body: (CSVRecord) throws -> Void) throws {
    struct RangeEnded: Error {}
    let stop = rangeStop.map { $0 &- rangeStart } ?? Int.max
    // (A row's offset only for a range's stop or the progress bar: worked
    // out from its first field, it was a tenth of stats' work per row.)
    let needsOffsets = (rangeStop != nil && !rangeBounded) || progress != nil
    do {
      try csv!.forEachRecord { row in
        if needsOffsets {
          let offset = row.byteOffset
          if offset >= stop {
            endedAtStop = offset == stop
            throw RangeEnded()
          }
          advanceProgress(to: offset)
        }
        if row.count == 0 { return }
        if let headerCount, row.count != headerCount { raggedRows += 1 }
        // No header, or a ragged row longer than the header: name by position.
        if names.count < row.count { names.extend(to: row.count) }
        try body(row)
      }
      rangeEndedAtEndOfInput()
    } catch is RangeEnded {}
    finishProgress()
  }

  /// `row` as a `Record` of strings; nil if a field is not UTF-8 and
  /// `--skip-bad` skips the row (counted), else that error.
  package func record(from row: CSVRecord) throws(StreamIOError) -> Record? {
    do {
      return try csvRecord(row)
    } catch {
      guard skipBad && error.exitStatus == .dataError else { throw error }
      noteSkipped(error)
      return nil
    }
  }

  private func csvRecord(_ row: CSVRecord) throws(StreamIOError) -> Record {
    var fields: [Field] = []
    fields.reserveCapacity(row.count)
    let columns = self.columns
    for index in 0..<row.count { fields.append(Field(columns[index], .string(try row.string(index)))) }
    return Record(fields: fields, raw: nil, line: row.line)
  }

  private func read() throws -> Record? {
    switch format {
    case .csv:
      guard let row = try nextRow() else { return nil }
      return try csvRecord(row)
    case .lines:
      guard let line = try lines!.next() else { return nil }
      advanceProgress(to: line.byteOffset)
      let text = try line.string()
      return Record(fields: [Field("line", .string(text))], raw: text, line: line.number)
    case .jsonl:
      while true {
        guard let line = try nextJSONLine() else { return nil }
        if let record = try jsonRecord(from: line) { return record }
      }
    }
  }

  /// JSON Lines: the next line, as read (blank or bad, too), nil at the end
  /// (of a `--threads` range: its stop). Turn it into a record with
  /// ``record(fromJSONLine:)``, or read its fields from its bytes.
  package func nextJSONLine() throws(StreamIOError) -> Line? {
    guard let line = try lines!.next() else {
      if rangeStop != nil { endedAtStop = false }  // the file ended first: the stop was not a line start
      finishProgress()
      return nil
    }
    if let rangeStop, rangeStart &+ line.byteOffset >= rangeStop {
      endedAtStop = rangeStart &+ line.byteOffset == rangeStop
      finishProgress()
      return nil
    }
    advanceProgress(to: line.byteOffset)
    return line
  }

  /// ``nextJSONLine()`` for every line, each lent to `body` (see
  /// ``LentLine``: no reference counting per line) until the end (of a
  /// `--threads` range: its stop), with its members as
  /// ``JSONValue/members(of:into:)`` finds them (nil: not an object it can
  /// take apart; parse the line), lent as the line is. `body` must keep
  /// nothing of a line or its members but what it copies, or its
  /// ``LentLine/line``. Runs of plain flat objects
  /// are checked many lines at a time, their members found from the same bit
  /// masks (``JSONValue/forEachPlainObjectLine(in:members:events:_:)``);
  /// other lines one by one. (Inlined, so that `body` is too where lines
  /// go one by one: called through a pointer, its captures were reloaded per
  /// line. The block path calls it through one, once a line.)
  ///
  /// A line that repeats a key comes with nil members, so that it is read
  /// as a record, as Python reads it (see RepeatedKeys.swift), unless
  /// `routingRepeatedKeys` is false: for a `body` that compares every key of
  /// a line with ones it knows to be distinct, or finds repeats itself (a
  /// check of its own costs it nothing more, this one about 100
  /// instructions a line).
  @inline(__always)
  package func forEachJSONObjectLine(
    routingRepeatedKeys: Bool = true, _ body: (LentLine, UnsafeBufferPointer<JSONMemberSpan>?) throws -> Void
  ) throws {
    struct RangeEnded: Error {}
    let stop = rangeStop.map { $0 &- rangeStart } ?? Int.max
    var members: [JSONMemberSpan] = []
    var events: [UInt32] = []
    var keyCheck = RepeatedKeyCheck()
    do {
      try lines!.forEachLentBlock { block in
        // (Only lines that start before the range's stop: it is a line's start.)
        let offset = block.byteOffset
        guard offset < stop else { return TakenLines(byteCount: 0, lineCount: 0) }
        // (At most 256 KiB at a time: the events take four bytes a byte. A
        // line cut short there is not taken, and comes first in the next block.)
        let bytes = UnsafeRawBufferPointer(rebasing: block.bytes[..<Swift.min(block.bytes.count, stop &- offset, 1 << 18)])
        var number = block.firstLineNumber
        return try JSONValue.forEachPlainObjectLine(in: bytes, members: &members, events: &events) { start, length, members in
          advanceProgress(to: offset &+ start)
          let line = block.line(at: start, length: length, number: number)
          // (A line that repeats a key is read as a record: see RepeatedKeys.swift.)
          try body(line, routingRepeatedKeys && keyCheck.repeats(members, in: line.bytes) ? nil : members)
          number &+= 1
        }
      } line: { line in
        let offset = line.byteOffset
        if offset >= stop {
          endedAtStop = offset == stop
          throw RangeEnded()
        }
        advanceProgress(to: offset)
        if JSONValue.members(of: line.bytes, into: &members) {
          try members.withUnsafeBufferPointer {
            try body(line, routingRepeatedKeys && keyCheck.repeats($0, in: line.bytes) ? nil : $0)
          }
        } else {
          try body(line, nil)
        }
      }
      if rangeStop != nil { endedAtStop = false }  // the file ended first: the stop was not a line start
    } catch is RangeEnded {}
    finishProgress()
  }

  /// The record on a line from ``nextJSONLine()``; nil for a blank line, or
  /// a bad one with --skip-bad (counted and reported as ``next()`` does).
  package func record(fromJSONLine line: Line) throws(StreamIOError) -> Record? {
    do {
      return try jsonRecord(from: line)
    } catch {
      guard skipBad && error.exitStatus == .dataError else { throw error }
      noteSkipped(error)
      return nil
    }
  }

  /// 1 if the line is a record, 0 if it is blank or skipped (--skip-bad, counted).
  private func countJSONRecord(_ line: Line) throws(StreamIOError) -> Int {
    do {
      return try jsonRecord(from: line) == nil ? 0 : 1
    } catch {
      guard skipBad && error.exitStatus == .dataError else { throw error }
      noteSkipped(error)
      return 0
    }
  }

  /// A JSON Lines line as a record; nil for a blank line (not a record). A
  /// key it repeats has its last value, at its first place, as Python reads it.
  private func jsonRecord(from line: Line) throws(StreamIOError) -> Record? {
    var bytes = Array(line.bytes)
    var shift = 0  // columns count from the line's start, a byte-order mark included
    if rangeStart == 0 && line.number == 1 && bytes.starts(with: [0xEF, 0xBB, 0xBF]) {  // (the file's first line)
      bytes.removeFirst(3)
      shift = 3
    }
    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }  // blank lines are not records
    let value: JSONValue
    do {
      value = try JSONValue(parsing: bytes)
    } catch {
      throw StreamIOError(
        .invalidJSON, error.message, path: path, line: line.number, column: error.column + shift,
        byteOffset: line.byteOffset + shift + error.column - 1)
    }
    guard case .object(var members) = value else {
      throw StreamIOError(
        .invalidJSON, "expected a JSON object on each line, found \(value.serialized.prefix(40))",
        path: path, line: line.number, column: 1, byteOffset: line.byteOffset)
    }
    if let (kept, key) = members.lastValuesWin() {
      members = kept
      if notesRepeatedKeys { repeatedKeys.note(key: key, byteOffset: rangeStart &+ line.byteOffset) }
    }
    if columns.isEmpty { names = ColumnNames(header: members.map(\.name)) }
    return Record(fields: members, raw: String(decoding: bytes, as: UTF8.self), line: line.number)
  }

  /// At the end of the input: the bar shows all of it, and ends its line.
  private func finishProgress() {
    guard let progress else { return }
    if let total = progress.total { progress.advance(by: total - progress.count) }
    progress.finish()
  }

  @inline(__always)  // (called per record: without a progress bar, a test and no call)
  private func advanceProgress(to offset: Int) {
    guard let progress else { return }
    progress.advance(by: offset - position)
    position = offset
  }

  private func noteSkipped(_ error: StreamIOError) {
    skipped += 1
    if skippedErrors.count < 5 { skippedErrors.append(error) }
  }

  /// Says on stderr how many CSV rows did not have the header's width and
  /// `what` was done with them; call when done.
  package func reportRagged(_ what: String) {
    guard raggedRows > 0, let headerCount else { return }
    environment.stderr(
      escapingControls(
        "gen: \(raggedRows) row\(raggedRows == 1 ? "" : "s") of \(path) had more or fewer fields than the header's \(headerCount); \(what)")
        + "\n")
  }

  /// The index of each column name (CSV rows: a field's index is its column's).
  package var columnIndex: [ExactText: Int] {
    Dictionary(columns.enumerated().map { (ExactText($1), $0) }, uniquingKeysWith: { first, _ in first })
  }

  /// Reports skipped records on stderr, and JSON Lines records that repeated
  /// a key (read, but their earlier values not); call when done.
  package func reportSkipped() {
    if let note = repeatedKeys.message(path: path) { environment.stderr(note) }
    let total = skippedTotal
    guard total > 0 else { return }
    let errors = (csv?.skippedErrors ?? []) + (lines?.skippedErrors ?? []) + skippedErrors
    environment.stderr(escapingControls("gen: skipped \(total) bad record\(total == 1 ? "" : "s") in \(path)") + "\n")
    for error in errors.prefix(5) { environment.stderr("  \(escapingControls(error.description))\n") }
    if total > errors.prefix(5).count { environment.stderr("  … and \(total - errors.prefix(5).count) more\n") }
  }
}
