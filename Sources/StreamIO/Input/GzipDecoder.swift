import CZlib

/// Decompresses gzip (or zlib) input on the fly, for ``ByteSource``.
/// Concatenated gzip members, as `cat a.gz b.gz` makes, read as one stream.
/// Python: `gzip.open(path, "rb")`.
final class GzipDecoder {
  private var stream = z_stream()
  private let input: UnsafeMutableRawBufferPointer
  private var finished = false

  init(inputBufferSize: Int = 64 * 1024) throws(StreamIOError) {
    input = .allocate(byteCount: inputBufferSize, alignment: 16)
    // 15 + 32: the largest window, and detect gzip or zlib headers.
    let status = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else {
      input.deallocate()
      throw StreamIOError(.io, "zlib could not start (status \(status))", path: "")
    }
  }

  deinit {
    inflateEnd(&stream)
    input.deallocate()
  }

  /// Fills `output` with decompressed bytes, reading compressed ones with
  /// `readCompressed`; returns how many, 0 at the end.
  func read(
    into output: UnsafeMutableRawBufferPointer, path: String,
    readCompressed: (UnsafeMutableRawBufferPointer) throws(StreamIOError) -> Int
  ) throws(StreamIOError) -> Int {
    guard !finished, output.count > 0 else { return 0 }
    stream.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
    stream.avail_out = UInt32(clamping: output.count)
    while stream.avail_out > 0 {
      if stream.avail_in == 0 {
        let count = try readCompressed(input)
        if count == 0 {
          if stream.total_in > 0 && !atMemberBoundary {
            throw StreamIOError(.io, "truncated gzip data: the file ends inside a compressed member", path: path)
          }
          finished = true
          break
        }
        stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_in = UInt32(count)
      }
      atMemberBoundary = false
      let status = inflate(&stream, Z_NO_FLUSH)
      switch status {
      case Z_OK, Z_BUF_ERROR:
        continue
      case Z_STREAM_END:
        // Another member may follow.
        atMemberBoundary = true
        inflateReset(&stream)
      default:
        let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
        throw StreamIOError(
          .io, "corrupt gzip data: \(message)", path: path, byteOffset: Int(stream.total_in))
      }
    }
    return output.count - Int(stream.avail_out)
  }

  private var atMemberBoundary = true
}
