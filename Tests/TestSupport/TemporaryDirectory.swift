import Foundation

/// A fresh temporary directory, removed with everything in it when the
/// value is released.
public final class TemporaryDirectory {
  public let path: String

  public init() throws {
    var template = Array((NSTemporaryDirectory() + "gen-test-XXXXXX").utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
      throw CocoaError(.fileWriteUnknown)
    }
    path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// Writes `contents` to the file `name` in the directory; its path.
  public func file(_ name: String, _ contents: String) throws -> String {
    let file = path + "/" + name
    try contents.write(toFile: file, atomically: false, encoding: .utf8)
    return file
  }

  /// The names in the directory.
  public var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }

  deinit { try? FileManager.default.removeItem(atPath: path) }
}
