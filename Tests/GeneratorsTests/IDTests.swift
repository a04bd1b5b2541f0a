import Generators
import Testing
import TestSupport

@Suite struct SnowflakeTests {
  @Test func increasingAndDecodable() throws {
    let time = UncheckedBox<Int64>(1_700_000_000_000)
    let ids = SnowflakeIDs(node: 5, clock: { time.value })
    var previous: Int64 = -1
    for step in 0..<10_000 {
      if step % 100 == 0 { time.value += 1 }
      let id = try ids.next()
      #expect(id > previous)
      previous = id
    }
    let parts = ids.parts(of: previous)
    #expect(parts.milliseconds == time.value && parts.node == 5)
  }

  @Test func monotonicWhenTheClockStepsBack() throws {
    let time = UncheckedBox<Int64>(1_700_000_000_000)
    let ids = SnowflakeIDs(node: 1, clock: { time.value })
    let before = try ids.next()
    time.value -= 5_000  // NTP steps the clock back five seconds
    let after = try ids.next()
    #expect(after > before)
  }

  @Test func exhaustingAMillisecondIsAnErrorNotADuplicate() throws {
    let ids = SnowflakeIDs(node: 0, clock: { 1_700_000_000_000 })
    var seen = Set<Int64>()
    for _ in 0..<4096 { seen.insert(try ids.next()) }
    #expect(seen.count == 4096)
    let error = #expect(throws: IDError.self) { try ids.next() }
    #expect(error == .sequenceExhausted(millisecond: 1_700_000_000_000))
    #expect(error?.description.contains("4096 IDs already made") == true)
  }

  @Test func nodesNeverCollide() throws {
    let a = SnowflakeIDs(node: 1, clock: { 1_700_000_000_000 })
    let b = SnowflakeIDs(node: 2, clock: { 1_700_000_000_000 })
    let fromA = Set(try (0..<1000).map { _ in try a.next() })
    let fromB = Set(try (0..<1000).map { _ in try b.next() })
    #expect(fromA.isDisjoint(with: fromB))
  }
}

@Suite struct UUIDv7Tests {
  @Test func layoutAndOrder() {
    let time = UncheckedBox<Int64>(1_700_000_000_000)
    let uuids = UUIDv7Generator(clock: { time.value }, seed: 1)
    var previous = uuids.next()
    #expect(previous.milliseconds == 1_700_000_000_000)
    #expect(previous.bytes[6] >> 4 == 7, "version 7")
    #expect(previous.bytes[8] >> 6 == 0b10, "RFC 4122 variant")
    #expect(previous.description.count == 36)
    #expect(previous.description.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
    var all = Set([previous])
    for step in 0..<20_000 {  // many in one millisecond: the counter fills and borrows the next
      if step == 15_000 { time.value -= 1_000 }  // and the clock steps back
      let next = uuids.next()
      #expect(next > previous)
      all.insert(next)
      previous = next
    }
    #expect(all.count == 20_001)
  }
}
