/// `start`, `start + step`, `start + 2 * step`, … forever: the standard
/// library's `stride(from:to:by:)` without an end. Python: `itertools.count(start, step)`.
///
/// ```swift
/// Array(stride(from: 10, by: 5).prefix(3))     // → [10, 15, 20]
/// for (id, name) in zip(stride(from: 1, by: 1), ["a", "b"]) { print(id, name) }
/// ```
///
/// - Complexity: O(1) per element.
@inlinable
public func stride<Number: Numeric>(from start: Number, by step: Number) -> UnfoldSequence<Number, Number> {
  sequence(state: start) { current in
    defer { current += step }
    return current
  }
}

/// The former name of ``stride(from:by:)``: a free function named `count`
/// was shadowed by every `count` property in scope.
@available(*, deprecated, renamed: "stride(from:by:)")
@inlinable
public func count<Number: Numeric>(from start: Number = 0, by step: Number = 1) -> UnfoldSequence<Number, Number> {
  stride(from: start, by: step)
}
