#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

package enum Memory {
  /// The most memory this process has had resident, in bytes. On Linux
  /// from VmHWM, which starts afresh at exec: `ru_maxrss` would carry the
  /// peak of the process that exec'd us (`swift run`'s, 119 MiB).
  package static func peakResident() -> Int {
    #if os(Linux)
    if let kibibytes = procStatus("VmHWM:") { return kibibytes * 1024 }
    #endif
    var usage = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    #if canImport(Darwin)
    return Int(usage.ru_maxrss)
    #else
    return Int(usage.ru_maxrss) * 1024
    #endif
  }

  #if os(Linux)
  /// The number on the line of /proc/self/status that starts with `key`.
  static func procStatus(_ key: String) -> Int? {
    guard let file = fopen("/proc/self/status", "r") else { return nil }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
      let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      if text.hasPrefix(key) { return Int(text.dropFirst(key.count).filter(\.isNumber)) }
    }
    return nil
  }
  #endif

  /// Memory resident now, in bytes (Linux: /proc/self/statm; elsewhere the peak).
  package static func resident() -> Int {
    #if os(Linux)
    // "size resident shared …" in pages.
    let fd = open("/proc/self/statm", O_RDONLY)
    guard fd >= 0 else { return peakResident() }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 128)
    let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { return peakResident() }
    let fields = bytes[0..<count].split(separator: UInt8(ascii: " "))
    guard fields.count >= 2, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return peakResident() }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    #else
    return peakResident()
    #endif
  }

  package static func mebibytes(_ bytes: Int) -> String { decimal(Double(bytes) / 1_048_576, 1) + " MiB" }
}
