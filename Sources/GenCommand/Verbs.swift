import ArgumentParser
import Generators
import StreamIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Count: GenVerb {
  static let configuration = CommandConfiguration(
    commandName: "count",
    abstract: "Count the records (CSV rows without the header, JSON Lines, or lines).",
    discussion: """
      With --partial each partition (a Spark rdd.pipe task, a Hadoop Streaming mapper) writes its \
      count as one JSON line; --merge adds them up.
      Examples:
        gen count sales.csv.gz
        gen count --partial --header name,country,qty,price < part-00001
        cat partials/* | gen count --merge
      """)

  @Flag(help: "Write the count as a partial for --merge: {\"gen_count_partial\":1,\"count\":N,…}.")
  var partial = false

  @Flag(help: "Add up partials (the input and any more files; - or none for standard input).")
  var merge = false

  @OptionGroup var threading: ThreadOptions

  @OptionGroup var input: InputOptions

  @Argument(help: "With --merge: more partial files.")
  var morePartials: [String] = []

  static let kind = "gen_count_partial"

  func validate() throws {
    if partial && merge { throw ValidationError("--partial and --merge do not go together") }
    if !merge && !morePartials.isEmpty {
      throw ValidationError("one input file (more only with --merge): \(morePartials.joined(separator: " "))")
    }
  }

  func execute(_ environment: GenEnvironment) throws {
    if merge {
      var total = 0, skipped = 0
      try Partials.read(
        [input.input] + morePartials, kind: Self.kind, version: 1, maxLineLength: input.maxLineLength,
        environment: environment
      ) { line in
        let (sum, overflow) = total.addingReportingOverflow(try line.count("count"))
        if overflow { throw line.error("the counts add up to more than \(Int.max)") }
        total = sum
        skipped += line.has("skipped") ? try line.count("skipped") : 0
      }
      try environment.print(String(total))
      if skipped > 0 {
        environment.stderr("gen: the partials skipped \(skipped) bad record\(skipped == 1 ? "" : "s") (--skip-bad)\n")
      }
      return
    }
    var stream = try RecordStream(input, environment: environment)
    stream.notesRepeatedKeys = false  // (a record that repeats a key is one record all the same)
    var count: Int
    if let starts = try ParallelStats.starts(stream, options: input, threads: threading.count, environment: environment) {
      if let total = ParallelCount.run(stream, starts: starts, maxLineLength: input.maxLineLength, environment: environment) {
        count = total
        environment.rangesRead?(starts.count)
      } else {
        environment.rangesRead?(1)
        // A split inside a quoted field, or bad data: count it all on one thread.
        stream = try stream.reopened()
        count = try stream.countRemaining()
      }
    } else {
      count = try stream.countRemaining()
    }
    if partial {
      try environment.print("{\"\(Self.kind)\":1,\"count\":\(count),\"skipped\":\(stream.skippedTotal)}")
    } else {
      try environment.print(String(count))
    }
    stream.reportSkipped()
  }
}

struct Head: GenVerb {
  static let configuration = CommandConfiguration(
    commandName: "head",
    abstract: "Write the first records, in the input's format (CSV keeps its header).",
    discussion: "Example: gen head -n 5 server.log")

  @Option(name: [.customShort("n"), .customLong("lines")], help: "How many records.")
  var count = 10

  @OptionGroup var input: InputOptions

  func validate() throws {
    guard count >= 0 else { throw ValidationError("-n must be 0 or more, not \(count)") }
  }

  func execute(_ environment: GenEnvironment) throws {
    let stream = try RecordStream(input, environment: environment)
    stream.notesRepeatedKeys = false  // (records are written as read: a repeated key changes nothing)
    let writer = try RecordWriter.passingThrough(stream, to: environment.stdout, dialect: stream.dialect)
    // Only `count` records are read: the rest of the input is never touched.
    // (Read once: each read of an @Option looks its generic type up again,
    // which took a third of head's instructions when read per record.)
    let count = self.count
    var written = 0
    if stream.format == .csv && environment.byteLevel {
      // ASCII rows copied as read, as filter writes them; others as records (which checks their UTF-8).
      while written < count, let row = try stream.nextRow() {
        if row.isASCII {
          try writer.write(row)
        } else if let record = try stream.record(from: row) {
          try writer.write(record, passThrough: true)
        } else {
          continue  // skipped (--skip-bad), counted
        }
        written += 1
      }
    } else if stream.format == .jsonl && environment.byteLevel {
      // A line that is plainly an object (as count checks it) is written as
      // read; any other is parsed (blank lines, bad ones, a first line's BOM).
      while written < count, let line = try stream.nextJSONLine() {
        let bytes = line.bytes
        if JSONValue.isObject(bytes) {
          try writer.sink.write(bytes)
          try writer.sink.write(byte: 0x0A)
        } else if let record = try stream.record(fromJSONLine: line) {
          try writer.write(record, passThrough: true)
        } else {
          continue  // a blank line, or skipped (--skip-bad), counted
        }
        written += 1
      }
    } else {
      while written < count, let record = try stream.next() {
        try writer.write(record, passThrough: true)
        written += 1
      }
    }
    stream.reportSkipped()
  }
}

struct Select: GenVerb {
  static let configuration = CommandConfiguration(
    commandName: "select",
    abstract: "Keep some columns, in the order given (CSV or JSON Lines).",
    discussion: """
      Columns are header names, or 1-based positions for CSV without a header.
      Example: gen select name,total sales.csv
      """)

  @Argument(help: "Comma-separated column names.")
  var columns: String

  @OptionGroup var threading: ThreadOptions

  @OptionGroup var input: InputOptions

  func execute(_ environment: GenEnvironment) throws {
    let wanted = columns.split(separator: ",").map { String($0).trimmingCharacters }
    guard !wanted.isEmpty else { throw GenFailure.usage("select needs at least one column") }
    var stream = try RecordStream(input, environment: environment)
    guard stream.format != .lines else {
      throw GenFailure.usage("select needs CSV or JSON Lines input; this input is read as plain lines (use --format)")
    }
    if stream.format == .csv && stream.hasNamedColumns && environment.byteLevel {
      try Self.check(wanted, against: stream.columns, in: stream.path)
      if let starts = try ParallelStats.starts(stream, options: input, threads: threading.count, environment: environment) {
        let ranges = try ParallelRecords.run(
          stream, starts: starts, maxLineLength: input.maxLineLength, environment: environment, output: environment.stdout
        ) { range, sink, index in
          let writer = RecordWriter(format: .csv, sink: sink, dialect: range.dialect, columns: wanted)
          if index == 0 && range.writesHeader { try writer.writeHeader() }
          try Self.selectRows(range, wanted: wanted, writer: writer)
        }
        if let ranges {
          stream.addRagged(ranges.dropFirst().map(\.raggedRows).reduce(0, +))
          stream.reportRagged("select wrote a missing column as empty")
          environment.rangesRead?(starts.count)
          return
        }
        environment.rangesRead?(1)
        stream = try stream.reopened()
      }
    }
    // The columns are checked before a byte is written: against the header,
    // or the first record's names when there is no header.
    var first: Record?
    if !(stream.format == .csv && stream.hasNamedColumns) { first = try stream.next() }
    if first != nil || stream.hasNamedColumns { try Self.check(wanted, against: stream.columns, in: stream.path) }
    if stream.format == .jsonl && environment.byteLevel, let record = first,
      let starts = try ParallelStats.starts(stream, options: input, threads: threading.count, environment: environment)
    {
      let ranges = try ParallelRecords.run(
        stream, starts: starts, maxLineLength: input.maxLineLength, environment: environment, output: environment.stdout
      ) { range, sink, index in
        let writer = RecordWriter(format: .jsonl, sink: sink, columns: wanted)
        try JSONLinesFastPaths.select(range, first: index == 0 ? record : nil, wanted: wanted, writer: writer)
      }
      if ranges != nil {
        stream.reportSkipped()  // (a key repeated in any range; nothing is skipped with --threads)
        environment.rangesRead?(starts.count)
        return
      }
      environment.rangesRead?(1)
      stream = try stream.reopened()
      first = try stream.next()
    }
    let writer = RecordWriter(format: stream.format, sink: environment.stdout, dialect: stream.dialect, columns: wanted)
    if stream.format == .csv && (stream.writesHeader || !stream.hasNamedColumns) { try writer.writeHeader() }
    var indices: [Int?]?  // CSV: each wanted column's field index
    func write(_ record: Record) throws {
      let fields: [Field]
      if stream.format == .csv {
        if indices == nil { indices = wanted.map { stream.columnIndex[ExactText($0)] } }
        fields = zip(wanted, indices!).map { name, index in
          Field(name, index.flatMap { $0 < record.fields.count ? record.fields[$0].value : nil } ?? .null)
        }
      } else {
        fields = wanted.map { Field($0, record.value($0) ?? .null) }
      }
      try writer.write(Record(fields: fields, raw: nil), passThrough: false)
    }
    if stream.format == .csv && stream.hasNamedColumns && environment.byteLevel {
      try Self.selectRows(stream, wanted: wanted, writer: writer)
    } else if stream.format == .jsonl && environment.byteLevel, let record = first.take() {
      try JSONLinesFastPaths.select(stream, first: record, wanted: wanted, writer: writer)
    } else {
      while let record = try first.take() ?? stream.next() { try write(record) }
    }
    stream.reportSkipped()
    stream.reportRagged("select wrote a missing column as \(stream.format == .csv ? "empty" : "null")")
  }

  /// CSV with a header, from the reader's bytes: ASCII rows copied field by
  /// field; others through Strings, which checks their UTF-8 (see CSVFastPaths.swift).
  static func selectRows(_ stream: RecordStream, wanted: [String], writer: RecordWriter) throws {
    let selected = wanted.map { stream.columnIndex[ExactText($0)] }
    let csv = writer.csv!  // (read once: through the writer, it was retained for every row)
    try stream.forEachRow { row in
      if row.isASCII {
        try csv.write(row, selecting: selected)
      } else if let record = try stream.record(from: row) {
        let fields = zip(wanted, selected).map { name, index in
          Field(name, index.flatMap { $0 < record.fields.count ? record.fields[$0].value : nil } ?? .null)
        }
        try writer.write(Record(fields: fields, raw: nil), passThrough: false)
      }
    }
  }

  /// Every wanted column exists (in the header, or the first JSON record).
  static func check(_ wanted: [String], against columns: [String], in path: String) throws(GenFailure) {
    let known = Set(columns.map(ExactText.init))
    for name in wanted where !known.contains(ExactText(name)) {
      let shown = columns.prefix(20).map { "\"\($0)\"" }.joined(separator: ", ")
      throw .usage(
        "\(path): no column \"\(name)\" (columns: \(shown)\(columns.count > 20 ? ", … (\(columns.count) in all)" : ""))")
    }
  }
}

struct Filter: GenVerb {
  static let configuration = CommandConfiguration(
    commandName: "filter",
    abstract: "Keep the records for which every --where expression is true, in the input's format.",
    discussion: """
      An expression reads columns by name (`order date` in backquotes) and has numbers, 'text' \
      or "text", true, false and null; and, or, not; == (or =) != < <= > >=; + - * / // % **; \
      ~ and !~ (regular expression search, Python's re.search); is null, is not null; \
      in ('US', 'CA'); and the functions lower upper strip len startswith endswith contains \
      replace concat str int float abs round floor ceil min max coalesce if. A field that reads \
      as a number is a number where one is needed, so qty >= 10 compares numbers and \
      zip == '02134' compares text. A missing field or JSON null is null: it equals only null \
      and orders against nothing. Text that is not a number in arithmetic, and division by zero, \
      give null and are counted on stderr. Plain lines have one column, named line.
      Text that is no number does not order against a number (qty >= 10 where qty is N/A): that \
      comparison is false and counted on stderr. Quote dates and codes: day >= '2024-10-15' (2024-10-15 unquoted is refused). \
      The earlier form, written tight with a bare value (country!=US, day>=2024-10-15, name~Smith, \
      where ~ is "contains"), reads as it always did: VALUE is text or a number, never a column.
      Examples:
        gen filter sales.csv --where "country != 'US' and qty >= 10"
        gen filter sales.csv --where 'qty * price > 1000 or lower(name) ~ "^a"'
        gen filter server.log --where "line ~ 'ERROR|FATAL'"
      """)

  @Option(name: .customLong("where"), help: "An expression such as \"qty * price > 1000\"; repeat for AND.")
  var conditions: [String] = []

  @OptionGroup var threading: ThreadOptions

  @OptionGroup var input: InputOptions

  func validate() throws {
    guard !conditions.isEmpty else { throw ValidationError("filter needs at least one --where condition") }
  }

  func execute(_ environment: GenEnvironment) throws {
    var stream = try RecordStream(input, environment: environment)
    // The conditions are compiled before a byte is written: against the
    // header, or the first record's names when there is none.
    var first: Record?
    // (CSV without a header on the byte path: filterCSV compiles at its first row.)
    if stream.format != .csv || (!stream.hasNamedColumns && !environment.byteLevel) { first = try stream.next() }
    let known = first != nil || stream.hasNamedColumns || stream.format == .lines
    var compiled = known ? try RecordConditions(self.conditions, columns: stream.columns) : nil
    if stream.format == .csv && stream.hasNamedColumns && environment.byteLevel, let firstRange = compiled,
      let starts = try ParallelStats.starts(stream, options: input, threads: threading.count, environment: environment)
    {
      let ranges = try ParallelRecords.run(
        stream, starts: starts, maxLineLength: input.maxLineLength, environment: environment, output: environment.stdout,
        combine: { (all: RecordConditions, next: RecordConditions) in all.absorb(next); return all }
      ) { range, sink, index in
        // Each piece its own conditions: their problem counts are its own.
        let conditions = index == 0 ? firstRange : firstRange.fresh()
        let writer =
          index == 0
          ? try RecordWriter.passingThrough(range, to: sink, dialect: range.dialect)
          : RecordWriter(format: .csv, sink: sink, dialect: range.dialect, columns: range.header)
        return try filterRows(range, conditions: conditions, writer: writer)
      }
      if let ranges {
        for range in ranges.dropFirst() { firstRange.absorb(range.summary) }
        firstRange.report(environment)
        environment.rangesRead?(starts.count)
        return
      }
      environment.rangesRead?(1)
      stream = try stream.reopened()
      compiled = try RecordConditions(self.conditions, columns: stream.columns)  // (counts from zero again)
    }
    if stream.format == .jsonl && environment.byteLevel, let record = first, let firstRange = compiled,
      let starts = try ParallelStats.starts(stream, options: input, threads: threading.count, environment: environment)
    {
      let ranges = try ParallelRecords.run(
        stream, starts: starts, maxLineLength: input.maxLineLength, environment: environment, output: environment.stdout,
        combine: { (all: RecordConditions, next: RecordConditions) in all.absorb(next); return all }
      ) { range, sink, index in
        // Each piece its own conditions (compiled against the first record's keys).
        let conditions = index == 0 ? firstRange : firstRange.fresh()
        let writer = RecordWriter(format: .jsonl, sink: sink)
        if index == 0 && conditions.matches(RecordExpressionRow(record: record)) { try writer.write(record, passThrough: true) }
        try JSONLinesFastPaths.filter(range, conditions: conditions, writer: writer)
        return conditions
      }
      if let ranges {
        for range in ranges.dropFirst() { firstRange.absorb(range.summary) }
        stream.reportSkipped()  // (a key repeated in any range; nothing is skipped with --threads)
        firstRange.report(environment)
        environment.rangesRead?(starts.count)
        return
      }
      environment.rangesRead?(1)
      stream = try stream.reopened()
      first = try stream.next()
      compiled = try RecordConditions(self.conditions, columns: stream.columns)  // (counts from zero again)
    }
    let writer = try RecordWriter.passingThrough(stream, to: environment.stdout, dialect: stream.dialect)
    if stream.format == .csv && environment.byteLevel {
      return try filterCSV(stream, conditions: compiled, writer: writer, environment: environment)
    }
    let conditions = try compiled ?? RecordConditions(self.conditions, columns: nil)
    if stream.format == .jsonl && environment.byteLevel, let record = first.take() {
      if conditions.matches(RecordExpressionRow(record: record)) { try writer.write(record, passThrough: true) }
      try JSONLinesFastPaths.filter(stream, conditions: conditions, writer: writer)
    }
    while let record = try first.take() ?? stream.next() {
      if conditions.matches(RecordExpressionRow(record: record)) {
        try writer.write(record, passThrough: true)
      }
    }
    stream.reportSkipped()
    conditions.report(environment)
  }
}

struct Convert: GenVerb {
  static let configuration = CommandConfiguration(
    commandName: "convert",
    abstract: "Convert between CSV and JSON Lines (plain lines become a column named line).",
    discussion: """
      CSV values become JSON strings (nothing is guessed); a JSON Lines file's columns are the \
      first record's keys. With --output the file appears only when the conversion succeeded.
      Examples:
        gen convert sales.csv --to jsonl > sales.jsonl
        gen convert events.jsonl.gz --to csv --output events.csv
      """)

  @Option(help: "csv or jsonl.")
  var to: InputFormat

  @Option(name: .shortAndLong, help: "Write here (atomically; - for standard output) instead of to standard output.")
  var output: String?

  @OptionGroup var threading: ThreadOptions

  @OptionGroup var input: InputOptions

  func validate() throws {
    guard to != .lines else { throw ValidationError("--to must be csv or jsonl") }
  }

  func execute(_ environment: GenEnvironment) throws {
    var stream = try RecordStream(input, environment: environment)
    let sink: OutputSink
    if let output, output != "-" {  // "-" is standard output, as for the input
      sink = try OutputSink(path: output)
      if let temporary = sink.temporaryPath { Interrupts.remember(temporary) }
    } else {
      sink = environment.stdout
    }
    defer { if let temporary = sink.temporaryPath { Interrupts.forget(temporary) } }
    let writer = RecordWriter(format: to, sink: sink, columns: stream.format == .csv && stream.hasNamedColumns ? stream.columns : nil)
    if stream.writesHeader, to == .csv { try writer.writeHeader() }
    if stream.format == .csv && to == .jsonl && environment.byteLevel && stream.hasNamedColumns,
      let starts = try ParallelStats.starts(stream, options: input, threads: threading.count, environment: environment)
    {
      let columns = stream.columns
      let ranges = try ParallelRecords.run(
        stream, starts: starts, maxLineLength: input.maxLineLength, environment: environment, output: sink
      ) { range, rangeSink, _ in
        try convertCSVToJSONLines(range, writer: RecordWriter(format: .jsonl, sink: rangeSink, columns: columns), sink: rangeSink)
      }
      if let ranges {
        stream.addRagged(ranges.dropFirst().map(\.raggedRows).reduce(0, +))
        environment.rangesRead?(starts.count)
      } else {
        environment.rangesRead?(1)
        stream = try stream.reopened()
        try convertCSVToJSONLines(stream, writer: writer, sink: sink)
      }
    } else if stream.format == .csv && to == .jsonl && environment.byteLevel {
      try convertCSVToJSONLines(stream, writer: writer, sink: sink)
    } else if stream.format == .jsonl && to == .csv && environment.byteLevel {
      let first = try stream.next()
      if let first, let starts = try ParallelStats.starts(stream, options: input, threads: threading.count, environment: environment) {
        let header = first.fields.map(\.name)
        let ranges = try ParallelRecords.run(
          stream, starts: starts, maxLineLength: input.maxLineLength, environment: environment, output: sink,
          combine: { (all: Int, next: Int) in all + next }
        ) { range, rangeSink, index in
          let rangeWriter = RecordWriter(format: .csv, sink: rangeSink, columns: header)
          if index == 0 { try rangeWriter.writeHeader() }
          try JSONLinesFastPaths.convertToCSV(range, first: index == 0 ? first : nil, writer: rangeWriter)
          return rangeWriter.droppedFields
        }
        if let ranges {
          writer.addDropped(ranges.map(\.summary).reduce(0, +))
          environment.rangesRead?(starts.count)
        } else {
          environment.rangesRead?(1)
          stream = try stream.reopened()
          try JSONLinesFastPaths.convertToCSV(stream, writer: writer)
        }
      } else {
        try JSONLinesFastPaths.convertToCSV(stream, first: first, writer: writer)
      }
    } else {
      while let record = try stream.next() {
        try writer.write(record, passThrough: stream.format == to)
      }
    }
    if output != nil && output != "-" { try sink.close() }
    stream.reportSkipped()
    if to == .jsonl {
      stream.reportRagged("each became an object of the fields it has (extra fields named by position)")
    } else if stream.format == .csv {
      stream.reportRagged("they were written with the fields they have")
    }
    if writer.droppedFields > 0 {
      environment.stderr(
        "gen: \(writer.droppedFields) records had fields that are not among the first record's columns; "
          + "those fields were left out of the CSV\n")
    }
  }
}

struct Batch: GenVerb {
  static let configuration = CommandConfiguration(
    commandName: "batch",
    abstract: "Group the records into batches: one JSON array per line.",
    discussion: """
      CSV rows and JSON Lines records become JSON objects, plain lines strings; the last batch \
      may be shorter. One batch is held at a time, as its JSON text.
      Example: gen batch --size 500 events.jsonl | while read -r batch; do curl -d "$batch" …; done
      """)

  @Option(help: "Records per batch.")
  var size: Int

  @OptionGroup var input: InputOptions

  func validate() throws {
    guard size >= 1 else { throw ValidationError("--size must be at least 1, not \(size)") }
  }

  func execute(_ environment: GenEnvironment) throws {
    let stream = try RecordStream(input, environment: environment)
    // Each record is added to the batch's text as it comes (json.dumps(batch)
    // in the end), which is written whole when the batch is: a batch cut
    // short by bad input is not written at all.
    var batch = BatchText(size: size, output: environment.stdout)
    let sink = batch.sink
    func text(_ record: Record) -> String {
      (stream.format == .lines ? record.fields[0].value : .object(record.fields)).serialized
    }
    if stream.format == .csv && environment.byteLevel {
      // ASCII rows from the reader's bytes, as convert --to jsonl writes them.
      var keys: [String] = []
      var pieces = JSONKeyPieces()
      try stream.forEachRow { row in
        if let plain = row.jsonPlainSpan {
          if pieces.count < row.count { pieces = JSONKeyPieces(stream.columns) }
          try batch.startRecord()
          let wrote = try sink.writeInPlace(upTo: pieces.room(for: row, span: plain)) {
            pieces.write(row, to: $0, lineBreak: false)
          }
          precondition(wrote, "a holding sink always makes room")
          try batch.endRecord()
        } else if row.isASCII {
          try batch.startRecord()
          try Convert.writeObject(row, keys: &keys, columns: stream.columns, to: sink)
          try batch.endRecord()
        } else if let record = try stream.record(from: row) {
          try batch.add(text(record))
        }
      }
    } else if stream.format == .jsonl && environment.byteLevel {
      // Records whose members are plain, compact from their bytes (as select writes them).
      try stream.forEachJSONObjectLine { line, members in
        let bytes = line.bytes
        if let members, members.allSatisfy(\.isPlain) {
          try batch.startRecord()
          try JSONLinesFastPaths.writeCompactObject(members, of: bytes, to: sink)
          try batch.endRecord()
        } else if let record = try stream.record(fromJSONLine: line.line) {
          try batch.add(text(record))
        }
      }
    } else {
      while let record = try stream.next() { try batch.add(text(record)) }
    }
    try batch.finish()
    stream.reportSkipped()
  }
}

/// `gen batch`'s batch being built: its records' JSON text held (the batch
/// starts with `[`, records are separated by `,`), written whole to `output`
/// once it has `size` records or the input ends.
///
/// A value the loops mutate in place (nested functions that changed a
/// captured count were checked for exclusive access at every record).
private struct BatchText {
  let size: Int
  let output: OutputSink
  /// The batch's text: a sink that holds all it is given (its buffer grows, never released early).
  let sink = OutputSink(holding: 1 << 16, growingTo: .max) { _ in false }
  /// Records in the batch.
  private var records = 0

  init(size: Int, output: OutputSink) {
    self.size = size
    self.output = output
  }

  /// Before a record's text: `[` or `,`.
  @inline(__always)
  func startRecord() throws(StreamIOError) {
    try sink.write(byte: records == 0 ? UInt8(ascii: "[") : UInt8(ascii: ","))
  }

  /// After a record's text: the batch is written if it is full.
  @inline(__always)
  mutating func endRecord() throws(StreamIOError) {
    records += 1
    if records == size { try writeOut() }
  }

  /// A record's whole text.
  mutating func add(_ text: String) throws(StreamIOError) {
    try startRecord()
    try sink.write(text)
    try endRecord()
  }

  /// The last batch, if it has records.
  mutating func finish() throws(StreamIOError) {
    if records > 0 { try writeOut() }
  }

  private mutating func writeOut() throws(StreamIOError) {
    try sink.write("]\n")
    try output.write(sink.held)
    sink.forget()
    records = 0
  }
}
