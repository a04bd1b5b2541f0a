/// Calls `body` with `generator`, then closes it, whether `body` returns,
/// throws or breaks out of a loop early: every `defer` in the generator's body
/// has run when `closing` returns. Python: `with contextlib.closing(gen) as g:`.
///
/// A generator is closed when its last reference goes, so most code needs no
/// help. Use this where a reference outlives the loop: a top-level variable of
/// a `main.swift` (a global, never released), a stored property, a captured one.
///
/// ```swift
/// let lines = readLines("server.log")            // at the top level: a global
/// try closing(lines) { lines in
///   for line in lines where line.contains("ERROR") { print(line); break }
/// }                                              // the file is closed here
/// ```
///
/// - Throws: what `body` throws (the generator is closed first), or what
///   closing throws (``GeneratorError/Code/ignoredClose``, an error of the
///   body's cleanup) when `body` returned.
public func closing<Element, Sent, Return, Result>(
  _ generator: Coroutine<Element, Sent, Return>, _ body: (Coroutine<Element, Sent, Return>) throws -> Result
) throws -> Result {
  let result: Result
  do {
    result = try body(generator)
  } catch {
    try? generator.close()  // the body's error is the one to report
    throw error
  }
  try generator.close()
  return result
}

/// Calls `body` with the async `generator`, then closes it (waiting for its
/// cleanup), whether `body` returns or throws. Python: `async with
/// contextlib.aclosing(agen) as g:`. See the synchronous form, `closing(_:_:)`.
nonisolated(nonsending) public func closing<Element, Sent, Return, Result>(
  _ generator: AsyncCoroutine<Element, Sent, Return>,
  _ body: (AsyncCoroutine<Element, Sent, Return>) async throws -> Result
) async throws -> Result {
  let result: Result
  do {
    result = try await body(generator)
  } catch {
    try? await generator.close()
    throw error
  }
  try await generator.close()
  return result
}
