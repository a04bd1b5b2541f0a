#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum Memory {
  /// The most memory the process has had resident, in bytes.
  static func peakResident() -> Int {
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

  /// Memory resident now, in bytes (Linux: /proc/self/statm; elsewhere the peak).
  static func resident() -> Int {
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

  static func mebibytes(_ bytes: Int) -> String { decimal(Double(bytes) / 1_048_576, 1) + " MiB" }
}

/// Seconds on a monotonic clock.
func now() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
