public import DriftwatchCore
public import DriftwatchStore
import Dispatch
import Synchronization

/// The ingest pipeline (design.md § Data flow): every source submits decoded events
/// here. Two stages, each on its own thread, so that a batch's inserts run beside the
/// previous batch's detection:
///
/// 1. **The writer** commits each batch of events in ONE transaction and acknowledges
///    its submissions (spec: "acknowledged (HTTP 202) only after its batch has
///    committed"). The same transaction stores what detection produced for earlier
///    batches: alerts, breaker transitions and kill-switch deliveries, newly frozen
///    baselines, and the `DetectionProgress` mark.
/// 2. **The detector** owns the `Monitor` and feeds it the committed events in commit
///    order, so detection only ever sees stored events: a batch refused by a full disk
///    never reaches it, and duplicates (`agent` + `call_id` already stored, skipped by
///    the INSERT) never count twice.
///
/// Alerts therefore reach the store one transaction after their events, a few
/// milliseconds when idle, one batch's commit time under load. Events acknowledged but
/// not yet detected when the process dies are above the progress mark and are detected
/// at the next start (``recoverUndetected()``).
///
/// Batching is group commit: while one batch commits, new submissions queue up, and
/// the next batch takes all of them (up to ``batchSize`` events), so a lone request
/// is committed at once and concurrent ones share a transaction. Events count against
/// ``maxQueuedEvents`` from admission until they are detected; beyond it `submit` fails
/// fast with `.overloaded` (HTTP 503 + `Retry-After`) instead of growing.
public final class IngestPipeline: Sendable {
    /// What happened to one submission's events.
    public struct Outcome: Sendable, Equatable {
        /// Newly stored events.
        public var stored = 0
        /// Events whose `agent` + `call_id` was already stored (acknowledged, not stored again).
        public var duplicates = 0
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

    /// The `Monitor` and what the detector knows about persisted baselines; touched by the
    /// detector, by operators' actions (``withWriter(_:)``) and by short read-only peeks.
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

    /// Stored events waiting for the detector, in `seq` order.
    private struct Committed: Sendable {
        var events: [EventStore.Stored]
    }

    /// What detection produced, waiting for the writer's next transaction.
    private struct Detected: Sendable {
        var alerts: [Alert]
        var frozen: [Baseline]
        var throughSeq: Int64
    }

    private struct Queue: Sendable {
        var pending: [Submission] = []
        /// Events admitted and not yet detected (or refused): the bound on both stages.
        var queuedEvents = 0
        var committed: [Committed] = []
        var detecting = false
        var detected: [Detected] = []
        var writerWaiting: CheckedContinuation<Void, Never>?
        var detectorWaiting: CheckedContinuation<Void, Never>?
        var closed = false
        var writerDone = false
        /// The newest `seq` handed to the detector, and the newest it has detected.
        var committedThrough: Int64 = 0
        var detectedThrough: Int64 = 0

        /// Nothing admitted is waiting in either stage.
        var isIdle: Bool { pending.isEmpty && committed.isEmpty && !detecting && detected.isEmpty }

        /// The continuations to resume after a change, cleared.
        mutating func wakeBoth() -> [CheckedContinuation<Void, Never>] {
            defer { writerWaiting = nil; detectorWaiting = nil }
            return [writerWaiting, detectorWaiting].compactMap { $0 }
        }
    }

    /// Most events taken into one transaction (several submissions up to this; one larger
    /// submission alone).
    public let batchSize: Int
    /// Most events admitted and not yet detected.
    public let maxQueuedEvents: Int
    /// Whether `args`, `labels` and `reasoning` are redacted before storage.
    public let redact: Bool

    private let store: any DatabaseWriter
    private let detection: Mutex<Detection>
    private let queue = Mutex(Queue())
    /// The detector's own thread: detection is CPU-bound and would otherwise hold one of
    /// the few cooperative threads the HTTP handlers run on.
    private let detectorThread = DispatchQueue(label: "driftwatch.detector")
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
    /// batches (manual breaker trips and resets go through here). Detection results not
    /// yet stored are written first, in the same transaction, so the store records the
    /// breaker transitions in the order the Monitor made them.
    public func withWriter<T: Sendable>(_ body: @escaping @Sendable (inout Monitor, Database) throws -> T) async throws -> T {
        // An operator who resets a breaker after a 202 acts on a Monitor that has seen those events.
        await caughtUp()
        return try await writingDetected { [self] db, take in
            try self.detection.withLock { d throws in
                // Taken under the detection lock: every batch the Monitor has seen is in it.
                let published = try self.write(take(), now: self.clock.now(), in: db)
                return (try body(&d.monitor, db), published)
            }
        }
    }

    /// Returns once the Monitor has seen every event committed before the call (at most
    /// one batch's detection time), so that reads of detection state after a 202 reflect
    /// the acknowledged events.
    func caughtUp() async {
        let acknowledged = queue.withLock { $0.committedThrough }
        while queue.withLock({ $0.detectedThrough < acknowledged && !$0.writerDone }) {
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// Events admitted and not yet detected (`driftwatch_queue_depth`).
    public var queueDepth: Int { queue.withLock { $0.queuedEvents } }

    /// Reads the detection state (agent state, baselines) without blocking detection for long.
    public func withMonitor<T: Sendable>(_ body: (Monitor) -> T) -> T {
        detection.withLock { body($0.monitor) }
    }

    /// Stores `events` (received at `receivedNS`) and returns once their batch has committed.
    /// Their alerts follow in the writer's next transaction (``settled()`` waits for them).
    ///
    /// The stored form (canonical, redacted) is built here, in the caller's task, so the
    /// single SQLite writer only binds and steps.
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

    /// Queues the events that were stored but never detected (above `DetectionProgress`:
    /// the process died between an ingest commit and the commit of its alerts) for the
    /// detector; ``run()`` then detects them before anything newer. Call once, before
    /// ``run()``. They come back as stored: redacted arguments keep their shape but not
    /// their secret values.
    /// - Returns: how many events were queued.
    public func recoverUndetected() throws -> Int {
        let stored = try store.readSync { db in
            try EventStore.events(after: DetectionProgress.throughSeq(in: db), in: db)
        }
        guard !stored.isEmpty else { return 0 }
        queue.withLock { q in
            q.committed.append(Committed(events: stored))
            q.queuedEvents += stored.count
            q.committedThrough = stored[stored.count - 1].seq
        }
        return stored.count
    }

    /// Returns once every event admitted so far has been stored or refused, and the
    /// detection results of those stored are stored too.
    func settled() async {
        while !queue.withLock({ $0.isIdle }) {
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Stops admitting submissions; ``run()`` commits and detects what is queued and returns.
    public func finish() {
        let waiting = queue.withLock { q in
            q.closed = true
            return q.wakeBoth()
        }
        for c in waiting { c.resume() }
    }

    /// Runs the writer and the detector until ``finish()`` has been called and both are idle.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.runDetector() }
            while let batch = await nextBatch() {
                await commit(batch)
            }
            let detector = queue.withLock { q in
                q.writerDone = true
                return q.wakeBoth()
            }
            for c in detector { c.resume() }
        }
    }

    // MARK: - The writer

    /// The next submissions to store (possibly none, when only detection results wait),
    /// or `nil` once closed and idle.
    private func nextBatch() async -> [Submission]? {
        await next(parkingIn: \.writerWaiting) { q in
            if q.pending.isEmpty {
                if !q.detected.isEmpty { return .value([]) }
                return q.closed && q.isIdle ? .done : .wait
            }
            var taken = 0
            var count = 0
            while taken < q.pending.count && (taken == 0 || count + q.pending[taken].events.count <= batchSize) {
                count += q.pending[taken].events.count
                taken += 1
            }
            let batch = Array(q.pending.prefix(taken))
            q.pending.removeFirst(taken)
            return .value(batch)
        }
    }

    private enum Take<T> { case value(T), done, wait }

    /// What `take` finds in the queue, or `nil` once it says the stage is done; while it
    /// says wait, the caller is parked in `slot` until a change resumes it.
    private func next<T: Sendable>(parkingIn slot: WritableKeyPath<Queue, CheckedContinuation<Void, Never>?>,
                                   _ take: (inout Queue) -> Take<T>) async -> T? {
        while true {
            var found: Take<T> = .wait
            await withCheckedContinuation { (parked: CheckedContinuation<Void, Never>) in
                found = queue.withLock { q in
                    let found = take(&q)
                    if case .wait = found { q[keyPath: slot] = parked }
                    return found
                }
                if case .wait = found { return }
                parked.resume()
            }
            switch found {
            case .value(let value): return value
            case .done: return nil
            case .wait: continue
            }
        }
    }

    /// What one transaction stored of detection results, to report once it has committed.
    private struct Published: Sendable {
        var alertKinds: [String] = []
        var frozen: [String] = []
        var enqueued = 0
    }

    /// One writer transaction: `body` gets a function that takes the detection results
    /// waiting for the writer; if the transaction then fails they are put back, so the
    /// next one stores them. After a commit the results are reported (metrics, log,
    /// webhook sender).
    private func writingDetected<T: Sendable>(
        _ body: @escaping @Sendable (Database, () -> [Detected]) throws -> (T, Published)
    ) async throws -> T {
        let taken = Mutex<[Detected]>([])
        let result: (T, Published)
        do {
            result = try await store.write { [self] db in
                try body(db) {
                    let detected = self.queue.withLock { q in
                        defer { q.detected = [] }
                        return q.detected
                    }
                    taken.withLock { $0 = detected }
                    return detected
                }
            }
        } catch {
            let detected = taken.withLock { $0 }
            if !detected.isEmpty { queue.withLock { q in q.detected.insert(contentsOf: detected, at: 0) } }
            throw error
        }
        let published = result.1
        if !published.alertKinds.isEmpty { metrics.recordAlerts(published.alertKinds) }
        if published.enqueued > 0 { breakers?.signal.wake() }
        for agent in published.frozen { log("baseline for \(agent) learned and frozen; saved to the store") }
        return result.0
    }

    private func commit(_ batch: [Submission]) async {
        let inputs = batch.map(\.records)
        let started = ContinuousClock.now
        let result: Result<[[Int64?]], any Error>
        do {
            result = .success(try await writingDetected { [self] db, take in
                let now = self.clock.now()
                let published = try self.write(take(), now: now, in: db)
                return (try self.append(inputs, now: now, in: db), published)
            })
        } catch {
            result = .failure(error)
        }
        let elapsed = ContinuousClock.now - started
        let events = inputs.reduce(0) { $0 + $1.count }
        switch result {
        case .success(let seqs):
            var outcomes: [Outcome] = []
            var stored: [EventStore.Stored] = []
            for (submission, submissionSeqs) in zip(batch, seqs) {
                var outcome = Outcome()
                for (j, seq) in submissionSeqs.enumerated() {
                    guard let seq else {
                        outcome.duplicates += 1
                        continue
                    }
                    outcome.stored += 1
                    stored.append(EventStore.Stored(seq: seq, receivedNS: submission.records[j].receivedNS,
                                                    event: submission.events[j]))
                }
                outcomes.append(outcome)
            }
            if !batch.isEmpty {
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                metrics.recordCommit(seconds: seconds, stored: stored.count, duplicates: events - stored.count)
                storeHealth.ingestCommitted(nowNS: clock.now())
            }
            let detector = queue.withLock { q -> CheckedContinuation<Void, Never>? in
                q.queuedEvents -= events - stored.count
                guard let last = stored.last else { return nil }
                q.committed.append(Committed(events: stored))
                q.committedThrough = last.seq
                defer { q.detectorWaiting = nil }
                return q.detectorWaiting
            }
            detector?.resume()
            for (submission, outcome) in zip(batch, outcomes) { submission.continuation.resume(returning: outcome) }
        case .failure(let error):
            queue.withLock { q in q.queuedEvents -= events }
            let refusal: SubmitError
            if let fault = StorageFault(error) {
                // Logged once per state change by StoreHealth, not once per refused batch.
                storeHealth.ingestFailed(fault, events: events, nowNS: clock.now())
                refusal = .storeNotWritable(fault)
            } else {
                log(batch.isEmpty ? "ingest: detection results not stored (retrying): \(error)"
                    : "ingest: batch of \(events) events not stored: \(error)")
                refusal = .storeFailed("\(error)")
            }
            for submission in batch { submission.continuation.resume(throwing: refusal) }
            // The results were put back; without a pause a lasting fault would spin here.
            if batch.isEmpty { try? await Task.sleep(for: .milliseconds(250)) }
        }
    }

    /// Inserts the batch's events and adds them to the agent counters.
    ///
    /// All submissions go to `EventStore.append` as one list, so that small ones (a hook
    /// posting one event per call) still fill its 32-row INSERTs: with one-event
    /// submissions, `DriftwatchBench store --submission 1` spent 8.1 µs of writer CPU per
    /// row in one `append` per submission, 5.4 µs in one per batch (medians, 4 alternated
    /// pairs).
    /// - Returns: each submission's `seq`s, `nil` for a duplicate.
    private func append(_ inputs: [[EventRecord]], now: Int64, in db: Database) throws -> [[Int64?]] {
        let records = inputs.count == 1 ? inputs[0] : Array(inputs.joined())
        let recordSeqs = try EventStore.append(records, in: db)
        var tallies: [String: AgentTally] = [:]
        for (record, seq) in zip(records, recordSeqs) where seq != nil {
            tallies[record.agent, default: AgentTally()].add(record)
        }
        try AgentStore.add(tallies, updatedNS: now, in: db)
        var seqs: [[Int64?]] = []
        seqs.reserveCapacity(inputs.count)
        var start = recordSeqs.startIndex
        for submission in inputs {
            seqs.append(Array(recordSeqs[start..<start + submission.count]))
            start += submission.count
        }
        return seqs
    }

    /// Stores detection results: alerts, breaker transitions and deliveries, frozen
    /// baselines, and the progress mark.
    private func write(_ detected: [Detected], now: Int64, in db: Database) throws -> Published {
        var published = Published()
        for d in detected {
            try AlertStore.insert(d.alerts, in: db)
            for baseline in d.frozen { try BaselineStore.upsert(baseline, createdNS: now, in: db) }
            published.enqueued += try breakers?.record(d.alerts, nowNS: now, in: db) ?? 0
            try breakers?.recordFrozen(d.frozen, nowNS: now, in: db)
            published.alertKinds += d.alerts.map(\.kind.rawValue)
            published.frozen += d.frozen.map(\.agent)
        }
        if let last = detected.last { try DetectionProgress.advance(to: last.throughSeq, in: db) }
        return published
    }

    // MARK: - The detector

    private func runDetector() async {
        while let committed = await nextCommitted() {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                detectorThread.async {
                    self.detect(committed)
                    done.resume()
                }
            }
        }
    }

    private func nextCommitted() async -> Committed? {
        await next(parkingIn: \.detectorWaiting) { q in
            if !q.committed.isEmpty {
                q.detecting = true
                return .value(q.committed.removeFirst())
            }
            return q.writerDone ? .done : .wait
        }
    }

    /// Feeds one committed batch to the Monitor and hands the results to the writer.
    private func detect(_ committed: Committed) {
        detection.withLock { d in
            var alerts: [Alert] = []
            var agents: Set<String> = []
            for stored in committed.events {
                d.monitor.process(stored.event, seq: stored.seq, receivedAt: stored.receivedNS, into: &alerts)
                agents.insert(stored.event.agent)
            }
            // A learning agent freezes its baseline inside `process`; save it with these alerts.
            var frozen: [Baseline] = []
            for agent in agents where !d.persistedBaselines.contains(agent) {
                if let baseline = d.monitor.baseline(for: agent) {
                    frozen.append(baseline)
                    d.persistedBaselines.insert(agent)
                }
            }
            let result = Detected(alerts: alerts, frozen: frozen, throughSeq: committed.events.last?.seq ?? 0)
            // Published under the detection lock, so that `withWriter` sees every batch the
            // Monitor has seen.
            let writer = queue.withLock { q -> CheckedContinuation<Void, Never>? in
                q.detected.append(result)
                q.detectedThrough = result.throughSeq
                q.queuedEvents -= committed.events.count
                q.detecting = false
                defer { q.writerWaiting = nil }
                return q.writerWaiting
            }
            writer?.resume()
        }
    }
}
