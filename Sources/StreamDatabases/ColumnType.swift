#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A column's type, as a table created from a header declares it: what
/// pandas' `to_sql` infers from a frame's dtypes (`int64`, `float64`, `object`).
///
/// Each value is classified by its bytes, with grammars chosen so that a value
/// loaded and queried back reads as it was written: `42` and `-7` are integers
/// (`007`, `+7` and `-0` are text, so their spelling is not lost); `3.25`,
/// `1e-7` and `.5` are reals; anything else is text; an empty field is NULL.
public enum ColumnType: String, Sendable, CaseIterable, Hashable {
  /// 64-bit signed integers: SQLite `INTEGER`, PostgreSQL `BIGINT`.
  case integer = "INTEGER"
  /// Doubles: SQLite `REAL`, PostgreSQL `DOUBLE PRECISION`.
  case real = "REAL"
  /// UTF-8 text: `TEXT` in both.
  case text = "TEXT"

  /// The name PostgreSQL's `CREATE TABLE` uses.
  public var postgresName: String {
    switch self {
    case .integer: "BIGINT"
    case .real: "DOUBLE PRECISION"
    case .text: "TEXT"
    }
  }

  /// The narrowest type that holds both: integers widen to reals, anything
  /// with text to text.
  @inlinable
  public func widened(with other: ColumnType) -> ColumnType {
    if self == other { return self }
    if self == .text || other == .text { return .text }
    return .real
  }

  /// The narrowest type of one field's bytes; nil for an empty field (NULL).
  @inlinable
  public static func classify(_ bytes: UnsafeRawBufferPointer) -> ColumnType? {
    if bytes.isEmpty { return nil }
    if FieldParsing.integer(bytes) != nil { return .integer }
    if FieldParsing.real(bytes) != nil { return .real }
    return .text
  }

  /// The type of a declared SQL type name, by SQLite's affinity rules
  /// (`INT` anywhere: integer; `CHAR`, `CLOB`, `TEXT`: text; `REAL`, `FLOA`,
  /// `DOUB`: real; `NUMERIC` and the rest: real), or PostgreSQL's names.
  public static func affinity(of declared: String) -> ColumnType {
    let name = declared.uppercased()
    if name.contains("INT") { return .integer }
    if name.contains("CHAR") || name.contains("CLOB") || name.contains("TEXT") || name.isEmpty || name.contains("BLOB") { return .text }
    if name.contains("REAL") || name.contains("FLOA") || name.contains("DOUB") || name.contains("NUMERIC") || name.contains("DECIMAL") {
      return .real
    }
    return .text
  }
}

/// A column of a table to load into: its name and type.
public struct ColumnDefinition: Sendable, Hashable {
  public var name: String
  public var type: ColumnType

  public init(name: String, type: ColumnType) {
    self.name = name
    self.type = type
  }
}

/// The byte grammars of ``ColumnType``.
public enum FieldParsing {
  /// `0`, or an optional `-` and digits without a leading zero, in Int64's range.
  @inlinable
  public static func integer(_ bytes: UnsafeRawBufferPointer) -> Int64? {
    var index = 0
    let count = bytes.count
    if count == 0 { return nil }
    let negative = bytes[0] == UInt8(ascii: "-")
    if negative { index = 1 }
    if index == count { return nil }
    let first = bytes[index]
    if first == UInt8(ascii: "0") && (count - index > 1 || negative) { return nil }  // 007, -0: text
    var value: Int64 = 0
    while index < count {
      let digit = bytes[index] &- UInt8(ascii: "0")
      if digit > 9 { return nil }
      let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
      let (next, overflow2) = negative ? times10.subtractingReportingOverflow(Int64(digit)) : times10.addingReportingOverflow(Int64(digit))
      if overflow1 || overflow2 { return nil }
      value = next
      index &+= 1
    }
    return value
  }

  /// An optional `-`, digits with an optional `.` (at least one digit, no
  /// leading zero before another digit), an optional exponent; finite. Not
  /// `+1`, `007.5`, `inf`, `nan`, hexadecimal or spaces.
  @inlinable
  public static func real(_ bytes: UnsafeRawBufferPointer) -> Double? {
    let count = bytes.count
    if count == 0 || count > 64 { return nil }
    var index = 0
    if bytes[0] == UInt8(ascii: "-") { index = 1 }
    var digits = 0
    var dot = false
    var leadingZero = false
    while index < count {
      let byte = bytes[index]
      if byte &- UInt8(ascii: "0") <= 9 {
        if digits == 0 && !dot && byte == UInt8(ascii: "0") { leadingZero = true } else if leadingZero && !dot { return nil }  // 007.5: text
        digits &+= 1
      } else if byte == UInt8(ascii: ".") && !dot {
        dot = true
      } else {
        break
      }
      index &+= 1
    }
    if digits == 0 { return nil }
    if index < count {
      guard bytes[index] | 0x20 == UInt8(ascii: "e") else { return nil }
      index &+= 1
      if index < count && (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) { index &+= 1 }
      var exponentDigits = 0
      while index < count && bytes[index] &- UInt8(ascii: "0") <= 9 {
        exponentDigits &+= 1
        index &+= 1
      }
      if exponentDigits == 0 || index != count { return nil }
    }
    return parseDouble(bytes)
  }

  /// strtod on a NUL-terminated copy (the grammar is checked already).
  @usableFromInline
  static func parseDouble(_ bytes: UnsafeRawBufferPointer) -> Double? {
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 72) { buffer in
      let base = buffer.baseAddress!
      UnsafeMutableRawPointer(base).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
      base[bytes.count] = 0
      let value = strtod(base, nil)
      return value.isFinite ? value : nil
    }
  }

  /// Whether the bytes are valid UTF-8 (ASCII checked eight bytes at a time).
  @inlinable
  public static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var index = 0
    let count = bytes.count
    while index &+ 8 <= count {
      if bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return slowUTF8(bytes) }
      index &+= 8
    }
    while index < count {
      if bytes[index] >= 0x80 { return slowUTF8(bytes) }
      index &+= 1
    }
    return true
  }

  @usableFromInline
  static func slowUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    String(validating: bytes, as: UTF8.self) != nil
  }
}
