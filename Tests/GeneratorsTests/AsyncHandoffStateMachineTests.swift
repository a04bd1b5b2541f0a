// The async generators' state machine, event by event, without tasks: the
// waiters are plain strings, so each transition and each action it asks for
// is checked alone.
@testable import Generators
import Testing

@Suite struct AsyncHandoffStateMachineTests {
  typealias Machine = AsyncHandoffStateMachine<Int, Void, String, String>

  func machine() -> Machine { Machine(body: { _ in () }) }

  /// A machine whose unbuffered body has started and yielded `value`, paused on "body".
  func suspended(at value: Int = 1) -> Machine {
    var m = machine()
    guard case .start = m.consumerResumes(with: .next, cancelled: false) else { Issue.record("no start"); return m }
    guard case .paused(nil) = m.bodyYields(value, waiter: "body") else { Issue.record("not paused"); return m }
    return m
  }

  @Test func theFirstNextStartsTheBodyAndItsYieldIsTheOutcome() {
    var m = machine()
    #expect(m.publicState == .created)
    guard case .start = m.consumerResumes(with: .next, cancelled: false) else { Issue.record("expected start"); return }
    #expect(m.publicState == .running)
    #expect(m.consumerBusy)
    // The consumer waits; the body then yields and wakes it.
    let consumerWaitsForOutcomeResult = m.consumerWaitsForOutcome("consumer")
    #expect(consumerWaitsForOutcomeResult == false)
    guard case .paused(let woken) = m.bodyYields(7, waiter: "body") else { Issue.record("expected paused"); return }
    #expect(woken == "consumer")
    #expect(m.publicState == .suspended)
    guard case .yielded(7)? = m.takeOutcome() else { Issue.record("expected 7"); return }
    #expect(!m.consumerBusy)
    #expect(m.takeOutcome() == nil, "an outcome is taken once")
  }

  @Test func anOutcomeAlreadyThereIsNotWaitedFor() {
    var m = suspended()
    let consumerWaitsForOutcomeResult = m.consumerWaitsForOutcome("consumer")
    #expect(consumerWaitsForOutcomeResult)
    #expect(m.consumerWaiting == nil)
  }

  @Test func nextResumesThePausedBody() {
    var m = suspended()
    _ = m.takeOutcome()
    guard case .resume("body", .next, cancel: nil) = m.consumerResumes(with: .next, cancelled: false) else {
      Issue.record("expected resume"); return
    }
    #expect(m.publicState == .running)
  }

  @Test func aSecondResumeWhileOneIsInProgressIsRefused() {
    var m = suspended()
    _ = m.takeOutcome()
    _ = m.consumerResumes(with: .next, cancelled: false)
    guard case .fail(.alreadyExecuting) = m.consumerResumes(with: .next, cancelled: false) else {
      Issue.record("expected alreadyExecuting"); return
    }
    guard case .fail(.alreadyExecuting) = m.consumerCloses() else { Issue.record("expected alreadyExecuting"); return }
  }

  @Test func aCancelledConsumerRaisesAtThePausedYieldAndCancelsTheTask() {
    var m = suspended()
    _ = m.takeOutcome()
    let task = Task<Void, Never> {}
    m.bodyStarted(as: task)
    guard case .resume("body", .raise(let error), cancel: let cancel?) = m.consumerResumes(with: .next, cancelled: true)
    else { Issue.record("expected a raise"); return }
    #expect(error is CancellationError)
    #expect(cancel == task)
  }

  @Test func beforeTheStart() {
    var cancelled = machine()
    guard case .fail(.cancelled) = cancelled.consumerResumes(with: .next, cancelled: true) else {
      Issue.record("expected cancelled"); return
    }
    #expect(cancelled.publicState == .closed)

    var thrownInto = machine()
    guard case .fail(.rethrow) = thrownInto.consumerResumes(with: .raise(CancellationError()), cancelled: false) else {
      Issue.record("expected rethrow"); return
    }
    #expect(thrownInto.publicState == .closed, "Python: throwing into a just-started generator closes it")

    var closed = machine()
    guard case .done = closed.consumerCloses() else { Issue.record("expected done"); return }
    #expect(closed.publicState == .closed)

    var sending = AsyncHandoffStateMachine<Int, Int, String, String>(body: { _ in () })
    guard case .fail(.sendBeforeStart) = sending.consumerResumes(with: .send(3), cancelled: false) else {
      Issue.record("expected sendBeforeStart"); return
    }
    #expect(sending.publicState == .created, "still startable with next()")
  }

  @Test func closeThrowsGeneratorExitAtThePausedYieldOnce() {
    var m = suspended()
    _ = m.takeOutcome()
    guard case .resume("body") = m.consumerCloses() else { Issue.record("expected resume"); return }
    #expect(m.exit == .thrownByClose)
    // A body that yields again pauses, so close() can report it (ignored close).
    guard case .paused = m.bodyYields(2, waiter: "body again") else { Issue.record("expected paused"); return }
    guard case .yielded(2)? = m.takeOutcome() else { Issue.record("expected the second yield"); return }
  }

  @Test func finishingWakesTheConsumerAndEndsEverything() {
    var m = machine()
    _ = m.consumerResumes(with: .next, cancelled: false)
    let consumerWaitsForOutcomeResult = m.consumerWaitsForOutcome("consumer")
    #expect(!consumerWaitsForOutcomeResult)
    #expect(m.bodyFinished(.returned, returning: 42) == "consumer")
    #expect(m.publicState == .closed)
    #expect(m.returnValue as? Int == 42)
    guard case .returned? = m.takeOutcome() else { Issue.record("expected returned"); return }
    guard case .finished = m.consumerResumes(with: .next, cancelled: false) else { Issue.record("expected finished"); return }
    guard case .fail(.rethrow) = m.consumerResumes(with: .raise(CancellationError()), cancelled: false) else {
      Issue.record("throw into a finished generator rethrows"); return
    }
    guard case .done = m.consumerCloses() else { Issue.record("close is idempotent"); return }
    m.bodyStarted(as: Task {})
    #expect(m.task == nil, "a task registered after the end is not kept")
  }

  @Test func releaseClosesAPausedBodyAtOnce() {
    var m = suspended()
    #expect(m.consumerAbandons() == "body")
    #expect(m.abandoned)
    #expect(m.exit == .thrown)
    // Yielding again after GeneratorExit is an ignored close.
    guard case .resumeNow(.ignoredClose) = m.bodyYields(3, waiter: "body") else { Issue.record("expected ignoredClose"); return }
  }

  @Test func releaseWhileTheBodyRunsStopsItAtItsNextYield() {
    var m = machine()
    _ = m.consumerResumes(with: .next, cancelled: false)
    #expect(m.consumerAbandons() == nil)
    #expect(m.exitRequested)
    guard case .resumeNow(.generatorExit) = m.bodyYields(1, waiter: "body") else { Issue.record("expected exit"); return }
    guard case .resumeNow(.ignoredClose) = m.bodyYields(2, waiter: "body") else { Issue.record("expected ignoredClose"); return }
  }

  @Test func releaseBeforeTheStartDropsTheBody() {
    var m = machine()
    #expect(m.consumerAbandons() == nil)
    #expect(m.publicState == .closed)
    #expect(!m.exitRequested, "no body will ever run to be told")
  }

  @Test func bufferedBodyWaitsForRoomAndIsWokenOrClosed() {
    var m = machine()
    #expect(m.bufferedConsumerStarts() != nil)
    #expect(m.bufferedConsumerStarts() == nil, "started once")
    #expect(m.bodyWaitsForRoom("producer") == nil)
    #expect(m.takeBodyWaitingForRoom() == "producer")
    #expect(m.takeBodyWaitingForRoom() == nil)
    // A close while it sleeps: it is taken and told GeneratorExit.
    #expect(m.bodyWaitsForRoom("producer") == nil)
    let consumerClosesBufferedResult = m.consumerClosesBuffered()
    #expect(consumerClosesBufferedResult)
    #expect(m.exitRequested)
    #expect(m.takeBodyWaitingForRoom() == "producer")
    #expect(m.deliverExit() == .generatorExit)
    // A body asked to stop does not go to sleep.
    #expect(m.bodyWaitsForRoom("producer") == .ignoredClose)
  }

  @Test func bufferedConsumerSleepsUntilTheBodyFinishes() {
    var m = machine()
    _ = m.bufferedConsumerStarts()
    let readyAtFirst = m.consumerWaitsForBody("consumer")
    #expect(!readyAtFirst)
    #expect(m.takeConsumerWaiting() == "consumer")
    let readyAgain = m.consumerWaitsForBody("consumer")
    #expect(!readyAgain)
    #expect(m.bodyFinished(.failed(CancellationError()), returning: nil) == "consumer")
    let lateIsReady = m.consumerWaitsForBody("late")
    #expect(lateIsReady, "finished: no waiting")
    let consumerClosesBufferedResult = m.consumerClosesBuffered()
    #expect(!consumerClosesBufferedResult, "nothing left to close")
  }

  @Test func aReleasedBufferedBodyAsleepForRoomIsWokenToClose() {
    var m = machine()
    _ = m.bufferedConsumerStarts()
    #expect(m.bodyWaitsForRoom("producer") == nil)
    #expect(m.consumerAbandons() == "producer")
    #expect(m.exit == .thrown)
  }

  @Test func bufferedTakesTheBodyOnlyBeforeTheStart() {
    var m = machine()
    #expect(m.bodyMovedToBufferedHandoff() != nil)
    #expect(m.publicState == .closed)
    var started = machine()
    _ = started.consumerResumes(with: .next, cancelled: false)
    #expect(started.bodyMovedToBufferedHandoff() == nil)
  }
}

