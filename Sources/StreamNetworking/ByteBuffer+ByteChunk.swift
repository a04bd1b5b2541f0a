import NIOCore
import StreamIO

// An AsyncHTTPClient body (and any NIO channel's reads) is an AsyncSequence
// of ByteBuffers: this makes it a ByteSource's chunks.
extension ByteBuffer: ByteChunkProtocol {
  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try withUnsafeReadableBytes(body)
  }
}
