#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#elseif canImport(Musl)
import Musl
#endif

/// A string that is equal to, hashed and ordered against another by its
/// UTF-8 bytes, that is by its Unicode code points, as Python's `str` is.
///
/// Swift's `String` compares by canonical equivalence instead: "é" (U+00E9)
/// and "e\u{301}" are one string to `==`, to a `Set` and to a dictionary's
/// keys. Two column names or two group keys that a file writes differently
/// would then become one, their values merged. Names and keys read from data
/// are kept by this instead; order is the code points' (Python's `sorted`,
/// DuckDB's and polars' default), which is also the UTF-8 bytes' order.
@usableFromInline
package struct ExactText: Hashable, Comparable, Sendable, CustomStringConvertible {
  @usableFromInline
  package let string: String

  @inlinable
  package init(_ string: String) { self.string = string }

  @usableFromInline
  package var description: String { string }

  @inlinable
  package static func == (a: ExactText, b: ExactText) -> Bool { a.string.hasSameCodePoints(as: b.string) }

  @inlinable
  package func hash(into hasher: inout Hasher) {
    var text = string
    text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
  }

  @inlinable
  package static func < (a: ExactText, b: ExactText) -> Bool { a.string.compareCodePoints(b.string) < 0 }
}

extension String {
  /// Whether the two have the same code points: Python's `==` on `str`, not
  /// Swift's canonical equivalence (see ``ExactText``).
  @inlinable
  package func hasSameCodePoints(as other: String) -> Bool {
    guard utf8.count == other.utf8.count else { return false }
    return compareCodePoints(other) == 0
  }

  /// -1, 0 or 1 as `self` is before, the same as or after `other` in code
  /// point order (the order of their UTF-8 bytes).
  @inlinable
  package func compareCodePoints(_ other: String) -> Int {
    var a = self, b = other
    return a.withUTF8 { x in
      b.withUTF8 { y in
        let shorter = Swift.min(x.count, y.count)
        let result = shorter == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, shorter)
        if result != 0 { return result < 0 ? -1 : 1 }
        return x.count < y.count ? -1 : x.count > y.count ? 1 : 0
      }
    }
  }
}

extension Array where Element == String {
  /// The first position of a string with `name`'s code points (Python's `list.index`).
  @inlinable
  package func firstIndex(ofExactly name: String) -> Int? { firstIndex { $0.hasSameCodePoints(as: name) } }

  /// The last position of a string with `name`'s code points.
  @inlinable
  package func lastIndex(ofExactly name: String) -> Int? { lastIndex { $0.hasSameCodePoints(as: name) } }

  /// Whether a string with `name`'s code points is among these (Python's `in`).
  @inlinable
  package func contains(exactly name: String) -> Bool { contains { $0.hasSameCodePoints(as: name) } }
}
