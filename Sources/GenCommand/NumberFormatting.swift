// How gen prints numbers: money with two decimals, counts with thousands
// separators, any number with a fixed count of decimals.

/// Money with two decimals, as Python's `f"{x:.2f}"` prints it.
package func fixed2(_ value: Double) -> String { decimal(value, 2) }

/// `1234567` → `1,234,567`.
package func grouped(_ value: Int) -> String {
  let digits = Array(String(abs(value)))
  var out = ""
  for (index, digit) in digits.enumerated() {
    if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
    out.append(digit)
  }
  return (value < 0 ? "-" : "") + out
}

/// `1.5` → `1.50`, with `places` decimals.
package func decimal(_ value: Double, _ places: Int) -> String {
  var scale = 1.0
  for _ in 0..<places { scale *= 10 }
  let scaled = Int64((value * scale).rounded())
  guard places > 0 else { return String(scaled) }
  let unit = Int64(scale)
  let fraction = String(abs(scaled) % unit)
  return "\(scaled < 0 && scaled / unit == 0 ? "-" : "")\(scaled / unit)." + String(repeating: "0", count: places - fraction.count) + fraction
}
