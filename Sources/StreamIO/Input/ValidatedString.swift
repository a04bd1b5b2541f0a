/// A `String` from bytes that must be valid UTF-8, or nil.
///
/// ASCII, the common case in CSV and logs, is checked eight bytes at a time
/// and copied; only other text goes through the standard library's
/// validation, whose generic path costs several times more per field.
@inlinable
func validatedString(_ bytes: UnsafeRawBufferPointer) -> String? {
  var index = 0
  var high: UInt64 = 0
  while index + 8 <= bytes.count {
    high |= bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
    index += 8
  }
  while index < bytes.count {
    high |= UInt64(bytes[index])
    index += 1
  }
  if high & 0x8080_8080_8080_8080 == 0 { return String(decoding: bytes, as: UTF8.self) }
  return String(validating: bytes, as: UTF8.self)
}
