// Feeds arbitrary bytes to LineReader and CSVReader and checks that they
// neither crash nor hang, that memory stays bounded (libFuzzer's rss limit),
// and that the buffer size never changes what they read: each input is read
// with a tiny buffer chosen by the fuzzer and with a large one, and the two
// readings, errors included, must be identical. Every field also reads as
// Int and Double exactly as Swift's own parsers read its text (hexadecimal
// aside: a Double field is never hexadecimal, as for Python's float()).
import StreamIO
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The input as a readable descriptor: an unlinked file in /dev/shm (memory).
func source(_ bytes: UnsafeRawBufferPointer) -> ByteSource {
  var template = Array("/dev/shm/streamio-fuzz-XXXXXX".utf8CString)
  let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
  precondition(fd >= 0, "mkstemp failed")
  template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
  var written = 0
  while written < bytes.count {
    let n = Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written)
    precondition(n > 0, "write to memfd failed")
    written += n
  }
  lseek(fd, 0, SEEK_SET)
  return try! ByteSource(descriptor: FileDescriptor(rawValue: fd), name: "<fuzz>", closeWhenDone: true)
}

enum Outcome: Equatable {
  case line(Int, [UInt8])
  case record(Int, Int, [[UInt8]])
  case error(StreamIOError.Code, Int?, Int?)
}

func readLines(_ bytes: UnsafeRawBufferPointer, bufferSize: Int, maxLineLength: Int) -> [Outcome] {
  let reader = LineReader(source: source(bytes), bufferSize: bufferSize, maxLineLength: maxLineLength)
  var outcomes: [Outcome] = []
  do {
    while let line = try reader.next() { outcomes.append(.line(line.number, Array(line.bytes))) }
  } catch {
    outcomes.append(.error(error.code, error.line, error.byteOffset))
  }
  return outcomes
}

func readCSV(_ bytes: UnsafeRawBufferPointer, bufferSize: Int, maxRecordSize: Int, skip: Bool) -> [Outcome] {
  var outcomes: [Outcome] = []
  do {
    let reader = try CSVReader(
      source: source(bytes), dialect: CSVDialect(hasHeader: false), bufferSize: bufferSize,
      maxRecordSize: maxRecordSize, onError: skip ? .skip : .throw)
    while let record = try reader.next() {
      outcomes.append(.record(record.number, record.line, (0..<record.count).map { Array(record.field($0)) }))
      for index in 0..<record.count { checkNumbers(record, index) }
    }
    for error in reader.skippedErrors { outcomes.append(.error(error.code, error.line, error.byteOffset)) }
  } catch {
    outcomes.append(.error(error.code, error.line, error.byteOffset))
  }
  return outcomes
}

/// Numbers read from the buffer (eight bytes at a time) equal Swift's parsers'.
func checkNumbers(_ record: CSVRecord, _ index: Int) {
  let text = String(decoding: record.field(index), as: UTF8.self)
  let double = try? record[index, as: Double.self]
  // As Swift's parser, but what Python's float() refuses is text: hexadecimal,
  // snan, nan(…), and anything with a NUL (where Swift's parser stops reading).
  let expected = text.unicodeScalars.contains(where: { "xXsS(\0".unicodeScalars.contains($0) }) ? nil : Double(text)
  precondition(
    double == expected || (double?.isNaN == true && expected?.isNaN == true), "Double \(text.debugDescription)")
  precondition((try? record[index, as: Int.self]) == Int(text), "Int \(text.debugDescription)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size >= 2 else { return 0 }
  let small = Int(data[0] % 32) + 1
  let limit = Int(data[1]) + 1
  let bytes = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
  let lines = readLines(bytes, bufferSize: small, maxLineLength: limit)
  precondition(lines == readLines(bytes, bufferSize: 65536, maxLineLength: limit), "lines depend on the buffer size")
  for skip in [false, true] {
    let records = readCSV(bytes, bufferSize: small, maxRecordSize: limit, skip: skip)
    precondition(
      records == readCSV(bytes, bufferSize: 65536, maxRecordSize: limit, skip: skip),
      "CSV records depend on the buffer size")
  }
  return 0
}
