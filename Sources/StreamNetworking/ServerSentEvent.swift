/// One Server-Sent Event, as the WHATWG HTML standard's `text/event-stream`
/// parsing makes it. Python: httpx-sse's and sseclient's `ServerSentEvent`
/// (`event`, `data`, `id`, `retry`).
public struct ServerSentEvent: Sendable, Hashable {
  /// The event's type: its `event:` field, or `message` when it has none.
  public var event: String
  /// Its `data:` lines, joined by newlines.
  public var data: String
  /// The stream's last event ID when the event was dispatched: the latest
  /// `id:` field so far, in this event or before it (empty if none). A
  /// reconnection sends it as `Last-Event-ID`.
  public var id: String
  /// The reconnection time the event set (`retry:`), if it did.
  public var retry: Duration?

  public init(event: String = "message", data: String, id: String = "", retry: Duration? = nil) {
    self.event = event
    self.data = data
    self.id = id
    self.retry = retry
  }
}
