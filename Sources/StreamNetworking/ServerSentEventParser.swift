/// Reads `text/event-stream` bytes into events, chunk by chunk, as the WHATWG
/// HTML standard says (section 9.2.6, "Interpreting an event stream"): lines
/// end with CRLF, LF or CR (a CRLF split between two chunks included); a BOM
/// at the start is skipped; `data:` lines are joined with newlines; `event:`
/// names the type; `id:` sets the last event ID (unless it holds a NUL);
/// `retry:` with digits only sets the reconnection time; lines starting with
/// `:` are comments (servers send them as heartbeats); a blank line
/// dispatches the event, one without data is dropped; an event unfinished at
/// the end of the stream is dropped. Python: the parser inside httpx-sse
/// (`SSEDecoder`) and sseclient.
///
/// ```swift
/// import StreamNetworking
///
/// var parser = ServerSentEventParser()
/// var events: [ServerSentEvent] = []
/// let bytes = Array("\u{FEFF}event: add\r\ndata: 1\ndata: 2\rid: 7\n\n: heartbeat\n\n".utf8)
/// try bytes.withUnsafeBytes { try parser.parse($0, into: &events) }
/// print(events.count, events[0].event, events[0].id)  // → 1 add 7
/// print(events[0].data == "1\n2")  // → true
/// print(parser.comments)  // → 1
/// ```
///
/// - Complexity: O(n) in the bytes; a line wholly inside a chunk is not copied.
public struct ServerSentEventParser: Sendable {
  /// The longest line or event accepted, in bytes: longer is an error, not
  /// memory without a bound.
  public let maxEventSize: Int
  /// The last event ID the stream has dispatched (`Last-Event-ID` on reconnection).
  public private(set) var lastEventID = ""
  /// The reconnection time the stream last set with `retry:`.
  public private(set) var retry: Duration?
  /// Comment lines seen (heartbeats).
  public private(set) var comments = 0

  private var line: [UInt8] = []  // a line begun in an earlier chunk
  private var skipLF = false  // the last chunk ended with CR: a LF first in this one ends nothing
  private var atStart = true  // a BOM is skipped only there
  private var data: [UInt8] = []
  private var hasData = false
  private var eventType: [UInt8] = []
  private var idBuffer = ""
  private var eventRetry: Duration?

  public init(maxEventSize: Int = 1 << 20) {
    precondition(maxEventSize > 0, "maxEventSize must be positive, got \(maxEventSize)")
    self.maxEventSize = maxEventSize
  }

  /// Reads `bytes`, the stream's next chunk, appending the events it completes.
  ///
  /// - Throws: ``ServerSentEventParser/TooLarge`` when a line or an event's data
  ///   grows past ``maxEventSize``.
  public mutating func parse(_ bytes: UnsafeRawBufferPointer, into events: inout [ServerSentEvent]) throws {
    var start = 0
    var index = 0
    let count = bytes.count
    if skipLF, count > 0 {
      skipLF = false
      if bytes[0] == 0x0A { start = 1; index = 1 }
    }
    while index < count {
      let byte = bytes[index]
      if byte != 0x0A && byte != 0x0D {
        index += 1
        continue
      }
      let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
      if line.isEmpty {
        try process(piece, into: &events)
      } else {
        try grow(piece)
        try line.withUnsafeBytes { try process($0, into: &events) }
        line.removeAll(keepingCapacity: true)
      }
      index += 1
      if byte == 0x0D {
        if index < count {
          if bytes[index] == 0x0A { index += 1 }
        } else {
          skipLF = true
        }
      }
      start = index
    }
    if start < count { try grow(UnsafeRawBufferPointer(rebasing: bytes[start..<count])) }
  }

  /// A line or event past `maxEventSize`.
  public struct TooLarge: Error, Sendable, CustomStringConvertible {
    public var maxEventSize: Int
    public var description: String { "an event-stream line or event is larger than \(maxEventSize) bytes" }
  }

  /// Starts from what an earlier connection of the stream learned.
  mutating func carryOver(lastEventID: String, retry: Duration?) {
    self.lastEventID = lastEventID
    idBuffer = lastEventID
    self.retry = retry
  }

  private mutating func grow(_ bytes: UnsafeRawBufferPointer) throws {
    guard line.count + bytes.count <= maxEventSize else { throw TooLarge(maxEventSize: maxEventSize) }
    line.append(contentsOf: bytes)
  }

  private mutating func process(_ whole: UnsafeRawBufferPointer, into events: inout [ServerSentEvent]) throws {
    var text = whole
    if atStart {
      atStart = false
      if text.count >= 3, text[0] == 0xEF, text[1] == 0xBB, text[2] == 0xBF {
        text = UnsafeRawBufferPointer(rebasing: text[3...])
      }
    }
    guard let first = text.first else {
      dispatch(into: &events)
      return
    }
    if first == 0x3A {  // ":"
      comments += 1
      return
    }
    let colon = text.firstIndex(of: 0x3A) ?? text.count
    let name = UnsafeRawBufferPointer(rebasing: text[..<colon])
    var valueStart = Swift.min(colon + 1, text.count)
    if valueStart < text.count, text[valueStart] == 0x20 { valueStart += 1 }
    let value = UnsafeRawBufferPointer(rebasing: text[valueStart...])
    switch name.count {
    case 4 where name.elementsEqual("data".utf8):
      guard data.count + value.count + 1 <= maxEventSize else { throw TooLarge(maxEventSize: maxEventSize) }
      data.append(contentsOf: value)
      data.append(0x0A)
      hasData = true
    case 5 where name.elementsEqual("event".utf8):
      eventType.removeAll(keepingCapacity: true)
      eventType.append(contentsOf: value)
    case 2 where name.elementsEqual("id".utf8):
      if !value.contains(0) { idBuffer = String(decoding: value, as: UTF8.self) }
    case 5 where name.elementsEqual("retry".utf8):
      if !value.isEmpty, value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), value.count <= 18 {
        let milliseconds = value.reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) }
        retry = .milliseconds(milliseconds)
        eventRetry = retry
      }
    default:
      break  // unknown fields are ignored
    }
  }

  private mutating func dispatch(into events: inout [ServerSentEvent]) {
    lastEventID = idBuffer
    defer {
      data.removeAll(keepingCapacity: true)
      eventType.removeAll(keepingCapacity: true)
      hasData = false
      eventRetry = nil
    }
    guard hasData else { return }
    let body = data.withUnsafeBytes { String(decoding: $0.dropLast(), as: UTF8.self) }
    let type = eventType.isEmpty ? "message" : String(decoding: eventType, as: UTF8.self)
    events.append(ServerSentEvent(event: type, data: body, id: lastEventID, retry: eventRetry))
  }
}
