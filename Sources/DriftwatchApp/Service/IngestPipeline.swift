public import DriftwatchCore
public import DriftwatchStore
import Synchronization

/// The single writer (design.md § Data flow): every source submits decoded events here;
/// one loop owns the `Monitor`, feeds it the events in commit order, and writes each
/// batch — events, the alerts they raised, agent counters and newly frozen baselines —
/// in ONE transaction. A submission is answered only after its batch has committed
/// (spec: "acknowledged (HTTP 202) only after its batch has committed").
///
/// Batching is group commit: while one batch commits, new submissions queue up, and
/// the next batch takes all of them (up to ``batchSize`` events), so a lone request
/// is committed at once and concurrent ones share a transaction. The queue is bounded
/// by ``maxQueuedEvents``; beyond it `submit` fails fast with `.overloaded`
/// (HTTP 503 + `Retry-After`) instead of growing.
///
/// Duplicates (`agent` + `call_id` already stored) are skipped by the INSERT and never
/// reach the `Monitor`, so a retried request does not count twice in detection either.
public final class IngestPipeline: Sendable {
    /// What happened to one submission's events.
    public struct Outcome: Sendable, Equatable {
        /// Newly stored events.
        public var stored = 0
        /// Events whose `agent` + `call_id` was already stored (acknowledged, not stored again).
        public var duplicates = 0
        /// Alerts their batch raised for them.
        public var alerts = 0
    }

    /// Why a submission was not stored.
    public enum SubmitError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The queue holds `queued` events already; retry later.
        case overloaded(queued: Int)
        /// `finish()` was called.
        case shuttingDown
        /// The batch's transaction failed; nothing of it was stored.
        case storeFailed(String)
        /// The store cannot take writes (disk full, read-only, I/O errors); nothing of the
        /// batch was stored. ``StoreHealth`` tracks the fault and logs it once.
        case storeNotWritable(StorageFault)

        public var description: String {
            switch self {
            case .overloaded(let queued): "the ingest queue is full (\(queued) events waiting); retry later"
            case .shuttingDown: "the service is shutting down"
            case .storeFailed(let reason): "the store could not commit the batch: \(reason)"
            case .storeNotWritable(let fault):
                "\(fault.summary): nothing of this request was stored; retry later (\(fault.detail))"
            }
        }
    }

    /// The `Monitor` and what the writer knows about persisted baselines; touched only
    /// by the writer (inside its transaction) and by short read-only peeks from routes.
    struct Detection: Sendable {
        var monitor: Monitor
        /// Agents whose baseline is already in the table or was loaded at start.
        var persistedBaselines: Set<String>
    }

    private struct Submission: Sendable {
        var events: [Event]
        var records: [EventRecord]
        var continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct Queue: Sendable {
        var pending: [Submission] = []
        var queuedEvents = 0
        var writerWaiting: CheckedContinuation<Void, Never>?
        var closed = false
    }

    /// Most events taken into one transaction (several submissions up to this; one larger
    /// submission alone).
    public let batchSize: Int
    /// Most events waiting for the writer.
    public let maxQueuedEvents: Int
    /// Whether `args`, `labels` and `reasoning` are redacted before storage.
    public let redact: Bool

    private let store: any DatabaseWriter
    private let detection: Mutex<Detection>
    private let queue = Mutex(Queue())
    let metrics: ServiceMetrics
    private let clock: WallClock
    private let log: @Sendable (String) -> Void
    /// Persists breaker transitions, audits them and enqueues kill-switch deliveries in
    /// each batch's transaction (spec §5); `nil` in tests that do not need it.
    public let breakers: BreakerRecorder?
    /// Whether the store takes writes, as the batches find it (read by `/healthz`).
    public let storeHealth: StoreHealth

    /// - Parameters:
    ///   - monitor: the detection state; baselines given to it should be listed in `persistedBaselines`.
    ///   - persistedBaselines: agents whose baseline need not be saved when it is seen frozen.
    public init(store: any DatabaseWriter, monitor: Monitor, persistedBaselines: Set<String>,
                batchSize: Int, maxQueuedEvents: Int, redact: Bool, metrics: ServiceMetrics,
                clock: WallClock = .system, breakers: BreakerRecorder? = nil, log: @escaping @Sendable (String) -> Void) {
        precondition(batchSize > 0 && maxQueuedEvents > 0, "pipeline bounds must be positive")
        self.store = store
        self.detection = Mutex(Detection(monitor: monitor, persistedBaselines: persistedBaselines))
        self.batchSize = batchSize
        self.maxQueuedEvents = maxQueuedEvents
        self.redact = redact
        self.metrics = metrics
        self.clock = clock
        self.breakers = breakers
        self.log = log
        self.storeHealth = StoreHealth(log: log)
    }

    /// Runs `body` on the Monitor inside one write transaction, serialised with the ingest
    /// batches (manual breaker trips and resets go through the same single writer).
    public func withWriter<T: Sendable>(_ body: @escaping @Sendable (inout Monitor, Database) throws -> T) async throws -> T {
        try await store.write { [self] db in
            try self.detection.withLock { d throws in try body(&d.monitor, db) }
        }
    }

    /// Events waiting for the writer (`driftwatch_queue_depth`).
    public var queueDepth: Int { queue.withLock { $0.queuedEvents } }

    /// Reads the detection state (agent state, baselines) without blocking the writer for long.
    public func withMonitor<T: Sendable>(_ body: (Monitor) -> T) -> T {
        detection.withLock { body($0.monitor) }
    }

    /// Stores `events` (received at `receivedNS`) and returns once their batch has committed.
    ///
    /// The stored form (canonical, redacted) is built here, in the caller's task, so the
    /// single writer only binds and steps.
    /// - Throws: `SubmitError`.
    public func submit(_ events: [Event], receivedNS: Int64) async throws -> Outcome {
        guard !events.isEmpty else { return Outcome() }
        let redact = self.redact
        let records = events.map { EventRecord($0, receivedNS: receivedNS, redact: redact) }
        return try await withCheckedThrowingContinuation { continuation in
            enum Admission { case queued(CheckedContinuation<Void, Never>?), rejected(SubmitError) }
            let admission = queue.withLock { q -> Admission in
                if q.closed { return .rejected(.shuttingDown) }
                // One submission larger than the bound is still admitted into an empty queue,
                // or a big body could never get in.
                if q.queuedEvents > 0 && q.queuedEvents + events.count > maxQueuedEvents {
                    return .rejected(.overloaded(queued: q.queuedEvents))
                }
                q.pending.append(Submission(events: events, records: records, continuation: continuation))
                q.queuedEvents += events.count
                defer { q.writerWaiting = nil }
                return .queued(q.writerWaiting)
            }
            switch admission {
            case .queued(let writer):
                writer?.resume()
            case .rejected(let error):
                if case .overloaded = error { metrics.recordOverload() }
                continuation.resume(throwing: error)
            }
        }
    }

    /// Stops admitting submissions; ``run()`` commits what is queued and returns.
    public func finish() {
        let writer = queue.withLock { q -> CheckedContinuation<Void, Never>? in
            q.closed = true
            defer { q.writerWaiting = nil }
            return q.writerWaiting
        }
        writer?.resume()
    }

    /// The writer loop: runs until ``finish()`` has been called and the queue is empty.
    public func run() async {
        while let batch = await nextBatch() {
            await commit(batch)
        }
    }

    private func nextBatch() async -> [Submission]? {
        while true {
            enum Step { case batch([Submission]), done, wait }
            let step = queue.withLock { q -> Step in
                guard !q.pending.isEmpty else { return q.closed ? .done : .wait }
                var taken = 0
                var count = 0
                while taken < q.pending.count && (taken == 0 || count + q.pending[taken].events.count <= batchSize) {
                    count += q.pending[taken].events.count
                    taken += 1
                }
                let batch = Array(q.pending.prefix(taken))
                q.pending.removeFirst(taken)
                q.queuedEvents -= count
                return .batch(batch)
            }
            switch step {
            case .batch(let batch): return batch
            case .done: return nil
            case .wait:
                await withCheckedContinuation { (writer: CheckedContinuation<Void, Never>) in
                    let ready = queue.withLock { q -> Bool in
                        if !q.pending.isEmpty || q.closed { return true }
                        q.writerWaiting = writer
                        return false
                    }
                    if ready { writer.resume() }
                }
            }
        }
    }

    private struct BatchResult: Sendable {
        var outcomes: [Outcome]
        var alertKinds: [String]
        var frozen: [String]
        var enqueued: Int
    }

    private func commit(_ batch: [Submission]) async {
        let inputs = batch.map { ($0.events, $0.records) }
        let now = clock.now()
        let started = ContinuousClock.now
        let result: Result<BatchResult, any Error>
        do {
            result = .success(try await store.write { [self] db in
                try self.write(inputs, now: now, in: db)
            })
        } catch {
            result = .failure(error)
        }
        let elapsed = ContinuousClock.now - started
        switch result {
        case .success(let r):
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            metrics.recordCommit(seconds: seconds, stored: r.outcomes.reduce(0) { $0 + $1.stored },
                                 duplicates: r.outcomes.reduce(0) { $0 + $1.duplicates }, alertKinds: r.alertKinds)
            storeHealth.ingestCommitted(nowNS: clock.now())
            if r.enqueued > 0 { breakers?.signal.wake() }
            for agent in r.frozen { log("baseline for \(agent) learned and frozen; saved to the store") }
            for (submission, outcome) in zip(batch, r.outcomes) { submission.continuation.resume(returning: outcome) }
        case .failure(let error):
            let events = inputs.reduce(0) { $0 + $1.0.count }
            let refusal: SubmitError
            if let fault = StorageFault(error) {
                // Logged once per state change by StoreHealth, not once per refused batch.
                storeHealth.ingestFailed(fault, events: events, nowNS: clock.now())
                refusal = .storeNotWritable(fault)
            } else {
                log("ingest: batch of \(events) events not stored: \(error)")
                refusal = .storeFailed("\(error)")
            }
            for submission in batch { submission.continuation.resume(throwing: refusal) }
        }
    }

    /// One batch, inside the writer's transaction.
    private func write(_ inputs: [([Event], [EventRecord])], now: Int64, in db: Database) throws -> BatchResult {
        var seqs: [[Int64?]] = []
        seqs.reserveCapacity(inputs.count)
        for (_, records) in inputs { seqs.append(try EventStore.append(records, in: db)) }
        // Detection below cannot be undone: the Monitor keeps what it saw even if the
        // transaction then rolls back. Writing the events' pages now makes a full or
        // read-only disk fail the batch here, before any event reaches the Monitor; the
        // writes after detection (alerts, counters, breakers) are a few pages, so only a
        // disk that fills up within those can still leave the Monitor ahead of the store.
        try db.flushCache()
        var outcomes = [Outcome](repeating: Outcome(), count: inputs.count)
        var alerts: [Alert] = []
        var tallies: [String: AgentTally] = [:]
        var frozen: [Baseline] = []
        detection.withLock { d in
            for (i, (events, records)) in inputs.enumerated() {
                let before = alerts.count
                for (j, seq) in seqs[i].enumerated() {
                    guard let seq else {
                        outcomes[i].duplicates += 1
                        continue
                    }
                    outcomes[i].stored += 1
                    tallies[records[j].agent, default: AgentTally()].add(records[j])
                    d.monitor.process(events[j], seq: seq, receivedAt: records[j].receivedNS, into: &alerts)
                }
                outcomes[i].alerts = alerts.count - before
            }
            // A learning agent freezes its baseline inside `process`; save it with this batch.
            for agent in tallies.keys where !d.persistedBaselines.contains(agent) {
                if let baseline = d.monitor.baseline(for: agent) {
                    frozen.append(baseline)
                    d.persistedBaselines.insert(agent)
                }
            }
        }
        try AlertStore.insert(alerts, in: db)
        try AgentStore.add(tallies, updatedNS: now, in: db)
        for baseline in frozen { try BaselineStore.upsert(baseline, createdNS: now, in: db) }
        let enqueued = try breakers?.record(alerts, nowNS: now, in: db) ?? 0
        try breakers?.recordFrozen(frozen, nowNS: now, in: db)
        return BatchResult(outcomes: outcomes, alertKinds: alerts.map(\.kind.rawValue), frozen: frozen.map(\.agent),
                           enqueued: enqueued)
    }
}
