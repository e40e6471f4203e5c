public import DriftwatchCore
public import DriftwatchHTTP
public import DriftwatchStore

/// Delivers the webhook outbox (spec §5): a long-running task of the service's task
/// group. It reads the due rows that head their (agent, webhook) queue, POSTs them
/// signed — at most `maxInFlight` at once, never two of one queue — and records each
/// outcome as it comes: 2xx → `delivered`; anything else → retried on the ``DeliveryPolicy``
/// schedule, then `dead`. All state is in SQLite, so a restart resumes where it stopped.
///
/// At-least-once: a POST that succeeded just before a crash, but whose `delivered`
/// mark did not commit, is sent again after the restart; receivers deduplicate on
/// `X-Driftwatch-Event-Id`.
public final class WebhookSender: Sendable {
    /// One attempt's result: the HTTP status, or why no status was received.
    public typealias Post = @Sendable (_ url: String, _ headers: HTTPHeaders, _ body: [UInt8]) async -> Result<Int, HTTPClientError>

    public let policy: DeliveryPolicy
    public let maxInFlight: Int
    /// Longest idle sleep with nothing pending (a safety net; commits wake the sender).
    public let idlePoll: Duration

    private let store: any DatabaseWriter
    private let secrets: [String: [UInt8]]
    private let signal: WakeSignal
    private let clock: WallClock
    private let post: Post
    private let jitter: @Sendable () -> Double
    private let log: @Sendable (String) -> Void

    public init(store: any DatabaseWriter, webhooks: [Configuration.Webhook], delivery: Configuration.Delivery, signal: WakeSignal,
                clock: WallClock = .system, post: Post? = nil, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                idlePoll: Duration = .seconds(60), log: @escaping @Sendable (String) -> Void) {
        self.store = store
        self.policy = DeliveryPolicy(delivery)
        self.maxInFlight = delivery.maxInFlight
        self.idlePoll = idlePoll
        var secrets: [String: [UInt8]] = [:]
        for w in webhooks { secrets[w.url] = Array(w.secret.utf8) }
        self.secrets = secrets
        self.signal = signal
        self.clock = clock
        self.jitter = jitter
        self.log = log
        if let post {
            self.post = post
        } else {
            var configuration = HTTPClient.Configuration()
            configuration.connectTimeout = .seconds(delivery.timeoutSeconds)
            configuration.responseTimeout = .seconds(delivery.timeoutSeconds)
            configuration.maxResponseBytes = 64 * 1024
            let client = HTTPClient(configuration: configuration)
            self.post = { url, headers, body in
                do throws(HTTPClientError) {
                    return .success(try await client.post(url, headers: headers, body: body).statusCode)
                } catch {
                    return .failure(error)
                }
            }
        }
    }

    /// Delivers until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            let next: Int64?
            do {
                next = try await deliverDue()
            } catch {
                if Task.isCancelled { return }
                log("webhooks: the outbox could not be read or updated: \(error); retrying in 1 s")
                await signal.wait(upTo: .seconds(1))
                continue
            }
            var wait = idlePoll
            if let next {
                let ns = max(0, next - clock.now())
                wait = min(wait, .nanoseconds(ns))
            }
            if wait > .zero { await signal.wait(upTo: wait) }
        }
    }

    /// What one attempt did to a row.
    struct Outcome: Sendable {
        var id: Int64
        var attempts: Int
        var atNS: Int64
        var decision: Decision
        enum Decision: Sendable {
            case delivered
            case retry(atNS: Int64, error: String)
            case dead(error: String)
        }
    }

    /// What finished in ``deliverDue()``'s task group: an attempt, or the wait for new work.
    private enum Finished: Sendable {
        case attempt(Outcome)
        case woken
    }

    /// How often ``deliverDue()`` looks for rows that fell due while attempts are in flight.
    static let inFlightPoll: Duration = .seconds(1)

    /// Delivers every due row until none is due and no attempt is in flight.
    ///
    /// Attempts run independently, up to `maxInFlight` at once: each outcome is recorded
    /// as soon as it is known and frees its slot for the next due row, and a commit that
    /// enqueues deliveries (``WakeSignal``) starts them at once. So a receiver that hangs
    /// until `timeout_s` delays only its own (agent, webhook) queue, never another's.
    /// - Returns: when the earliest pending row is next due, or `nil` with nothing pending.
    /// - Throws: a store error.
    @discardableResult
    public func deliverDue() async throws -> Int64? {
        try await withThrowingTaskGroup(of: Finished.self) { group in
            var inFlight: Set<Int64> = []
            var waking = false
            while !Task.isCancelled {
                if inFlight.count < maxInFlight {
                    let now = clock.now(), limit = maxInFlight + inFlight.count
                    // A row in flight is still pending, so its queue's later rows are not due yet.
                    let rows = try await store.read { db in try OutboxStore.due(nowNS: now, limit: limit, in: db) }
                    for row in rows where !inFlight.contains(row.id) && inFlight.count < maxInFlight {
                        inFlight.insert(row.id)
                        group.addTask { .attempt(await self.attempt(row)) }
                    }
                }
                if inFlight.isEmpty { break }
                if !waking {
                    waking = true
                    group.addTask { [signal] in
                        await signal.wait(upTo: Self.inFlightPoll)
                        return .woken
                    }
                }
                guard let finished = try await group.next() else { break }
                switch finished {
                case .woken:
                    waking = false
                case .attempt(let o):
                    inFlight.remove(o.id)
                    try await store.write { db in try self.record(o, in: db) }
                    if case .dead(let error) = o.decision {
                        log("webhooks: gave up on outbox row \(o.id) after \(o.attempts) attempts: \(error)")
                    }
                }
            }
            group.cancelAll()
            return try await store.read { db in try OutboxStore.nextDueNS(in: db) }
        }
    }

    private func record(_ o: Outcome, in db: Database) throws {
        switch o.decision {
        case .delivered: try OutboxStore.markDelivered(id: o.id, attempts: o.attempts, atNS: o.atNS, in: db)
        case .retry(let next, let error):
            try OutboxStore.markRetry(id: o.id, attempts: o.attempts, atNS: o.atNS, nextAttemptNS: next, error: error, in: db)
        case .dead(let error): try OutboxStore.markDead(id: o.id, attempts: o.attempts, atNS: o.atNS, error: error, in: db)
        }
    }

    /// One signed POST of `row`, and what it means for the row.
    func attempt(_ row: OutboxRow) async -> Outcome {
        let attempts = row.attempts + 1
        guard let secret = secrets[row.webhookURL] else {
            return Outcome(id: row.id, attempts: row.attempts, atNS: clock.now(),
                           decision: .dead(error: "webhook \(row.webhookURL) is no longer configured"))
        }
        let body = Array(row.body.utf8)
        let sentNS = clock.now()
        let headers: HTTPHeaders = [
            "Content-Type": "application/json",
            "X-Driftwatch-Event-Id": row.eventID,
            "X-Driftwatch-Event-Type": row.eventType,
            WebhookSignature.headerName: WebhookSignature.header(secret: secret, timestamp: sentNS / DeliveryPolicy.nanosPerSecond, body: body),
            "User-Agent": "driftwatch-webhook/1",
        ]
        let error: String
        switch await post(row.webhookURL, headers, body) {
        case .success(let status) where (200..<300).contains(status):
            return Outcome(id: row.id, attempts: attempts, atNS: sentNS, decision: .delivered)
        case .success(let status):
            error = "HTTP \(status)"
        case .failure(let e):
            error = "\(e)"
        }
        let now = clock.now()
        switch policy.afterFailure(attempts: attempts, createdNS: row.createdNS, nowNS: now, jitter: jitter()) {
        case .retry(let next): return Outcome(id: row.id, attempts: attempts, atNS: sentNS, decision: .retry(atNS: next, error: error))
        case .giveUp: return Outcome(id: row.id, attempts: attempts, atNS: sentNS, decision: .dead(error: error))
        }
    }
}
