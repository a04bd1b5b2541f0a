import ArgumentParser
import Foundation
import StreamIO

struct Derive: GenVerb {
  static let configuration = CommandConfiguration(
    commandName: "derive",
    abstract: "Add computed columns: gen derive total='qty * price' sales.csv (CSV or JSON Lines).",
    discussion: """
      Each NAME=EXPRESSION adds a column NAME (or replaces the column of that name, in place), \
      computed in order, so a later expression may read an earlier one (a name assigned twice: \
      the second reads the first's value). The expressions are \
      those of filter --where (see gen filter --help): arithmetic keeps integers integers and \
      / gives a float, as in Python. CSV output writes null as an empty field, a float as \
      Python's repr writes it (6.0, 0.1, 1e+20), true and false in lower case; JSON Lines \
      output writes numbers as numbers. Text that is not a number in arithmetic, and division \
      by zero, give null and are counted on stderr. Plain lines become JSON Lines with a \
      column named line. Python: df.assign(total=df.qty * df.price), one row at a time.
      Examples:
        gen derive total='qty * price' sales.csv
        gen derive 'total=qty * price' 'big=total > 1000' events.jsonl
        gen derive 'country=upper(country)' sales.csv --output clean.csv
      """)

  @OptionGroup var threading: ThreadOptions

  @OptionGroup var input: InputOptions

  @Argument(help: "More NAME=EXPRESSION. (The input may come first or last.)")
  var arguments: [String] = []

  @Option(name: .shortAndLong, help: "Write here (atomically; - for standard output) instead of to standard output.")
  var output: String?

  /// The assignments and the input: of the arguments, the one that is an
  /// existing file or - or no NAME=EXPRESSION is the input (so both
  /// `gen derive total=… sales.csv` and `gen derive sales.csv total=…` read
  /// sales.csv, and a Hive-style path such as `year=2024/part.csv` is a file).
  var split: (assignments: [String], inputs: [String], options: InputOptions) {
    var options = input
    var assignments: [String] = [], inputs: [String] = []
    for argument in [input.input] + arguments {
      if argument == "-" || FileManager.default.fileExists(atPath: argument)
        || (try? DerivedColumns.split(argument, option: "")) == nil
      {
        inputs.append(argument)
      } else {
        assignments.append(argument)
      }
    }
    options.input = inputs.first ?? "-"
    return (assignments, inputs, options)
  }

  func validate() throws {
    let (assignments, inputs, _) = split
    guard !assignments.isEmpty else {
      throw ValidationError("derive needs at least one NAME=EXPRESSION, e.g. total='qty * price'")
    }
    if inputs.count > 1 {
      throw ValidationError("one input (a file or -), not \(inputs.joined(separator: " ")); an expression is NAME=EXPRESSION")
    }
  }

  func execute(_ environment: GenEnvironment) throws {
    let (assignments, _, options) = split
    var stream = try RecordStream(options, environment: environment)
    var first: Record?
    if stream.format == .csv && !stream.hasNamedColumns {
      // Without a header the names (1, 2, …) come with the first row.
      guard let row = try stream.nextRow() else {
        _ = try DerivedColumns(assignments, columns: nil, option: "derive")  // its syntax is still checked
        return stream.reportSkipped()
      }
      return try deriveCSV(stream, firstRow: row, assignments: assignments, environment: environment)
    }
    if stream.format != .csv { first = try stream.next() }
    let known = first != nil || stream.hasNamedColumns || stream.format == .lines
    var derived = try DerivedColumns(assignments, columns: known ? stream.columns : nil, option: "derive")
    let sink = try Self.sink(output, environment: environment)
    defer { if let temporary = sink.temporaryPath { Interrupts.forget(temporary) } }
    if stream.format == .csv && environment.byteLevel,
      let starts = try ParallelStats.starts(stream, options: options, threads: threading.count, environment: environment)
    {
      let columns = stream.columns, first = derived
      let ranges = try ParallelRecords.run(
        stream, starts: starts, maxLineLength: options.maxLineLength, environment: environment, output: sink,
        combine: { (all: DerivedColumns, next: DerivedColumns) in all.absorb(next); return all }
      ) { range, rangeSink, index in
        // Each range its own values and problem counts.
        let derived = index == 0 ? first : try DerivedColumns(assignments, columns: columns, option: "derive")
        try Self.deriveCSV(range, firstRow: nil, derived: derived, sink: rangeSink, header: index == 0, byteLevel: true)
        return derived
      }
      if let ranges {
        for range in ranges.dropFirst() { derived.absorb(range.summary) }
        stream.addRagged(ranges.dropFirst().map(\.raggedRows).reduce(0, +))
        environment.rangesRead?(starts.count)
      } else {
        environment.rangesRead?(1)
        stream = try stream.reopened()
        derived = try DerivedColumns(assignments, columns: stream.columns, option: "derive")  // (counts from zero again)
        try Self.deriveCSV(stream, firstRow: nil, derived: derived, sink: sink, header: true, byteLevel: true)
      }
      Self.reportRagged(stream)
    } else if stream.format == .csv {
      try Self.deriveCSV(stream, firstRow: nil, derived: derived, sink: sink, header: true, byteLevel: environment.byteLevel)
      Self.reportRagged(stream)
    } else if stream.format == .jsonl && environment.byteLevel, let record = first,
      let starts = try ParallelStats.starts(stream, options: options, threads: threading.count, environment: environment)
    {
      let columns = stream.columns, firstDerived = derived
      let ranges = try ParallelRecords.run(
        stream, starts: starts, maxLineLength: options.maxLineLength, environment: environment, output: sink,
        combine: { (all: DerivedColumns, next: DerivedColumns) in all.absorb(next); return all }
      ) { range, rangeSink, index in
        // Each range its own values and problem counts, compiled against the first record's keys.
        let derived = index == 0 ? firstDerived : try DerivedColumns(assignments, columns: columns, option: "derive")
        try Self.deriveJSONLines(range, first: index == 0 ? record : nil, derived: derived, sink: rangeSink)
        return derived
      }
      if let ranges {
        for range in ranges.dropFirst() { derived.absorb(range.summary) }
        environment.rangesRead?(starts.count)
      } else {
        environment.rangesRead?(1)
        stream = try stream.reopened()
        first = try stream.next()
        derived = try DerivedColumns(assignments, columns: first == nil ? nil : stream.columns, option: "derive")
        try Self.deriveJSONLines(stream, first: first, derived: derived, sink: sink)
      }
    } else if stream.format == .jsonl && environment.byteLevel {
      try Self.deriveJSONLines(stream, first: first, derived: derived, sink: sink)
    } else {
      while let record = try first.take() ?? stream.next() { try Self.write(record, derived: derived, to: sink) }
    }
    if output != nil && output != "-" { try sink.close() }
    stream.reportSkipped()
    derived.report(environment, option: "derive")
  }

  /// A value as ``ExpressionValue/json`` serializes it, numbers without a String.
  @inline(__always)
  private static func writeJSON(_ value: borrowing ExpressionValue, to sink: OutputSink) throws {
    // (Short Strings here are held inline: no allocation.)
    switch value {
    case .null: try sink.write("null")
    case .bool(let value): try sink.write(value ? "true" : "false")
    case .integer(let value): try writeInteger(value, to: sink)
    case .double(let value) where value.isFinite: try PythonFloatRepr(value).withBytes { try sink.write($0) }
    default: try sink.write(value.json.serialized)
    }
  }

  /// A record with its derived values, as compact JSON: an existing column
  /// of a derived name gets the value in place, the others follow in order.
  private static func write(_ record: Record, derived: DerivedColumns, to sink: OutputSink) throws {
    derived.compute(RecordExpressionRow(record: record))
    var fields = record.fields
    for (name, value) in zip(derived.names, derived.values) {
      if let index = fields.firstIndex(where: { $0.name.hasSameCodePoints(as: name) }) {
        fields[index].value = value.json
      } else {
        fields.append(Field(name, value.json))
      }
    }
    try sink.write(JSONValue.object(fields).serialized)
    try sink.write(byte: 0x0A)
  }

  /// JSON Lines from each record's bytes: a record of plain members (see
  /// ``JSONMemberSpan/isPlain``) none of which has a derived column's name
  /// is written compact from its bytes, then the derived values; any other
  /// goes through the parsed record (``write(_:derived:to:)``), which
  /// writes the same for these. `first`: the record read already.
  private static func deriveJSONLines(_ stream: RecordStream, first: Record?, derived: DerivedColumns, sink: OutputSink) throws {
    if let first { try write(first, derived: derived, to: sink) }
    // A name assigned twice is one member: the general path writes those.
    let repeated = Set(derived.names.map(ExactText.init)).count < derived.names.count
    let names = derived.names.map { Array($0.utf8) }
    // `,"total":` for each derived column, made once, one after another in
    // one array: a key taken out of an array of arrays is retained.
    var keyBytes: [UInt8] = [], ranges: [Range<Int>] = []
    for name in derived.names {
      let start = keyBytes.count
      keyBytes += Array(("," + JSONValue.string(name).serialized + ":").utf8)
      ranges.append(start..<keyBytes.count)
    }
    let keyRanges = ranges  // (a let: a var the line closure captured was retained for every line)
    // Room for a line's derived members in place: each key, and a value of
    // at most 32 bytes (a float's repr takes 24, an integer's 20).
    let derivedRoom = keyBytes.count + 32 * keyRanges.count + 2
    let compute = derived.computeJSON()
    try keyBytes.withUnsafeBytes { keys in
      try stream.forEachJSONObjectLine { line, members in
        let bytes = line.bytes
        if !repeated, let members, members.allSatisfy(\.isPlain),
          !members.contains(where: { member in
            names.indices.contains { member.key(in: bytes, is: names[$0]) }
          })
        {
          compute(JSONExpressionRow(bytes: bytes, members: members))
          let compact = JSONLinesFastPaths.isCompact(members, of: bytes)
          if compact,
            try Self.writeInPlace(
              bytes, isEmpty: members.isEmpty, keys: keys, keyRanges: keyRanges, room: derivedRoom, derived: derived,
              to: sink)
          {
            return
          }
          try JSONLinesFastPaths.writeCompactObject(members, of: bytes, to: sink, closing: false, isCompact: compact)
          for slot in keyRanges.indices {
            // (No comma before the first member of an empty object.)
            let key = keys.slice(keyRanges[slot])
            try sink.write(members.isEmpty && slot == 0 ? key.slice(1..<key.count) : key)
            try derived.withValue(slot) { try Self.writeJSON($0, to: sink) }
          }
          try sink.write(byte: UInt8(ascii: "}"))
          try sink.write(byte: 0x0A)
        } else if let record = try stream.record(fromJSONLine: line.line) {
          try write(record, derived: derived, to: sink)
        }
      }
    }
  }

  @inline(__always)
  private static func bytes(of text: StaticString) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
  }

  /// A compact line (`{...}`, no whitespace) without its closing brace,
  /// then each derived member, `}` and a line feed, written into the
  /// output's buffer at once (one check for room instead of one for each
  /// piece), if every derived value is a finite number, true, false or
  /// null and the line with them fits the output's buffer. False, and
  /// nothing written, otherwise (text, NaN, infinity: ``writeJSON(_:to:)``
  /// writes those; a line longer than the buffer goes piece by piece).
  @inline(__always)
  private static func writeInPlace(
    _ line: UnsafeRawBufferPointer, isEmpty: Bool, keys: UnsafeRawBufferPointer, keyRanges: [Range<Int>], room: Int,
    derived: DerivedColumns, to sink: OutputSink
  ) throws -> Bool {
    for slot in keyRanges.indices {
      switch derived.values[slot] {
      case .double(let number) where number.isFinite: continue
      case .integer, .bool, .null: continue
      default: return false
      }
    }
    return try sink.writeInPlace(upTo: line.count + room) { output in
      var at = line.count - 1  // (without the closing brace)
      output.copyMemory(from: line.baseAddress!, byteCount: at)
      @inline(__always) func copy(_ bytes: UnsafeRawBufferPointer) {
        (output + at).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        at &+= bytes.count
      }
      for slot in keyRanges.indices {
        let key = keys.slice(keyRanges[slot])
        copy(isEmpty && slot == 0 ? key.slice(1..<key.count) : key)
        switch derived.values[slot] {
        case .double(let number): at &+= PythonFloatRepr.write(number, to: output + at)
        case .integer(let number): withIntegerDigits(number) { copy($0) }
        case .bool(let value): copy(Self.bytes(of: value ? "true" : "false"))
        default: copy(Self.bytes(of: "null"))
        }
      }
      output.storeBytes(of: UInt8(ascii: "}"), toByteOffset: at, as: UInt8.self)
      output.storeBytes(of: 0x0A, toByteOffset: at &+ 1, as: UInt8.self)
      return at &+ 2
    }
  }

  static func sink(_ output: String?, environment: GenEnvironment) throws -> OutputSink {
    guard let output, output != "-" else { return environment.stdout }
    let sink = try OutputSink(path: output)
    if let temporary = sink.temporaryPath { Interrupts.remember(temporary) }
    return sink
  }

  /// Writes a computed value as a CSV field from its bytes: no generic
  /// String path (CSVWriter's is not specialized across modules), no String
  /// at all for a field passed through or a number (but the rare floats
  /// below 1e-4 or from 1e16 up, see ``PythonFloatRepr``).
  @inline(__always)
  static func write(_ value: ExpressionValue, to csv: CSVWriter) throws {
    switch value {
    case .null: return
    case .bytes(let field): try csv.writeField(bytes: field)
    case .integer(let number):
      if numbersMayNeedQuotes(csv.dialect) {
        try withIntegerDigits(number) { try csv.writeField(bytes: $0) }
      } else {
        try writeInteger(number, to: csv.sink)
      }
    case .double(let number): try PythonFloatRepr(number).withBytes { try csv.writeField(bytes: $0) }
    default:
      var text = value.text
      try text.withUTF8 { bytes in try csv.writeField(bytes: UnsafeRawBufferPointer(bytes)) }
    }
  }

  /// `row` as read, then each of `slots`' values after a delimiter, and a
  /// line feed, written into the output's buffer at once, if every value is
  /// a number or null. False, and nothing written, otherwise.
  @inline(__always)
  private static func writeInPlace(
    _ row: UnsafeRawBufferPointer, values slots: ArraySlice<Int?>, of derived: DerivedColumns, delimiter: UInt8,
    to sink: OutputSink
  ) throws -> Bool {
    for slot in slots {
      switch derived.values[slot!] {
      case .double, .integer, .null: continue
      default: return false
      }
    }
    // (A float's repr takes at most 24 bytes, an integer's 20: 32 each is room.)
    return try sink.writeInPlace(upTo: row.count + 33 * slots.count + 1) { output in
      output.copyMemory(from: row.baseAddress!, byteCount: row.count)
      var at = row.count
      @inline(__always) func copy(_ bytes: UnsafeRawBufferPointer) {
        (output + at).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        at &+= bytes.count
      }
      for slot in slots {
        output.storeBytes(of: delimiter, toByteOffset: at, as: UInt8.self)
        at &+= 1
        switch derived.values[slot!] {
        case .double(let number): at &+= PythonFloatRepr.write(number, to: output + at)
        case .integer(let number): withIntegerDigits(number) { copy($0) }
        default: break  // null: an empty field
        }
      }
      output.storeBytes(of: 0x0A, toByteOffset: at, as: UInt8.self)
      return at &+ 1
    }
  }

  /// Whether a number's text (digits, `.`, `-`, `+`, `e`, `inf`, `nan`) can
  /// hold the dialect's delimiter or quote, and so must be written through
  /// the writer's quoting (`--delimiter .`, say).
  @inline(__always)
  static func numbersMayNeedQuotes(_ dialect: CSVDialect) -> Bool {
    @inline(__always) func inNumbers(_ byte: UInt8) -> Bool {
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "e"),
        UInt8(ascii: "E"), UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "f"), UInt8(ascii: "a"):
        true
      default: false
      }
    }
    return inNumbers(dialect.delimiter) || inNumbers(dialect.quote)
  }

  /// An integer's digits, without a String.
  @inline(__always)
  static func withIntegerDigits<R>(_ number: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: a sign and 20 digits fit
    return try withUnsafeMutableBytes(of: &digits) { buffer in
      var magnitude = number.magnitude
      var at = buffer.count
      repeat {
        at -= 1
        buffer[at] = UInt8(truncatingIfNeeded: magnitude % 10) + UInt8(ascii: "0")
        magnitude /= 10
      } while magnitude > 0
      if number < 0 {
        at -= 1
        buffer[at] = UInt8(ascii: "-")
      }
      return try body(UnsafeRawBufferPointer(rebasing: buffer[at...]))
    }
  }

  /// An integer's digits, without a String.
  @inline(__always)
  static func writeInteger(_ number: Int, to sink: OutputSink) throws {
    try withIntegerDigits(number) { try sink.write($0) }
  }

  /// A headerless CSV: compiled once the first row gives the names.
  private func deriveCSV(
    _ stream: RecordStream, firstRow: CSVRecord, assignments: [String], environment: GenEnvironment
  ) throws {
    let derived = try DerivedColumns(assignments, columns: stream.columns, option: "derive")
    let sink = try Self.sink(output, environment: environment)
    defer { if let temporary = sink.temporaryPath { Interrupts.forget(temporary) } }
    try Self.deriveCSV(stream, firstRow: firstRow, derived: derived, sink: sink, header: true, byteLevel: environment.byteLevel)
    Self.reportRagged(stream)
    if output != nil && output != "-" { try sink.close() }
    stream.reportSkipped()
    derived.report(environment, option: "derive")
  }

  /// CSV: ASCII rows from the reader's bytes, others through Strings (which
  /// checks their UTF-8). A short row's missing fields are written empty; a
  /// long row's extra fields follow the derived ones (nothing is dropped).
  private static func deriveCSV(
    _ stream: RecordStream, firstRow: CSVRecord?, derived: DerivedColumns, sink: OutputSink, header: Bool, byteLevel: Bool
  ) throws {
    let csv = CSVWriter(sink: sink, dialect: stream.dialect, lineTerminator: "\n")
    if header && stream.writesHeader { try csv.write(derived.outputColumns) }
    let width = derived.outputColumns.count
    // (Read once, not through the stream and `derived` for every field.)
    let delimiter = stream.dialect.delimiter, quote = stream.dialect.quote, overrides = derived.overrides, inputCount = derived.inputCount
    let compute = derived.computeCSV()
    // Only new columns, after the input's: a row of the header's width, none
    // of its fields quoted, is copied as read before them.
    let appendsOnly = width > inputCount && overrides.prefix(inputCount).allSatisfy { $0 == nil }
    let plainNumbers = !Self.numbersMayNeedQuotes(stream.dialect)
    @inline(__always) func derive(_ current: CSVRecord) throws {
      // (Every row through Strings when byteLevel is off: the tests' reference.)
      if byteLevel && current.isASCII {
        current.withLentFields { compute(CSVExpressionRow(fields: $0)) }
        if appendsOnly && current.count == inputCount, let bytes = current.unquotedBytes(delimiter: delimiter, quote: quote) {
          // New values that are numbers or null (none needs quotes) go with
          // the row into the output's buffer at once; others, field by field.
          if plainNumbers,
            try Self.writeInPlace(bytes, values: overrides[inputCount..<width], of: derived, delimiter: delimiter, to: sink)
          {
            return
          }
          try sink.write(bytes)
          for index in inputCount..<width {
            try sink.write(byte: delimiter)
            try derived.withValue(overrides[index]!) { try Self.write($0, to: csv) }
          }
          try csv.endRecord()
          return
        }
        for index in 0..<width {
          if index > 0 { try sink.write(byte: delimiter) }
          if let slot = overrides[index] {
            try derived.withValue(slot) { try Self.write($0, to: csv) }
          } else if index < current.count {
            try csv.writeField(bytes: current.field(index))
          }
        }
        if current.count > inputCount {
          for index in inputCount..<current.count {
            try sink.write(byte: delimiter)
            try csv.writeField(bytes: current.field(index))
          }
        }
        if width == 1 && current.count <= max(inputCount, 1) {
          // A lone empty field is written as "" so that it is not a blank
          // line, which a reader skips (as the String path's writer does).
          let empty = overrides[0].map { slot in derived.withValue(slot) { $0.isEmptyField } } ?? (current.count == 0 || current.field(0).isEmpty)
          if empty {
            try sink.write(byte: quote)
            try sink.write(byte: quote)
          }
        }
        try csv.endRecord()
        return
      }
      guard let record = try stream.record(from: current) else { return }
      derived.compute(RecordExpressionRow(record: record))
      var fields: [String] = []
      fields.reserveCapacity(width)
      for index in 0..<width {
        if let slot = derived.overrides[index] {
          fields.append(derived.values[slot].text)
        } else {
          fields.append(index < record.fields.count ? record.fields[index].value.text : "")
        }
      }
      if record.fields.count > derived.inputCount {
        fields += record.fields[derived.inputCount...].map(\.value.text)
      }
      try csv.write(fields)
    }
    if let firstRow { try derive(firstRow) }
    try stream.forEachRow { row in try derive(row) }
  }

  private static func reportRagged(_ stream: RecordStream) {
    stream.reportRagged("short ones were written with empty fields, long ones with their extra fields after the derived columns")
  }
}
