import Foundation

/// A file in a fresh temporary directory, removed when the value is released.
public final class TemporaryFile {
  public let path: String
  private let directory: String

  public convenience init(contents: String, name: String = "file.txt") throws {
    try self.init(data: Array(contents.utf8), name: name)
  }

  public init(data: [UInt8], name: String = "file.txt") throws {
    directory = NSTemporaryDirectory() + "swift-generators-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    path = directory + "/" + name
    try Data(data).write(to: URL(fileURLWithPath: path))
  }

  deinit { try? FileManager.default.removeItem(atPath: directory) }
}

/// Runs `body` on a new thread and waits for it: for tests that resume a
/// generator from several threads, one at a time.
public func onNewThread<T>(_ body: @escaping () -> T) -> T {
  let box = UncheckedBox<(body: (() -> T)?, value: T?)>((body, nil))
  let done = DispatchSemaphore(value: 0)
  let thread = Thread {
    box.value.value = box.value.body!()
    box.value.body = nil
    done.signal()
  }
  thread.start()
  done.wait()
  return box.value.value!
}

/// Wraps a non-Sendable value for tests that deliberately share it between threads.
public final class UncheckedBox<Value>: @unchecked Sendable {
  public var value: Value
  public init(_ value: Value) { self.value = value }
}
