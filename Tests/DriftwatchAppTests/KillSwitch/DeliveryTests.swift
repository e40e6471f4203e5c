@testable import DriftwatchApp
@testable import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore
import Synchronization
import Testing

private let second: Int64 = 1_000_000_000

@Test func backoffDoublesFromOneSecondUpToFiveMinutes() {
    let p = DeliveryPolicy(Configuration.Delivery())
    let delays = (1...12).map { p.nominalDelayNS(afterAttempts: $0) / second }
    #expect(delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300])
    #expect(p.nominalDelayNS(afterAttempts: 10_000) == 300 * second)
}

@Test func jitterKeepsEachRetryBetweenHalfAndAllOfTheNominalDelay() {
    let p = DeliveryPolicy(Configuration.Delivery())
    for jitter in [0.0, 0.25, 0.5, 0.999] {
        guard case .retry(let at) = p.afterFailure(attempts: 3, createdNS: 0, nowNS: 10 * second, jitter: jitter) else {
            Issue.record("gave up too early")
            return
        }
        #expect(at - 10 * second >= 2 * second && at - 10 * second < 4 * second)
    }
}

@Test func deliveryGivesUpAtTheConfiguredAgeAndNeverSchedulesBeyondIt() {
    var c = Configuration.Delivery()
    c.giveUpSeconds = 60
    let p = DeliveryPolicy(c)
    #expect(p.afterFailure(attempts: 9, createdNS: 0, nowNS: 50 * second, jitter: 0.9) == .retry(atNS: 60 * second))
    #expect(p.afterFailure(attempts: 10, createdNS: 0, nowNS: 60 * second, jitter: 0) == .giveUp)
    #expect(Configuration.Delivery().giveUpSeconds == 86_400)
}

@Test func deliveryConfigurationIsParsedAndUnknownKeysAreRejected() throws {
    let c = try Configuration(bytes: Array(#"{"delivery":{"give_up_s":120,"max_backoff_s":30,"initial_backoff_s":2}}"#.utf8))
    #expect(c.delivery.giveUpSeconds == 120 && c.delivery.maxBackoffSeconds == 30 && c.delivery.initialBackoffSeconds == 2)
    #expect(throws: ConfigurationError.self) { try Configuration(bytes: Array(#"{"delivery":{"give_up":120}}"#.utf8)) }
    #expect(throws: ConfigurationError.self) {
        try Configuration(bytes: Array(#"{"delivery":{"initial_backoff_s":10,"max_backoff_s":5}}"#.utf8))
    }
}

/// A receiver stand-in: answers from a script of statuses (or a connection error) and records requests.
final class ScriptedReceiver: Sendable {
    struct Request: Sendable {
        var url: String
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    private let state = Mutex<(script: [Int], requests: [Request])>(([], []))

    /// `0` in the script means "connection refused"; when the script runs out, 200.
    init(_ script: [Int] = []) { state.withLock { $0.script = script } }

    var requests: [Request] { state.withLock { $0.requests } }

    var post: WebhookSender.Post {
        { url, headers, body in
            let status = self.state.withLock { s -> Int in
                s.requests.append(Request(url: url, headers: headers, body: body))
                return s.script.isEmpty ? 200 : s.script.removeFirst()
            }
            return status == 0 ? .failure(HTTPClientError(.connectFailed, "refused")) : .success(status)
        }
    }
}

/// A wall clock the test moves.
final class ManualClock: Sendable {
    private let ns = Atomic<Int64>(1_800_000_000 * 1_000_000_000)
    var clock: WallClock { WallClock { self.ns.load(ordering: .relaxed) } }
    var now: Int64 { ns.load(ordering: .relaxed) }
    func advance(seconds: Int64) { ns.add(seconds * 1_000_000_000, ordering: .relaxed) }
}

private let secret = "0123456789abcdef-secret"
private let hookA = "http://127.0.0.1:9/a"

private func enqueue(_ store: any DatabaseWriter, _ rows: [(String, String, String)], at ns: Int64) async throws {
    _ = try await store.write { db in
        try OutboxStore.insert(rows.map { NewOutboxRow(eventID: $0.0, eventType: $0.1, agent: $0.2, webhookURL: hookA,
                                                       body: #"{"id":"\#($0.0)","type":"\#($0.1)"}"#) },
                               createdNS: ns, in: db)
    }
}

private func sender(_ store: any DatabaseWriter, _ receiver: ScriptedReceiver, _ clock: ManualClock,
                    giveUp: Int = 86_400) -> WebhookSender {
    var delivery = Configuration.Delivery()
    delivery.giveUpSeconds = giveUp
    return WebhookSender(store: store, webhooks: [Configuration.Webhook(url: hookA, secret: secret)], delivery: delivery,
                         signal: WakeSignal(), clock: clock.clock, post: receiver.post, jitter: { 0 }, log: { _ in })
}

private func states(_ store: any DatabaseWriter) async throws -> [String] {
    try await store.read { db in try OutboxStore.recent(limit: 100, in: db).reversed().map { "\($0.eventID):\($0.state.rawValue):\($0.attempts)" } }
}

@Test func aDeliveryIsSignedAndTheSignatureVerifies() async throws {
    let store = try DatabaseQueue(path: ":memory:", migrator: Schema.migrator)
    let clock = ManualClock()
    let receiver = ScriptedReceiver()
    try await enqueue(store, [("al_1", "breaker.open", "bot")], at: clock.now)
    #expect(try await sender(store, receiver, clock).deliverDue() == nil)
    let r = try #require(receiver.requests.first)
    #expect(receiver.requests.count == 1)
    #expect(r.headers["Content-Type"] == "application/json")
    #expect(r.headers["X-Driftwatch-Event-Id"] == "al_1")
    let signature = try #require(r.headers["X-Driftwatch-Signature"])
    try WebhookSignature.verify(header: signature, secret: Array(secret.utf8), body: r.body, now: clock.now / 1_000_000_000)
    #expect(throws: WebhookSignatureError.self) {
        try WebhookSignature.verify(header: signature, secret: Array("another-secret-of-16".utf8), body: r.body,
                                    now: clock.now / 1_000_000_000)
    }
    #expect(try await states(store) == ["al_1:delivered:1"])
}

@Test func failuresAreRetriedOnTheBackoffScheduleThenDeliveredOnce() async throws {
    let store = try DatabaseQueue(path: ":memory:", migrator: Schema.migrator)
    let clock = ManualClock()
    let receiver = ScriptedReceiver([0, 503, 500])
    try await enqueue(store, [("al_1", "breaker.open", "bot")], at: clock.now)
    let s = sender(store, receiver, clock)
    var next = try #require(try await s.deliverDue())
    #expect(next - clock.now == 500_000_000)  // 1 s with jitter 0 → half
    #expect(receiver.requests.count == 1)
    // Nothing is sent before it is due.
    _ = try await s.deliverDue()
    #expect(receiver.requests.count == 1)
    clock.advance(seconds: 1)
    next = try #require(try await s.deliverDue())
    #expect(next - clock.now == 1_000_000_000)  // 2 s nominal
    clock.advance(seconds: 1)
    next = try #require(try await s.deliverDue())
    #expect(next - clock.now == 2_000_000_000)  // 4 s nominal
    clock.advance(seconds: 2)
    #expect(try await s.deliverDue() == nil)
    #expect(receiver.requests.count == 4)
    #expect(Set(receiver.requests.map { $0.headers["X-Driftwatch-Event-Id"] ?? "" }) == ["al_1"])
    clock.advance(seconds: 3600)
    #expect(try await s.deliverDue() == nil)
    #expect(receiver.requests.count == 4)
    #expect(try await states(store) == ["al_1:delivered:4"])
}

@Test func anUndeliverableRowGoesDeadAfterTheGiveUpTimeAndUnblocksItsAgent() async throws {
    let store = try DatabaseQueue(path: ":memory:", migrator: Schema.migrator)
    let clock = ManualClock()
    let receiver = ScriptedReceiver(Array(repeating: 0, count: 100))
    try await enqueue(store, [("al_1", "breaker.open", "bot"), ("al_2", "breaker.closed", "bot")], at: clock.now)
    let s = sender(store, receiver, clock, giveUp: 10)
    for _ in 0..<20 {
        _ = try await s.deliverDue()
        // The agent's later row never overtakes the earlier one while it is pending.
        if try await states(store).first?.contains(":pending:") == true {
            #expect(receiver.requests.allSatisfy { $0.headers["X-Driftwatch-Event-Id"] == "al_1" })
        }
        clock.advance(seconds: 1)
    }
    let final = try await states(store)
    #expect(final[0].hasPrefix("al_1:dead:"))
    #expect(final[1].hasPrefix("al_2:dead:"))
    let dead = try await store.read { db in try OutboxStore.recent(state: .dead, limit: 10, in: db) }
    #expect(dead.allSatisfy { $0.lastError?.contains("refused") == true })
}

@Test func rowsOfOneAgentArriveInOrderWhileOtherAgentsProceed() async throws {
    let store = try DatabaseQueue(path: ":memory:", migrator: Schema.migrator)
    let clock = ManualClock()
    // bot's first attempt fails; other-bot's succeeds meanwhile.
    let receiver = ScriptedReceiver([503])
    try await enqueue(store, [("al_1", "breaker.open", "bot"), ("al_2", "breaker.closed", "bot"), ("al_3", "breaker.open", "other")],
                      at: clock.now)
    let s = sender(store, receiver, clock)
    _ = try await s.deliverDue()
    #expect(try await states(store) == ["al_1:pending:1", "al_2:pending:0", "al_3:delivered:1"])
    clock.advance(seconds: 5)
    #expect(try await s.deliverDue() == nil)
    let ids = receiver.requests.map { $0.headers["X-Driftwatch-Event-Id"] ?? "" }
    #expect(ids.filter { $0 != "al_3" } == ["al_1", "al_1", "al_2"])
    #expect(try await states(store) == ["al_1:delivered:2", "al_2:delivered:1", "al_3:delivered:1"])
}

@Test func aWakeIsNotLostWhenItComesBeforeTheWait() async {
    let signal = WakeSignal()
    signal.wake()
    let start = ContinuousClock.now
    await signal.wait(upTo: .seconds(30))
    #expect(ContinuousClock.now - start < .seconds(10))
}

@Test func aReceiverThatHangsHoldsBackOnlyItsOwnQueueNotAnotherWebhooksDelivery() async throws {
    let store = try DatabaseQueue(path: ":memory:", migrator: Schema.migrator)
    let clock = ManualClock()
    let hookB = "http://127.0.0.1:9/b"
    // Webhook A hangs (as a receiver slower than timeout_s does) until the test releases it.
    let hanging = Mutex<CheckedContinuation<Void, Never>?>(nil)
    let received = Mutex<[String]>([])
    let post: WebhookSender.Post = { url, headers, _ in
        received.withLock { $0.append("\(url) \(headers["X-Driftwatch-Event-Id"] ?? "")") }
        if url == hookA { await withCheckedContinuation { c in hanging.withLock { $0 = c } } }
        return .success(200)
    }
    let signal = WakeSignal()
    let s = WebhookSender(store: store, webhooks: [Configuration.Webhook(url: hookA, secret: secret),
                                                   Configuration.Webhook(url: hookB, secret: secret)],
                          delivery: Configuration.Delivery(), signal: signal, clock: clock.clock, post: post, jitter: { 0 },
                          log: { _ in })
    try await enqueue(store, [("al_1", "breaker.open", "slow-bot")], at: clock.now)
    try await withThrowingTaskGroup(of: Int64?.self) { group in
        group.addTask { try await s.deliverDue() }
        func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
            for _ in 0..<600 {
                if try await condition() { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return false
        }
        #expect(try await eventually { hanging.withLock { $0 != nil } })
        // A breaker opens for another agent, delivered to webhook B, while A still hangs.
        _ = try await store.write { db in
            try OutboxStore.insert([NewOutboxRow(eventID: "al_2", eventType: "breaker.open", agent: "fast-bot", webhookURL: hookB,
                                                 body: #"{"id":"al_2"}"#)], createdNS: clock.now, in: db)
        }
        signal.wake()
        let delivered = try await eventually { try await states(store).contains("al_2:delivered:1") }
        let meanwhile = try await states(store)
        #expect(delivered, "al_2 waited for the hanging delivery to webhook A: \(meanwhile)")
        hanging.withLock { $0 }?.resume()
        #expect(try await group.next() == .some(nil))
    }
    #expect(try await states(store) == ["al_1:delivered:1", "al_2:delivered:1"])
    #expect(received.withLock { $0 } == ["\(hookA) al_1", "\(hookB) al_2"])
}
