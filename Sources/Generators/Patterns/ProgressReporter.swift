#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where and how a progress display is shown.
public enum ProgressOutput: Sendable {
  /// A live bar on a terminal, plain lines otherwise: decided by whether
  /// standard error is a terminal. What tqdm does.
  case automatic
  /// A bar redrawn in place (`\r`), on standard error.
  case terminal
  /// A plain line now and then (every `every`), for logs and CI output.
  case lines(every: Duration)
  /// Nothing: counting only (``ProgressReporter/count``).
  case silent
}

/// What is counted: items (`it/s`) or bytes (`MB/s`).
public enum ProgressUnit: Sendable, Hashable {
  case items
  case bytes
}

/// Counts the work done by a loop and draws it at most ~10 times a second:
/// percent, count, rate, elapsed time and ETA, or count and rate when the
/// total is unknown. Python's `tqdm` object.
///
/// Usually made for you by ``Swift/Sequence/progress(total:label:unit:output:)``;
/// use it directly to report work that is not a sequence:
///
/// ```swift
/// let progress = ProgressReporter(total: fileSize, label: "upload", unit: .bytes)
/// while let chunk = try source.next() { send(chunk); progress.advance(by: chunk.count) }
/// progress.finish()
/// ```
///
/// Cost: `advance(by:)` is an add and a compare; the clock is read only every
/// so many calls, a stride that adapts so it is read about once a millisecond.
public final class ProgressReporter {
  public let label: String
  /// The expected total, if known; sets the percentage and ETA.
  public var total: Int?
  public let unit: ProgressUnit
  /// Work done so far.
  public var count: Int { done }
  @exclusivity(unchecked) @usableFromInline var done = 0

  @exclusivity(unchecked) @usableFromInline var countdown = 1
  @usableFromInline var stride = 1

  let mode: Mode
  let write: (String) -> Void
  let now: () -> Duration
  let drawInterval: Duration
  let start: Duration
  var lastCheck: Duration
  var lastCheckCount = 0
  var lastDraw: Duration
  var lastDrawCount = 0
  var smoothedRate: Double?
  var finished = false
  /// Width of the terminal, read once; the bar fits in it.
  let width: Int

  enum Mode { case terminal, lines, silent }

  /// - Parameters:
  ///   - total: the expected total, or nil when unknown.
  ///   - label: printed before the bar.
  ///   - unit: items or bytes.
  ///   - output: where to draw; see ``ProgressOutput``.
  ///   - write: receives each drawing (standard error by default).
  ///   - clock: the time now (a monotonic clock by default); tests pass their own.
  public init(
    total: Int? = nil, label: String = "", unit: ProgressUnit = .items, output: ProgressOutput = .automatic,
    write: ((String) -> Void)? = nil, clock: (() -> Duration)? = nil
  ) {
    self.total = total
    self.label = label
    self.unit = unit
    self.write = write ?? writeToStandardError
    self.now = clock ?? { ContinuousClock.now - Self.origin }
    var interval = Duration.milliseconds(100)
    switch output {
    case .automatic:
      if isatty(2) == 1 {
        mode = .terminal
      } else {
        mode = .lines
        interval = .seconds(10)
      }
    case .terminal: mode = .terminal
    case .lines(let every):
      mode = .lines
      interval = every
    case .silent: mode = .silent
    }
    drawInterval = interval
    width = mode == .terminal ? Self.terminalWidth() : 80
    start = self.now()
    lastCheck = start
    lastDraw = start
  }

  deinit { finish() }

  private static let origin = ContinuousClock.now

  /// Records `amount` more work done. Draws when the display is due.
  @inlinable
  public func advance(by amount: Int = 1) {
    done &+= amount
    countdown &-= 1
    if _slowPath(countdown <= 0) { checkClock() }
  }

  /// Adds work counted elsewhere (a sequence's iterator counts in registers)
  /// and reads the clock; returns how many calls to count before the next read.
  @usableFromInline
  func add(_ amount: Int) -> Int {
    done &+= amount
    checkClock()
    return stride
  }

  /// Reads the clock, adapts how often to read it, and draws if due.
  @usableFromInline
  func checkClock() {
    let time = now()
    let sinceCheck = seconds(time - lastCheck)
    // Aim for one clock read per millisecond: reading it costs tens of ns.
    if sinceCheck > 0 {
      let wanted = Double(stride) * 0.001 / sinceCheck
      stride = max(1, min(stride * 2, min(1 << 20, Int(wanted))))
    } else {
      stride = min(stride * 2, 1 << 20)
    }
    countdown = stride
    lastCheck = time
    lastCheckCount = count
    if mode != .silent, time - lastDraw >= drawInterval { draw(at: time) }
  }

  /// Draws the final state and ends the line. Idempotent; also done on deinit.
  public func finish() {
    guard !finished else { return }
    finished = true
    guard mode != .silent else { return }
    draw(at: now(), final: true)
  }

  // MARK: Rendering

  func draw(at time: Duration, final: Bool = false) {
    let elapsed = seconds(time - start)
    let sinceDraw = seconds(time - lastDraw)
    if sinceDraw > 0 {
      let instant = Double(count - lastDrawCount) / sinceDraw
      smoothedRate = smoothedRate.map { 0.3 * instant + 0.7 * $0 } ?? instant
    }
    lastDraw = time
    lastDrawCount = count
    let rate = final && elapsed > 0 ? Double(count) / elapsed : (smoothedRate ?? 0)
    switch mode {
    case .terminal:
      write("\r" + renderBar(elapsed: elapsed, rate: rate) + "\u{1B}[K" + (final ? "\n" : ""))
    case .lines:
      write(renderLine(elapsed: elapsed, rate: rate, final: final) + "\n")
    case .silent:
      break
    }
  }

  /// `label: 45%|████▌     | 450/1000 [00:03<00:04, 150.20it/s]`, as tqdm draws it.
  func renderBar(elapsed: Double, rate: Double) -> String {
    let prefix = label.isEmpty ? "" : label + ": "
    let rateText = formatRate(rate)
    guard let total, total > 0 else {
      return "\(prefix)\(formatAmount(count)) [\(formatTime(elapsed)), \(rateText)]"
    }
    let fraction = min(1, Double(count) / Double(total))
    let percent = "\(Int(fraction * 100))%".leftPadded(to: 4)
    let eta = rate > 0 ? formatTime(Double(max(0, total - count)) / rate) : "?"
    let suffix = " \(formatAmount(count))/\(formatAmount(total)) [\(formatTime(elapsed))<\(eta), \(rateText)]"
    let barWidth = max(10, min(60, width - prefix.count - percent.count - suffix.count - 3))
    return "\(prefix)\(percent)|\(Self.bar(fraction, width: barWidth))|\(suffix)"
  }

  /// `label: 45% 450/1000 elapsed 00:03 ETA 00:04 150.20it/s`, one per line.
  func renderLine(elapsed: Double, rate: Double, final: Bool) -> String {
    let prefix = label.isEmpty ? "" : label + ": "
    var parts: [String] = []
    if let total, total > 0 {
      parts.append("\(Int(min(1, Double(count) / Double(total)) * 100))%")
      parts.append("\(formatAmount(count))/\(formatAmount(total))")
    } else {
      parts.append(formatAmount(count))
    }
    parts.append("elapsed \(formatTime(elapsed))")
    if !final, let total, rate > 0 { parts.append("ETA \(formatTime(Double(max(0, total - count)) / rate))") }
    parts.append(formatRate(rate))
    if final { parts.append("done") }
    return prefix + parts.joined(separator: " ")
  }

  /// Eighth-block characters give the bar sub-character resolution.
  static func bar(_ fraction: Double, width: Int) -> String {
    let eighths = Int(fraction * Double(width * 8))
    let full = eighths / 8
    var bar = String(repeating: "█", count: full)
    if full < width {
      let partial = eighths % 8
      if partial > 0 { bar += String(["▏", "▎", "▍", "▌", "▋", "▊", "▉"][partial - 1]) }
      bar += String(repeating: " ", count: width - bar.count)
    }
    return bar
  }

  func formatAmount(_ value: Int) -> String {
    unit == .bytes ? Self.scaled(Double(value)) + "B" : String(value)
  }

  func formatRate(_ rate: Double) -> String {
    switch unit {
    case .items: return (rate >= 1000 ? Self.scaled(rate) : Self.decimal(rate, places: 2)) + "it/s"
    case .bytes: return Self.scaled(rate) + "B/s"
    }
  }

  /// 950, 1.50k, 12.3M, 4.00G: three significant digits, as tqdm's unit_scale.
  static func scaled(_ value: Double) -> String {
    let units = ["", "k", "M", "G", "T", "P"]
    var value = value
    var index = 0
    while abs(value) >= 999.5, index < units.count - 1 {
      value /= 1000
      index += 1
    }
    if index == 0 { return String(Int(value.rounded())) }
    let places = value >= 99.95 ? 0 : value >= 9.995 ? 1 : 2
    return decimal(value, places: places) + units[index]
  }

  static func decimal(_ value: Double, places: Int) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    guard places > 0 else { return String(scaled) }
    let whole = scaled / Int(scale)
    let fraction = String(scaled % Int(scale)).leftPadded(to: places, with: "0")
    return "\(whole).\(fraction)"
  }

  /// `05:07`, or `1:02:03` past an hour.
  func formatTime(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let total = Int(seconds.rounded(.down))
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
    let mmss = String(minutes).leftPadded(to: 2, with: "0") + ":" + String(secs).leftPadded(to: 2, with: "0")
    return hours > 0 ? "\(hours):\(mmss)" : mmss
  }

  static func terminalWidth() -> Int {
    var size = winsize()
    if ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    return 80
  }
}

func seconds(_ duration: Duration) -> Double {
  let (whole, attoseconds) = duration.components
  return Double(whole) + Double(attoseconds) * 1e-18
}

extension String {
  func leftPadded(to width: Int, with pad: Character = " ") -> String {
    count >= width ? self : String(repeating: pad, count: width - count) + self
  }
}
