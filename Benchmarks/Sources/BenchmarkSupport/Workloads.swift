// The generators both benchmark executables measure, and a resident-memory
// reading, in one place so that both measure the same thing.
import Generators

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic clock reading in nanoseconds, for the timing tools.
public func monotonicNanoseconds() -> UInt64 {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Monotonic clock reading in seconds.
public func monotonicSeconds() -> Double { Double(monotonicNanoseconds()) / 1e9 }

/// `count_up_to`, 0-based: yields 0..<n from a while loop, as the tutorial writes it.
public func range(_ n: Int) -> Generator<Int> {
  Generator { co in
    var i = 0
    while i < n {
      try co.yield(i)
      i += 1
    }
  }
}

/// `depth` levels of `yield(from:)` around `range(n)`.
public func nested(_ depth: Int, _ n: Int) -> Generator<Int> {
  Generator(stackSize: 64 * 1024) { co in
    if depth == 0 { try co.yield(from: range(n)) } else { try co.yield(from: nested(depth - 1, n)) }
  }
}

/// Resident bytes of this process (Linux `/proc/self/statm`; 0 elsewhere).
public func residentBytes() -> Int {
  #if os(Linux)
  guard let file = fopen("/proc/self/statm", "r") else { return 0 }
  defer { fclose(file) }
  var buffer = [CChar](repeating: 0, count: 128)
  guard fgets(&buffer, 128, file) != nil else { return 0 }
  let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  let fields = text.split(separator: " ")
  guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
  return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
  #else
  return 0
  #endif
}

/// Makes `count` generators and leaves each suspended after its first value.
public func suspendedGenerators(_ count: Int) throws -> [Generator<Int>] {
  var generators: [Generator<Int>] = []
  generators.reserveCapacity(count)
  for i in 0..<count {
    let g = Generator<Int> { co in
      var local = i
      while true {
        try co.yield(local)
        local &+= 1
      }
    }
    _ = try g.next()
    generators.append(g)
  }
  return generators
}
