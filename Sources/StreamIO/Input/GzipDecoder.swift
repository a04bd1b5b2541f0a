import CZlib

/// Decompresses gzip (or zlib) input on the fly, for ``ByteSource``.
/// Concatenated gzip members, as `cat a.gz b.gz` makes, read as one stream.
/// Python: `gzip.open(path, "rb")`.
final class GzipDecoder {
  /// On the heap, never moved: zlib's internal state keeps a pointer back to
  /// its `z_stream`, so the stream must stay at the address `inflateInit2_` saw.
  private let stream: UnsafeMutablePointer<z_stream>
  private let input: UnsafeMutableRawBufferPointer
  private var finished = false
  private var atMemberBoundary = true

  init(path: String, inputBufferSize: Int = 64 * 1024) throws(StreamIOError) {
    stream = .allocate(capacity: 1)
    stream.initialize(to: z_stream())
    // 15 + 32: the largest window, and detect gzip or zlib headers.
    let status = inflateInit2_(stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else {
      // inflateInit2_ frees what it allocated when it fails. deinit does not
      // run (`input` is not set yet), so the stream is freed here.
      stream.deinitialize(count: 1)
      stream.deallocate()
      throw StreamIOError(.io, "zlib could not start (status \(status))", path: path)
    }
    input = .allocate(byteCount: inputBufferSize, alignment: 16)
  }

  deinit {
    inflateEnd(stream)
    stream.deinitialize(count: 1)
    stream.deallocate()
    input.deallocate()
  }

  /// Decompresses `bytes` (read ahead by the source to recognise gzip) before
  /// anything else is read.
  func prime(with bytes: [UInt8]) {
    precondition(stream.pointee.total_in == 0 && bytes.count <= input.count, "prime(with:) only at the start")
    input.copyBytes(from: bytes)
    stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
    stream.pointee.avail_in = UInt32(bytes.count)
  }

  /// Ends decompression: `read` returns 0 from now on (the source was closed).
  func finish() { finished = true }

  /// Fills `output` with decompressed bytes, reading compressed ones with
  /// `readCompressed`; returns how many, 0 at the end.
  func read(
    into output: UnsafeMutableRawBufferPointer, path: String,
    readCompressed: (UnsafeMutableRawBufferPointer) throws(StreamIOError) -> Int
  ) throws(StreamIOError) -> Int {
    guard !finished, output.count > 0 else { return 0 }
    stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
    stream.pointee.avail_out = UInt32(clamping: output.count)
    while stream.pointee.avail_out > 0 {
      if stream.pointee.avail_in == 0 {
        let count = try readCompressed(input)
        if count == 0 {
          if stream.pointee.total_in > 0 && !atMemberBoundary {
            throw StreamIOError(.io, "truncated gzip data: the file ends inside a compressed member", path: path)
          }
          finished = true
          break
        }
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = UInt32(count)
      }
      atMemberBoundary = false
      let status = inflate(stream, Z_NO_FLUSH)
      switch status {
      case Z_OK, Z_BUF_ERROR:
        continue
      case Z_STREAM_END:
        // Another member may follow.
        atMemberBoundary = true
        inflateReset(stream)
      default:
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
        throw StreamIOError(
          .io, "corrupt gzip data: \(message)", path: path, byteOffset: Int(stream.pointee.total_in))
      }
    }
    return output.count - Int(stream.pointee.avail_out)
  }
}
