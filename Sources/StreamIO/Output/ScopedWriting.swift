import Foundation

// The scoped forms of the writers, as Python's `with open(path, "w") as f:`:
// the output is closed (committed) when the closure returns and discarded when
// it throws, so a forgotten `close()` cannot lose a file, and an error cannot
// leave half of one. Each comes in a synchronous and an async form: a closure
// that awaits takes the async one, any other the synchronous one (also in
// async code, where writing without awaiting needs no `await`).

extension OutputSink {
  /// Writes to `path` (atomically, see ``OutputSink``) inside `body`: closed
  /// when `body` returns, discarded when it throws.
  ///
  /// ```swift
  /// try OutputSink.write(to: "hello.txt") { out in
  ///   try out.write("hello\n")
  /// }
  /// ```
  ///
  /// Python: `with open(path, "w") as f: ...`.
  /// - Returns: what `body` returns.
  /// - Throws: ``StreamIOError`` when the file cannot be created or written,
  ///   or what `body` throws (the file is then left as it was).
  public static func write<Result>(
    to path: String, bufferSize: Int = 64 * 1024, _ body: (OutputSink) throws -> Result
  ) throws -> Result {
    let sink = try OutputSink(path: path, bufferSize: bufferSize)
    return try sink.closing { try body(sink) }
  }

  /// The async form of ``write(to:bufferSize:_:)``, for a body that awaits
  /// (`for try await` over a generator or a reader).
  nonisolated(nonsending) public static func write<Result>(
    to path: String, bufferSize: Int = 64 * 1024, _ body: (OutputSink) async throws -> Result
  ) async throws -> Result {
    let sink = try OutputSink(path: path, bufferSize: bufferSize)
    return try await sink.closing { try await body(sink) }
  }

  /// Runs `body`, then closes; discards if `body` throws.
  func closing<Result>(_ body: () throws -> Result) throws -> Result {
    let result: Result
    do {
      result = try body()
    } catch {
      discard()
      throw error
    }
    try close()
    return result
  }

  nonisolated(nonsending) func closing<Result>(_ body: () async throws -> Result) async throws -> Result {
    let result: Result
    do {
      result = try await body()
    } catch {
      discard()
      throw error
    }
    try close()
    return result
  }
}

extension CSVWriter {
  /// Writes CSV to `path` (atomically, see ``OutputSink``) inside `body`:
  /// closed when `body` returns, discarded when it throws.
  ///
  /// ```swift
  /// try CSVWriter.write(to: "totals.csv") { csv in
  ///   try csv.write(["country", "total"])
  ///   try csv.write(["FR", "12.50"])
  /// }
  /// ```
  ///
  /// Python: `with open(path, "w", newline="") as f: w = csv.writer(f); ...`.
  /// - Throws: ``StreamIOError`` when the file cannot be created or written,
  ///   or what `body` throws (the file is then left as it was).
  public static func write<Result>(
    to path: String, dialect: CSVDialect = .standard, lineTerminator: String = "\r\n",
    _ body: (CSVWriter) throws -> Result
  ) throws -> Result {
    let writer = try CSVWriter(path: path, dialect: dialect, lineTerminator: lineTerminator)
    return try writer.sink.closing { try body(writer) }
  }

  /// The async form of ``write(to:dialect:lineTerminator:_:)``.
  nonisolated(nonsending) public static func write<Result>(
    to path: String, dialect: CSVDialect = .standard, lineTerminator: String = "\r\n",
    _ body: (CSVWriter) async throws -> Result
  ) async throws -> Result {
    let writer = try CSVWriter(path: path, dialect: dialect, lineTerminator: lineTerminator)
    return try await writer.sink.closing { try await body(writer) }
  }
}

extension JSONLinesWriter {
  /// Writes JSON Lines to `path` (atomically, see ``OutputSink``) inside
  /// `body`: closed when `body` returns, discarded when it throws.
  ///
  /// ```swift
  /// struct Total: Encodable { var country: String; var total: Double }
  /// try JSONLinesWriter<Total>.write(to: "totals.jsonl") { out in
  ///   try out.write(Total(country: "FR", total: 12.5))
  /// }
  /// ```
  ///
  /// Python: `with open(path, "w") as f: f.write(json.dumps(v) + "\n")`.
  /// - Throws: ``StreamIOError`` when the file cannot be created or written,
  ///   or what `body` throws (the file is then left as it was).
  public static func write<Result>(
    to path: String, encoder: JSONEncoder = JSONLinesWriter.defaultEncoder(), _ body: (JSONLinesWriter) throws -> Result
  ) throws -> Result {
    let writer = try JSONLinesWriter(path: path, encoder: encoder)
    return try writer.sink.closing { try body(writer) }
  }

  /// The async form of ``write(to:encoder:_:)``.
  nonisolated(nonsending) public static func write<Result>(
    to path: String, encoder: JSONEncoder = JSONLinesWriter.defaultEncoder(), _ body: (JSONLinesWriter) async throws -> Result
  ) async throws -> Result {
    let writer = try JSONLinesWriter(path: path, encoder: encoder)
    return try await writer.sink.closing { try await body(writer) }
  }
}
