import CStreamIOSupport

/// A type that a CSV field's bytes convert to, for `record["qty", as: Int.self]`.
/// Python: the `int(row["qty"])` you would write by hand.
public protocol CSVFieldDecodable {
  /// The value in `field`, or nil if the bytes are not one.
  static func decode(csvField field: UnsafeRawBufferPointer) -> Self?
}

extension String: CSVFieldDecodable {
  @inlinable
  public static func decode(csvField field: UnsafeRawBufferPointer) -> String? {
    validatedString(field)
  }
}

extension Int: CSVFieldDecodable {
  /// Decimal digits with an optional sign; no spaces.
  @inlinable
  public static func decode(csvField field: UnsafeRawBufferPointer) -> Int? {
    CSVNumbers.integer(field)
  }
}

extension Int64: CSVFieldDecodable {
  @inlinable
  public static func decode(csvField field: UnsafeRawBufferPointer) -> Int64? {
    CSVNumbers.integer(field).map(Int64.init)
  }
}

extension Double: CSVFieldDecodable {
  /// Decimal or scientific notation, `inf` and `nan`, as Python's `float()`
  /// reads them (not hexadecimal, which Swift's `Double(String)` also takes).
  @inlinable
  public static func decode(csvField field: UnsafeRawBufferPointer) -> Double? {
    CSVNumbers.double(field)
  }
}

extension Bool: CSVFieldDecodable {
  /// `true`/`false`, `1`/`0`, `yes`/`no` (any case).
  public static func decode(csvField field: UnsafeRawBufferPointer) -> Bool? {
    switch String(decoding: field, as: UTF8.self).lowercased() {
    case "true", "1", "yes": true
    case "false", "0", "no": false
    default: nil
    }
  }
}

/// Number parsing straight from bytes, without making a `String` first.
@usableFromInline
package enum CSVNumbers {
  // Fields in a reader's buffer are read eight bytes at a time (SWAR): the
  // buffer is readable at least 64 bytes past any field's end (ReadBuffer's
  // padding), so a short field is loaded in one word and its digits combined
  // with three multiplications, without a loop whose length varies with the
  // number (a mispredicted branch per number, the most costly part).

  /// The first `count` (1...8) bytes of `word` moved to its high bytes, with
  /// ASCII '0's below them: "42" -> "00000042" (little-endian, first byte lowest).
  @inlinable @inline(__always)
  static func zeroPadded(_ word: UInt64, count: Int) -> UInt64 {
    let padding = UInt64(truncatingIfNeeded: 64 &- 8 &* count)  // 0 ..< 64
    return padding == 0 ? word : (word &<< padding) | (0x3030_3030_3030_3030 &>> (64 &- padding))
  }

  /// Whether all eight bytes of `word` are ASCII digits.
  @inlinable @inline(__always)
  static func isEightDigits(_ word: UInt64) -> Bool {
    (word & 0xF0F0_F0F0_F0F0_F0F0) | (((word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) &>> 4)
      == 0x3333_3333_3333_3333
  }

  /// The value of eight ASCII digits in a little-endian word (first digit in
  /// the lowest byte): pairs, then fours, then all eight (Lemire's method).
  @inlinable @inline(__always)
  static func eightDigitsValue(_ word: UInt64) -> UInt64 {
    var value = word &- 0x3030_3030_3030_3030
    value = (value &* 10) &+ (value &>> 8)
    value =
      (((value & 0x0000_00FF_0000_00FF) &* (100 &+ (1_000_000 &<< 32)))
        &+ (((value &>> 16) & 0x0000_00FF_0000_00FF) &* (1 &+ (10_000 &<< 32)))) &>> 32
    return value
  }

  /// An unsigned integer of 1 to 8 digits in a buffer field, or nil (then
  /// the field needs ``integer(_:)``).
  @inlinable @inline(__always)
  static func shortInteger(inBuffer field: UnsafeRawBufferPointer) -> Int? {
    #if _endian(big)
    return nil  // the word arithmetic below assumes the first byte is the lowest
    #endif
    let n = field.count
    guard n >= 1 && n <= 8 else { return nil }
    let word = zeroPadded(field.baseAddress.unsafelyUnwrapped.loadUnaligned(as: UInt64.self), count: n)
    guard isEightDigits(word) else { return nil }
    return Int(truncatingIfNeeded: eightDigitsValue(word))
  }

  /// An unsigned decimal of 1 to 8 bytes (`123.45`, `7`, `.5`) in a buffer
  /// field, or nil (then the field needs ``double(_:)``).
  @inlinable @inline(__always)
  static func shortDouble(inBuffer field: UnsafeRawBufferPointer) -> Double? {
    guard let (digits, fraction) = shortDecimal(inBuffer: field) else { return nil }
    return Double(digits) / exactPowerOfTen(fraction)
  }

  /// An unsigned decimal of 1 to 8 bytes (`123.45`, `7`, `.5`) in a buffer
  /// field, as its digits' value and how many of them follow the point
  /// (12345 and 2), or nil: what `DecimalSum` reads, without a loop per digit.
  @inlinable @inline(__always)
  package static func shortDecimal(inBuffer field: UnsafeRawBufferPointer) -> (digits: Int64, fraction: Int)? {
    #if _endian(big)
    return nil  // the word arithmetic below assumes the first byte is the lowest
    #endif
    let n = field.count
    guard n >= 1 && n <= 8 else { return nil }
    let start = field.baseAddress.unsafelyUnwrapped
    let raw = start.loadUnaligned(as: UInt64.self)
    // The first '.', if any: the lowest flagged byte is exact.
    let dots = ByteWords.equal(raw, 0x2E) & ByteMasks.lowBits(8 &* n)
    var digits = raw, count = n, fraction = 0
    if dots != 0 {
      let dot = dots.trailingZeroBitCount &>> 3
      guard n > 1 else { return nil }
      // Close the gap: the bytes after the dot move down one.
      let below = ByteMasks.lowBits(8 &* dot)
      digits = (raw & below) | ((raw &>> 8) & ~below)
      count = n &- 1
      fraction = count &- dot
    }
    let word = zeroPadded(digits, count: count)
    guard isEightDigits(word) else { return nil }
    return (Int64(truncatingIfNeeded: eightDigitsValue(word)), fraction)
  }

  /// `Int` from a field in a reader's buffer (as `Int.decode(csvField:)` reads it).
  @inlinable @inline(__always)
  package static func integer(inBuffer field: UnsafeRawBufferPointer) -> Int? {
    if let value = shortInteger(inBuffer: field) { return value }
    #if _endian(little)
    // Eight bytes or fewer that are not all digits: an integer only if
    // signed (a decimal such as `94.38` is refused here, not digit by digit).
    if field.count <= 8 && field.count > 0 && field[0] != UInt8(ascii: "-") && field[0] != UInt8(ascii: "+") {
      return nil
    }
    #endif
    return integer(field)
  }

  /// `Double` from a field in a reader's buffer (as `Double.decode(csvField:)` reads it).
  @inlinable @inline(__always)
  package static func double(inBuffer field: UnsafeRawBufferPointer) -> Double? {
    if let value = shortDouble(inBuffer: field) { return value }
    return double(field)
  }

  @inlinable @inline(__always)
  static func integer(_ field: UnsafeRawBufferPointer) -> Int? {
    var i = 0
    let n = field.count
    guard n > 0 else { return nil }
    var negative = false
    if field[0] == UInt8(ascii: "-") || field[0] == UInt8(ascii: "+") {
      negative = field[0] == UInt8(ascii: "-")
      i = 1
      guard n > 1 else { return nil }
    }
    var value = 0
    while i < n {
      let digit = Int(field[i]) &- 48
      guard digit >= 0 && digit <= 9 else { return nil }
      let (times10, o1) = value.multipliedReportingOverflow(by: 10)
      let (next, o2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
      guard !o1 && !o2 else { return nil }
      value = next
      i &+= 1
    }
    return value
  }

  /// 10^exponent for 0...22, each exact in a Double (a table in C).
  @inlinable @inline(__always)
  static func exactPowerOfTen(_ exponent: Int) -> Double {
    cbs_exact_power_of_ten(UInt32(truncatingIfNeeded: exponent))
  }

  /// Plain decimals (`-12.345`) of up to 15 significant digits are read
  /// exactly and fast (a 53-bit mantissa divided by an exact power of ten is
  /// correctly rounded); anything else goes to `Double(String)`.
  @inlinable @inline(__always)
  static func double(_ field: UnsafeRawBufferPointer) -> Double? {
    let n = field.count
    guard n > 0 && n <= 17 else { return slowDouble(field) }
    var i = 0
    let sign = field[0]
    let negative = sign == UInt8(ascii: "-")
    if negative || sign == UInt8(ascii: "+") { i = 1 }
    var mantissa: Int64 = 0
    let integerStart = i
    while i < n {  // integer part
      let digit = Int64(field[i]) &- 48
      guard digit >= 0 && digit <= 9 else { break }
      mantissa = mantissa &* 10 &+ digit
      i &+= 1
    }
    var digits = i &- integerStart
    var fraction = 0
    if i < n {
      guard field[i] == UInt8(ascii: ".") else { return slowDouble(field) }
      i &+= 1
      let fractionStart = i
      while i < n {
        let digit = Int64(field[i]) &- 48
        guard digit >= 0 && digit <= 9 else { return slowDouble(field) }
        mantissa = mantissa &* 10 &+ digit
        i &+= 1
      }
      fraction = i &- fractionStart
      digits &+= fraction
    }
    guard digits > 0 && digits <= 15 else { return slowDouble(field) }
    let value = Double(mantissa) / exactPowerOfTen(fraction)
    return negative ? -value : value
  }

  /// Whether the field is text no number can be read from, as its first
  /// letter (after a sign) shows: a name, a word. Only inf, infinity and nan
  /// start with a letter, i or n. (False does not make it a number.)
  @inlinable @inline(__always)
  package static func isText(_ field: UnsafeRawBufferPointer) -> Bool {
    guard var first = field.first else { return false }
    if (first == UInt8(ascii: "-") || first == UInt8(ascii: "+")) && field.count > 1 { first = field[1] }
    let lower = first | 0x20
    return lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z") && lower != UInt8(ascii: "i") && lower != UInt8(ascii: "n")
  }

  /// A byte no number Python's `float()` reads contains (those in "0x1p3",
  /// "snan", "nan(1)"), though Swift's `Double(String)` reads them; and NUL,
  /// where Swift's parser stops reading ("1\0s" would be 1).
  static func isNotPythonFloatByte(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: "x") || byte == UInt8(ascii: "X") || byte == UInt8(ascii: "s") || byte == UInt8(ascii: "S")
      || byte == UInt8(ascii: "(") || byte == 0
  }

  @usableFromInline
  static func slowDouble(_ field: UnsafeRawBufferPointer) -> Double? {
    if isText(field) { return nil }
    // What Swift's Double(String) reads and Python's float() does not is
    // text to us too: hexadecimal ("0x10", "0x1p3"), "snan" and "nan(…)".
    if field.contains(where: CSVNumbers.isNotPythonFloatByte) { return nil }
    return Double(String(decoding: field, as: UTF8.self))
  }
}
