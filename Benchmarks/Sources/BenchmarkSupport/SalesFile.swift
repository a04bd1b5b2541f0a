// The tutorial's sales.csv, generated once per size in $TMPDIR, for every
// StreamIO benchmark: name,country,qty,price; about 2% of names quoted with a
// comma inside; US about 40%; the same bytes on every run (a fixed seed).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The path of the sales file with `rows` rows, written if it is not there yet.
public func salesCSV(rows: Int) -> String {
  let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
  let path = "\(directory)/sales-v2-\(rows).csv"
  guard access(path, R_OK) != 0 else { return path }
  let partial = path + ".partial"
  let file = fopen(partial, "w")!
  fputs("name,country,qty,price\n", file)
  let countries = ["US", "DE", "FR", "JP", "GB", "BR", "IN", "CA", "MX", "AU", "ES", "IT"]
  var seed: UInt64 = 42
  func random(_ n: UInt64) -> Int {
    seed = seed &* 6364136223846793005 &+ 1442695040888963407
    return Int((seed >> 33) % n)
  }
  for row in 0..<rows {
    let name = random(50) == 0 ? "\"Smith, \(row)\"" : "Customer \(row)"
    let country = random(100) < 40 ? "US" : countries[1 + random(11)]
    fputs("\(name),\(country),\(1 + random(20)),\(random(10000) / 100).\(random(100))\n", file)
  }
  fclose(file)
  rename(partial, path)  // never a half-written file under the final name
  return path
}
