#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// For the rare messages the runtime prints itself (Python's "Exception ignored in").
func writeToStandardError(_ message: String) {
  var message = message
  message.withUTF8 { buffer in
    _ = write(2, buffer.baseAddress, buffer.count)
  }
}
