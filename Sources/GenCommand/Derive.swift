import ArgumentParser
import Foundation
import StreamIO

struct Derive: GenVerb {
  static let configuration = CommandConfiguration(
    abstract: "Add computed columns: gen derive total='qty * price' sales.csv (CSV or JSON Lines).",
    discussion: """
      Each NAME=EXPRESSION adds a column NAME (or replaces the column of that name, in place), \
      computed in order, so a later expression may read an earlier one. The expressions are \
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
    let stream = try RecordStream(options, environment: environment)
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
    let derived = try DerivedColumns(assignments, columns: known ? stream.columns : nil, option: "derive")
    let sink = try Self.sink(output, environment: environment)
    defer { if let temporary = sink.temporaryPath { Interrupts.forget(temporary) } }
    if stream.format == .csv {
      try deriveCSV(stream, firstRow: nil, derived: derived, sink: sink, environment: environment)
    } else {
      while let record = try first.take() ?? stream.next() {
        derived.compute(RecordExpressionRow(record: record))
        var fields = record.fields
        for (name, value) in zip(derived.names, derived.values) {
          if let index = fields.firstIndex(where: { $0.name == name }) {
            fields[index].value = value.json
          } else {
            fields.append(Field(name, value.json))
          }
        }
        try sink.write(JSONValue.object(fields).serialized)
        try sink.write(byte: 0x0A)
      }
    }
    if output != nil && output != "-" { try sink.close() }
    stream.reportSkipped()
    derived.report(environment, option: "derive")
  }

  static func sink(_ output: String?, environment: GenEnvironment) throws -> OutputSink {
    guard let output, output != "-" else { return environment.stdout }
    let sink = try OutputSink(path: output)
    if let temporary = sink.temporaryPath { Interrupts.remember(temporary) }
    return sink
  }

  /// Writes a computed value as a CSV field from its bytes: no generic
  /// String path (CSVWriter's is not specialized across modules), no String
  /// at all for a field passed through or an integer.
  @inline(__always)
  static func write(_ value: ExpressionValue, to csv: CSVWriter) throws {
    switch value {
    case .null: return
    case .bytes(let field): try csv.writeField(bytes: field)
    case .integer(let number):
      var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: a sign and 20 digits fit
      try withUnsafeMutableBytes(of: &digits) { buffer in
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
        try csv.sink.write(UnsafeRawBufferPointer(rebasing: buffer[at...]))
      }
    default:
      var text = value.text
      try text.withUTF8 { bytes in try csv.writeField(bytes: UnsafeRawBufferPointer(bytes)) }
    }
  }

  /// A headerless CSV: compiled once the first row gives the names.
  private func deriveCSV(
    _ stream: RecordStream, firstRow: CSVRecord, assignments: [String], environment: GenEnvironment
  ) throws {
    let derived = try DerivedColumns(assignments, columns: stream.columns, option: "derive")
    let sink = try Self.sink(output, environment: environment)
    defer { if let temporary = sink.temporaryPath { Interrupts.forget(temporary) } }
    try deriveCSV(stream, firstRow: firstRow, derived: derived, sink: sink, environment: environment)
    if output != nil && output != "-" { try sink.close() }
    stream.reportSkipped()
    derived.report(environment, option: "derive")
  }

  /// CSV: ASCII rows from the reader's bytes, others through Strings (which
  /// checks their UTF-8). A short row's missing fields are written empty; a
  /// long row's extra fields follow the derived ones (nothing is dropped).
  private func deriveCSV(
    _ stream: RecordStream, firstRow: CSVRecord?, derived: DerivedColumns, sink: OutputSink, environment: GenEnvironment
  ) throws {
    let csv = CSVWriter(sink: sink, dialect: stream.dialect, lineTerminator: "\n")
    if stream.writesHeader { try csv.write(derived.outputColumns) }
    let width = derived.outputColumns.count
    // (Read once, not through the stream and `derived` for every field.)
    let delimiter = stream.dialect.delimiter, overrides = derived.overrides, inputCount = derived.inputCount
    let byteLevel = environment.byteLevel, compute = derived.computeCSV()
    var row = firstRow
    while let current = try row.take() ?? stream.nextRow() {
      // (Every row through Strings when byteLevel is off: the tests' reference.)
      if byteLevel && current.isASCII {
        compute(CSVExpressionRow(row: current))
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
        try csv.endRecord()
        continue
      }
      guard let record = try stream.record(from: current) else { continue }
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
    stream.reportRagged("short ones were written with empty fields, long ones with their extra fields after the derived columns")
  }
}
