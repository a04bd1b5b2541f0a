import Generators

/// The package's TSan-visible mutex (Generators' `LockedState`), for values
/// the tests share between threads and tasks.
package typealias Locked = LockedState
