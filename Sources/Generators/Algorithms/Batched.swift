extension Sequence {
  /// Groups the elements into arrays of `size`, the last one shorter if the
  /// elements run out. Python: `itertools.batched(iterable, n, strict=False)`.
  ///
  /// ```swift
  /// Array("ABCDEFG".batched(3))   // → [["A", "B", "C"], ["D", "E", "F"], ["G"]]
  /// ```
  ///
  /// Works on single-pass sequences (files, generators, sockets) and holds one
  /// batch at a time; lazy when the base is lazy.
  ///
  /// - Parameters:
  ///   - size: elements per batch, at least 1.
  ///   - strict: if true, a short final batch is a programming error and stops
  ///     the program with a message (Python raises `ValueError`).
  /// - Complexity: O(1) to create; O(`size`) per batch.
  @inlinable
  public func batched(_ size: Int, strict: Bool = false) -> BatchedSequence<Self> {
    precondition(size >= 1, "batched(_:) needs a size of at least 1, got \(size)")
    return BatchedSequence(base: self, size: size, strict: strict)
  }
}

/// The batches of a sequence; see ``Swift/Sequence/batched(_:strict:)``.
public struct BatchedSequence<Base: Sequence> {
  @usableFromInline
  let base: Base
  @usableFromInline
  let size: Int
  @usableFromInline
  let strict: Bool

  @inlinable
  init(base: Base, size: Int, strict: Bool) {
    self.base = base
    self.size = size
    self.strict = strict
  }
}

extension BatchedSequence: Sequence {
  public struct Iterator: IteratorProtocol {
    @usableFromInline
    var base: Base.Iterator
    @usableFromInline
    let size: Int
    @usableFromInline
    let strict: Bool
    @usableFromInline
    var done = false

    @inlinable
    init(base: Base.Iterator, size: Int, strict: Bool) {
      self.base = base
      self.size = size
      self.strict = strict
    }

    @inlinable
    public mutating func next() -> [Base.Element]? {
      guard !done else { return nil }
      // Filled in place: no capacity check per element, as `append` makes.
      let batch = [Base.Element](unsafeUninitializedCapacity: size) { buffer, count in
        while count < size {
          guard let element = base.next() else {
            done = true
            return
          }
          (buffer.baseAddress.unsafelyUnwrapped + count).initialize(to: element)
          count += 1
        }
      }
      if batch.isEmpty { return nil }
      if strict && batch.count < size {
        preconditionFailure("batched(\(size), strict: true): the final batch has only \(batch.count) elements")
      }
      return batch
    }
  }

  @inlinable
  public func makeIterator() -> Iterator {
    Iterator(base: base.makeIterator(), size: size, strict: strict)
  }

  @inlinable
  public var underestimatedCount: Int {
    (base.underestimatedCount + size - 1) / size
  }
}

extension BatchedSequence: LazySequenceProtocol where Base: LazySequenceProtocol {}
