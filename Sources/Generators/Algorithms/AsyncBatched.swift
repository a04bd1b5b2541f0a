extension AsyncSequence {
  /// Groups the elements into arrays of `size` as they arrive, the last one
  /// shorter if the sequence ends. Python: `itertools.batched` over an async
  /// iterator. Holds one batch; asks upstream only for what the batch needs.
  ///
  /// swift-async-algorithms' `chunks(ofCount:)` does the same; this one
  /// matches the sync ``Swift/Sequence/batched(_:strict:)`` and has `strict`.
  ///
  /// - Complexity: O(`size`) per batch.
  @inlinable
  public func batched(_ size: Int, strict: Bool = false) -> AsyncBatchedSequence<Self> {
    precondition(size >= 1, "batched(_:) needs a size of at least 1, got \(size)")
    return AsyncBatchedSequence(base: self, size: size, strict: strict)
  }
}

/// The batches of an async sequence; see ``_Concurrency/AsyncSequence/batched(_:strict:)``.
public struct AsyncBatchedSequence<Base: AsyncSequence>: AsyncSequence {
  public typealias Element = [Base.Element]
  public typealias Failure = Base.Failure
  @usableFromInline let base: Base
  @usableFromInline let size: Int
  @usableFromInline let strict: Bool

  @inlinable
  init(base: Base, size: Int, strict: Bool) {
    self.base = base
    self.size = size
    self.strict = strict
  }

  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline var base: Base.AsyncIterator
    @usableFromInline let size: Int
    @usableFromInline let strict: Bool
    @usableFromInline var done = false

    @inlinable
    init(base: Base.AsyncIterator, size: Int, strict: Bool) {
      self.base = base
      self.size = size
      self.strict = strict
    }

    @inlinable
    public mutating func next(isolation actor: isolated (any Actor)?) async throws(Base.Failure) -> [Base.Element]? {
      guard !done else { return nil }
      var batch: [Base.Element] = []
      batch.reserveCapacity(size)
      while batch.count < size {
        guard let element = try await base.next(isolation: actor) else {
          done = true
          break
        }
        batch.append(element)
      }
      if batch.isEmpty { return nil }
      precondition(
        !strict || batch.count == size,
        "batched(\(size), strict: true): the sequence ended with an incomplete batch of \(batch.count)")
      return batch
    }
  }

  @inlinable
  public func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: base.makeAsyncIterator(), size: size, strict: strict)
  }
}

extension AsyncBatchedSequence: Sendable where Base: Sendable {}
