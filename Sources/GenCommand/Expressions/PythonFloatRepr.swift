/// A Double's text as Python's `repr` writes it (`59.97`, `6.0`, `1e+20`,
/// `inf`, `9007199254740994.0`), made in inline storage: a derived column
/// writes one per record, and most products of a price and a quantity
/// (`23.099999999999998`) take more than the 15 bytes a String holds without
/// allocating. (Below 1e-4 and from 1e16 up, where Swift's text needs
/// rewriting, Strings are made: those values are rare.)
///
/// The shortest digits that read back are Swift's (`Double.write(to:)`, the
/// text of `description`); where the point goes is Python's rule (plain from
/// 1e-4 up to below 1e16, else an exponent of at least two digits).
struct PythonFloatRepr: TextOutputStream {
  /// The text's bytes: 32, room for the longest (`-1.7976931348623157e+308`, 24).
  private var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
  private(set) var count = 0

  init(_ value: Double) {
    let hundredths = withUnsafeMutableBytes(of: &storage) { Self.writeHundredths(value, to: $0.baseAddress!) }
    if hundredths > 0 {
      count = hundredths
      return
    }
    if value.isNaN {  // (Swift writes a NaN with its sign bit set `-nan`; Python, `nan`)
      write("nan")
      return
    }
    value.write(to: &self)
    guard value.isFinite, value != 0 else { return }  // inf, nan, 0.0 and -0.0 read as Python's
    // From 1e-4 up to below 1e16 both write the same fixed notation (the
    // shortest digits that read back); only Swift's exponent forms, and
    // its fixed notation where Python's has an exponent, need rewriting.
    if value.magnitude >= 1e-4 && value.magnitude < 1e16 && !contains(UInt8(ascii: "e")) { return }
    let rewritten = Self.rewrite(swift: string)
    count = 0
    write(rewritten)
  }

  /// Calls `body` with the text's bytes.
  @inline(__always)
  func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try withUnsafeBytes(of: storage) { try body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
  }

  var string: String { withBytes { String(decoding: $0, as: UTF8.self) } }

  // TextOutputStream: how `Double.write(to:)` hands over its digits (as
  // ASCII bytes, through `_writeASCII`, in the standard library's version
  // of today; a String otherwise, which is taken as well).
  mutating func write(_ text: String) {
    var text = text
    text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
  }

  mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { append(UnsafeRawBufferPointer(buffer)) }

  @inline(__always)
  private mutating func append(_ bytes: UnsafeRawBufferPointer) {
    let room = MemoryLayout.size(ofValue: storage) - count
    precondition(bytes.count <= room, "a Double's text is longer than any Double's")
    let at = count
    withUnsafeMutableBytes(of: &storage) { storage in
      UnsafeMutableRawBufferPointer(rebasing: storage[at..<at + bytes.count]).copyMemory(from: bytes)
    }
    count += bytes.count
  }

  private func contains(_ byte: UInt8) -> Bool { withBytes { $0.contains(byte) } }

  /// Writes `value`'s repr at `output`, which has room for 32 bytes;
  /// returns its length. (A derived column's value goes straight into the
  /// output's buffer: no copy through a ``PythonFloatRepr``.)
  @inline(__always)
  static func write(_ value: Double, to output: UnsafeMutableRawPointer) -> Int {
    let hundredths = writeHundredths(value, to: output)
    if hundredths > 0 { return hundredths }
    return PythonFloatRepr(value).withBytes { text in
      output.copyMemory(from: text.baseAddress!, byteCount: text.count)
      return text.count
    }
  }

  /// A whole number of hundredths (a price, a price times a quantity), from
  /// 0.01 up to below 1e13, without the shortest-digits search: written at
  /// `output` (at most 17 bytes), its length returned. Exact: the number's
  /// shortest repr is this one when `m / 100` reads back as the value, since
  /// below 1e13 a float's spacing is under a hundredth, so no other decimal
  /// of two places or fewer reads back as it. 0 (nothing written) for any
  /// other value.
  @inline(__always)
  private static func writeHundredths(_ value: Double, to output: UnsafeMutableRawPointer) -> Int {
    let magnitude = value.magnitude
    guard magnitude >= 0.01, magnitude < 1e13 else { return 0 }
    // (Any whole number near it will do: the check decides. Through an
    // integer rather than `rounded()`, which is a call to libm's round.)
    // (Int64, which x86 converts in one instruction each way, unlike UInt64.)
    let hundredths = Int64(magnitude * 100 + 0.5)
    guard Double(hundredths) / 100 == magnitude else { return 0 }
    // (Unsigned: a division by a constant is then a multiplication and a shift, no sign fix-up.)
    let all = UInt64(truncatingIfNeeded: hundredths)
    let whole = all / 100, cents = all % 100
    var digits = 1
    var power: UInt64 = 10
    while digits < 13 && whole >= power {
      digits &+= 1
      power &*= 10
    }
    var at = 0
    if value.sign == .minus {
      output.storeBytes(of: UInt8(ascii: "-"), as: UInt8.self)
      at = 1
    }
    // The whole part right to left, two digits a step.
    var rest = whole
    var index = at &+ digits
    while index &- at >= 2 {
      let pair = rest % 100
      rest /= 100
      index &-= 2
      output.storeBytes(of: UInt8(truncatingIfNeeded: pair / 10) &+ 0x30, toByteOffset: index, as: UInt8.self)
      output.storeBytes(of: UInt8(truncatingIfNeeded: pair % 10) &+ 0x30, toByteOffset: index &+ 1, as: UInt8.self)
    }
    if index > at { output.storeBytes(of: UInt8(truncatingIfNeeded: rest) &+ 0x30, toByteOffset: at, as: UInt8.self) }
    at &+= digits
    output.storeBytes(of: UInt8(ascii: "."), toByteOffset: at, as: UInt8.self)
    output.storeBytes(of: UInt8(truncatingIfNeeded: cents / 10) &+ 0x30, toByteOffset: at &+ 1, as: UInt8.self)
    let last = cents % 10
    if last == 0 { return at &+ 2 }
    output.storeBytes(of: UInt8(truncatingIfNeeded: last) &+ 0x30, toByteOffset: at &+ 2, as: UInt8.self)
    return at &+ 3
  }

  /// Swift's text of a finite, nonzero Double where Python's repr may
  /// differ (an exponent form, or a magnitude outside 1e-4 up to 1e16), as
  /// the repr writes the same digits: fixed notation inside that range,
  /// else one digit before the point and an exponent of two digits or more.
  private static func rewrite(swift text: String) -> String {
    var body = Substring(text)
    let negative = body.first == "-"
    if negative { body = body.dropFirst() }
    var digits: [Character], point: Int  // value = 0.digits × 10^point
    if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
      let mantissa = body[..<e]
      digits = mantissa.filter { $0 != "." }.map { $0 }
      point = Int(body[body.index(after: e)...])! + 1
    } else {
      let parts = body.split(separator: ".", omittingEmptySubsequences: false)
      let whole = parts[0] == "0" ? "" : parts[0]
      digits = Array(whole) + Array(parts.count > 1 ? parts[1] : "")
      point = whole.count
    }
    while digits.first == "0" {
      digits.removeFirst()
      point -= 1
    }
    while digits.last == "0" { digits.removeLast() }
    let sign = negative ? "-" : ""
    if point > -4 && point <= 16 {
      if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + String(digits) }
      if point >= digits.count { return sign + String(digits) + String(repeating: "0", count: point - digits.count) + ".0" }
      return sign + String(digits[..<point]) + "." + String(digits[point...])
    }
    let exponent = point - 1
    let magnitude = String(abs(exponent))
    return sign + String(digits[0]) + (digits.count > 1 ? "." + String(digits[1...]) : "") + "e"
      + (exponent < 0 ? "-" : "+") + (magnitude.count < 2 ? "0" : "") + magnitude
  }
}
