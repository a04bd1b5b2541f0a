extension Sequence {
  /// Flattens arbitrarily deep nesting, depth first: an element whose
  /// `children` are non-nil is replaced by them (recursively); the others
  /// are yielded. Python: the tutorial's recursive `flatten` with
  /// `yield from`, but with an explicit stack of iterators, so a structure
  /// nested a million deep neither hits a recursion limit (Python's
  /// "pitfall") nor overflows the stack.
  ///
  /// ```swift
  /// indirect enum Item { case value(Int), list([Item]) }
  /// let items: [Item] = [.value(1), .list([.value(2), .list([.value(3)])]), .value(4)]
  /// let leaves = items.flattenRecursive { if case .list(let inner) = $0 { inner } else { nil } }
  /// ```
  ///
  /// Lazy and single pass: children are expanded as the iteration reaches them.
  ///
  /// - Complexity: O(1) amortized per element; memory O(depth).
  @inlinable
  public func flattenRecursive<Children: Sequence<Element>>(
    _ children: @escaping (Element) -> Children?
  ) -> FlattenRecursiveSequence<Self, Children> {
    FlattenRecursiveSequence(base: self, children: children)
  }
}

/// The leaves of a nested sequence; see ``Swift/Sequence/flattenRecursive(_:)``.
public struct FlattenRecursiveSequence<Base: Sequence, Children: Sequence<Base.Element>>: Sequence {
  @usableFromInline let base: Base
  @usableFromInline let children: (Base.Element) -> Children?

  @inlinable
  init(base: Base, children: @escaping (Base.Element) -> Children?) {
    self.base = base
    self.children = children
  }

  public struct Iterator: IteratorProtocol {
    @usableFromInline var base: Base.Iterator
    /// The iterators of the lists being walked, innermost last.
    @usableFromInline var stack: [Children.Iterator] = []
    @usableFromInline let children: (Base.Element) -> Children?

    @inlinable
    init(base: Base.Iterator, children: @escaping (Base.Element) -> Children?) {
      self.base = base
      self.children = children
    }

    @inlinable
    public mutating func next() -> Base.Element? {
      while true {
        let element: Base.Element
        if stack.isEmpty {
          guard let next = base.next() else { return nil }
          element = next
        } else {
          guard let next = stack[stack.count - 1].next() else {
            stack.removeLast()
            continue
          }
          element = next
        }
        if let inner = children(element) {
          stack.append(inner.makeIterator())
        } else {
          return element
        }
      }
    }
  }

  @inlinable
  public func makeIterator() -> Iterator { Iterator(base: base.makeIterator(), children: children) }
}

extension FlattenRecursiveSequence: LazySequenceProtocol where Base: LazySequenceProtocol {}
