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
  /// Decimal or scientific notation, `inf` and `nan`, as Swift's `Double(String)` reads them.
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
enum CSVNumbers {
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

  /// 10^exponent for 0...15, each exact in a Double. A switch, not a global
  /// array: a global is initialized lazily, checked on every call.
  @inlinable @inline(__always)
  static func exactPowerOfTen(_ exponent: Int) -> Double {
    switch exponent {
    case 0: 1
    case 1: 1e1
    case 2: 1e2
    case 3: 1e3
    case 4: 1e4
    case 5: 1e5
    case 6: 1e6
    case 7: 1e7
    case 8: 1e8
    case 9: 1e9
    case 10: 1e10
    case 11: 1e11
    case 12: 1e12
    case 13: 1e13
    case 14: 1e14
    default: 1e15
    }
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

  @usableFromInline
  static func slowDouble(_ field: UnsafeRawBufferPointer) -> Double? {
    Double(String(decoding: field, as: UTF8.self))
  }
}
