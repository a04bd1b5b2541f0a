import AsyncHTTPClient
import Foundation
import GenCommand
import StreamIO
import StreamNetworking

/// Opens URL inputs for gen's verbs, from the command's main thread: the
/// request runs in a task while the thread waits; the body is then read by
/// gen's synchronous readers (each read waits for a chunk the same way).
enum URLInput {
  static func open(_ url: String) throws -> (source: ByteSource, contentType: String?) {
    let outcome = waitFor { () async throws -> HTTPClientResponse in try await HTTPStreams.get(url) }
    switch outcome {
    case .success(let response):
      return (try ByteSource(response, url: url), response.headers.first(name: "Content-Type"))
    case .failure(let error as HTTPError):
      throw InputUnavailable("\(error)")
    case .failure(let error):
      throw InputUnavailable("GET \(url): \(error) (0 bytes received)")
    }
  }
}

/// Runs `operation` in a task and blocks this thread (never one of the
/// task pool's: the command's main thread) until it is done.
func waitFor<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) -> Result<T, any Error> {
  let done = DispatchSemaphore(value: 0)
  let box = ResultBox<T>()
  Task {
    do { box.result = .success(try await operation()) } catch { box.result = .failure(error) }
    done.signal()
  }
  done.wait()
  return box.result!
}

/// Written by the task before it signals, read after the wait.
final class ResultBox<T>: @unchecked Sendable {
  var result: Result<T, any Error>?
}
