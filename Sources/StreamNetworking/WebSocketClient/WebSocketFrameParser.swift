import NIOCore

/// Why the client fails a connection (RFC 6455 §7.1.7): the close code it
/// sends and what was wrong.
struct WebSocketProtocolFailure: Error, Sendable {
  /// 1002 protocol error, 1007 invalid payload data, 1009 message too big.
  var code: UInt16
  var message: String
}

/// Decodes the frames a server sends (RFC 6455 §5) from a byte buffer into
/// whole messages: fragmented ones reassembled, text validated as UTF-8, the
/// size limit checked from each frame's header (before its payload is
/// waited for). Control frames are returned one at a time to the caller,
/// which answers them. A pure state machine: no I/O, no allocation but the
/// messages' own.
struct WebSocketFrameParser {
  /// A control frame: close (8), ping (9) or pong (10), with its payload.
  struct ControlFrame {
    var opcode: UInt8
    var payload: ByteBuffer
  }

  let maxMessageSize: Int
  /// The message being reassembled from its fragments, and its opcode (1 text, 2 binary).
  private var fragments: ByteBuffer?
  private var fragmentsOpcode: UInt8 = 0

  init(maxMessageSize: Int) {
    self.maxMessageSize = maxMessageSize
  }

  /// Decodes the complete frames at the reader index of `buffer`, appending
  /// whole messages to `messages` and moving the reader index past them,
  /// until the next frame is incomplete (nil) or is a control frame (which
  /// is returned, consumed).
  ///
  /// - Throws: ``WebSocketProtocolFailure`` for a frame no server may send.
  mutating func parse(_ buffer: inout ByteBuffer, into messages: inout [WebSocketMessage]) throws(WebSocketProtocolFailure)
    -> ControlFrame?
  {
    let base = buffer  // (for slices of binary payloads, without touching `buffer` inside its own closure)
    let start = base.readerIndex
    var failure: WebSocketProtocolFailure?
    var control: ControlFrame?
    let consumed = buffer.withUnsafeReadableBytes { raw -> Int in
      let count = raw.count
      guard let bytes = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
      var offset = 0
      while count - offset >= 2 {
        let first = bytes[offset]
        let second = bytes[offset + 1]
        var header = 2
        var length = Int(second & 0x7F)
        if length == 126 {
          guard count - offset >= 4 else { break }
          length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
          header = 4
        } else if length == 127 {
          guard count - offset >= 10 else { break }
          var wide: UInt64 = 0
          for index in 2..<10 { wide = wide << 8 | UInt64(bytes[offset + index]) }
          guard wide <= UInt64(Int32.max) else {
            failure = WebSocketProtocolFailure(code: 1009, message: "a frame of \(wide) bytes, more than maxMessageSize (\(maxMessageSize))")
            break
          }
          length = Int(wide)
          header = 10
        }
        let opcode = first & 0x0F
        let fin = first & 0x80 != 0
        if let problem = check(first: first, second: second, opcode: opcode, fin: fin, length: length) {
          failure = problem
          break
        }
        guard count - offset >= header + length else { break }
        let payload = offset + header
        offset = payload + length
        if opcode >= 8 {
          control = ControlFrame(opcode: opcode, payload: base.getSlice(at: start + payload, length: length)!)
          break
        }
        if fin && fragments == nil {
          // A whole message in one frame: the common case.
          if opcode == 1 {
            guard let text = utf8String(UnsafeBufferPointer(start: bytes + payload, count: length)) else {
              failure = WebSocketProtocolFailure(code: 1007, message: "a text message that is not valid UTF-8")
              break
            }
            messages.append(.text(text))
          } else {
            messages.append(.binary(base.getSlice(at: start + payload, length: length)!))
          }
          continue
        }
        if fragments == nil {
          fragmentsOpcode = opcode
          fragments = ByteBuffer()
        }
        fragments!.writeBytes(UnsafeRawBufferPointer(start: bytes + payload, count: length))
        if fin {
          let whole = fragments!
          fragments = nil
          if fragmentsOpcode == 1 {
            guard let text = whole.withUnsafeReadableBytes({ utf8String($0.bindMemory(to: UInt8.self)) })
            else {
              failure = WebSocketProtocolFailure(code: 1007, message: "a text message that is not valid UTF-8")
              break
            }
            messages.append(.text(text))
          } else {
            messages.append(.binary(whole))
          }
        }
      }
      return offset
    }
    buffer.moveReaderIndex(forwardBy: consumed)
    if let failure { throw failure }
    return control
  }

  /// What is wrong with a frame's header, if anything, given the message being reassembled.
  private func check(first: UInt8, second: UInt8, opcode: UInt8, fin: Bool, length: Int) -> WebSocketProtocolFailure? {
    if first & 0x70 != 0 {
      return WebSocketProtocolFailure(code: 1002, message: "a frame with reserved bits set (no extension was agreed)")
    }
    if second & 0x80 != 0 {
      return WebSocketProtocolFailure(code: 1002, message: "a masked frame from the server")
    }
    switch opcode {
    case 8, 9, 10:
      if !fin || length > 125 {
        return WebSocketProtocolFailure(code: 1002, message: "a fragmented or longer than 125 bytes control frame")
      }
      return nil
    case 0:
      if fragments == nil { return WebSocketProtocolFailure(code: 1002, message: "a continuation frame with no message to continue") }
    case 1, 2:
      if fragments != nil { return WebSocketProtocolFailure(code: 1002, message: "a new message inside a fragmented one") }
    default:
      return WebSocketProtocolFailure(code: 1002, message: "a frame with the reserved opcode \(opcode)")
    }
    let size = (fragments?.readableBytes ?? 0) + length
    if size > maxMessageSize {
      return WebSocketProtocolFailure(code: 1009, message: "a message of \(size) bytes or more, larger than maxMessageSize (\(maxMessageSize))")
    }
    return nil
  }
}

/// `bytes` as a String, nil if they are not valid UTF-8. ASCII, eight bytes
/// at a time, goes straight to `String(decoding:as:)`; anything else through
/// `String(validating:as:)`, which is generic and costs more.
@inline(__always)
func utf8String(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
  var high: UInt64 = 0
  var index = 0
  let count = bytes.count
  if let base = bytes.baseAddress {
    let raw = UnsafeRawPointer(base)
    while index + 8 <= count {
      high |= raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
      index += 8
    }
    while index < count {
      high |= UInt64(base[index])
      index += 1
    }
  }
  if high & 0x8080_8080_8080_8080 == 0 { return String(decoding: bytes, as: UTF8.self) }
  return String(validating: bytes, as: UTF8.self)
}
