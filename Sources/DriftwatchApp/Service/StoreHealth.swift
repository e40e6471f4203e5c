import Synchronization

/// Whether the store takes writes, as ingest commits and `/healthz` heartbeats find it:
/// the state behind `/healthz`, and the one place that logs storage faults — once when
/// the store stops taking writes (or the reason changes) and once when it recovers,
/// never once per refused batch.
///
/// A heartbeat touches one row, so on a nearly full disk it can commit while ingest
/// batches cannot; `/healthz` therefore stays 503 for ``ingestFailureMemoryNS`` after the
/// last failed ingest commit even when its heartbeat succeeds. Clients retry refused
/// batches (503 + `Retry-After`), which keeps it fresh while the fault lasts; without
/// traffic it lapses, and the heartbeat alone decides (a readiness probe that took the
/// service out of rotation must be able to bring it back).
public final class StoreHealth: Sendable {
    /// The store's state, for `/healthz`.
    public enum Status: Sendable, Equatable {
        case writable
        /// Not writable since `sinceNS` because of `fault`.
        case faulted(StorageFault, sinceNS: Int64)
    }

    /// How long a failed ingest commit keeps `/healthz` at 503 after a successful heartbeat.
    public static let ingestFailureMemoryNS: Int64 = 10_000_000_000

    private struct State {
        var fault: StorageFault?
        var sinceNS: Int64 = 0
        var lastIngestFailureNS: Int64?
        var refusedBatches = 0
        var refusedEvents = 0
    }

    private let state = Mutex(State())
    private let log: @Sendable (String) -> Void

    public init(log: @escaping @Sendable (String) -> Void) {
        self.log = log
    }

    /// The current status (without probing the store).
    public var status: Status {
        state.withLock { s in s.fault.map { .faulted($0, sinceNS: s.sinceNS) } ?? .writable }
    }

    /// An ingest batch of `events` events was refused by the store because of `fault`.
    public func ingestFailed(_ fault: StorageFault, events: Int, nowNS: Int64) {
        let message = state.withLock { s -> String? in
            s.lastIngestFailureNS = nowNS
            s.refusedBatches += 1
            s.refusedEvents += events
            return enter(fault, nowNS: nowNS, in: &s)
        }
        if let message { log(message) }
    }

    /// An ingest batch committed: the store takes writes.
    public func ingestCommitted(nowNS: Int64) {
        let message = state.withLock { s -> String? in
            s.lastIngestFailureNS = nil
            return leave(nowNS: nowNS, in: &s)
        }
        if let message { log(message) }
    }

    /// The outcome of a `/healthz` heartbeat write: `nil` when it committed.
    /// - Returns: the status `/healthz` reports.
    public func heartbeat(_ fault: StorageFault?, nowNS: Int64) -> Status {
        let (status, message) = state.withLock { s -> (Status, String?) in
            if let fault {
                let message = enter(fault, nowNS: nowNS, in: &s)
                return (.faulted(fault, sinceNS: s.sinceNS), message)
            }
            if let current = s.fault, let last = s.lastIngestFailureNS, nowNS - last < Self.ingestFailureMemoryNS {
                return (.faulted(current, sinceNS: s.sinceNS), nil)
            }
            s.lastIngestFailureNS = nil
            return (.writable, leave(nowNS: nowNS, in: &s))
        }
        if let message { log(message) }
        return status
    }

    /// Records `fault`; returns the log line when the state changed.
    private func enter(_ fault: StorageFault, nowNS: Int64, in s: inout State) -> String? {
        guard s.fault?.kind != fault.kind else { return nil }
        let changed = s.fault != nil
        s.fault = fault
        if !changed { s.sinceNS = nowNS }
        return "store: not writable: \(fault); ingest answers 503 and /healthz 503 until it recovers"
    }

    /// Clears the fault; returns the log line when there was one.
    private func leave(nowNS: Int64, in s: inout State) -> String? {
        guard let fault = s.fault else { return nil }
        let seconds = Double(max(0, nowNS - s.sinceNS)) / 1e9
        let message = "store: writable again after \((seconds * 10).rounded() / 10) s (\(fault.kind.rawValue)); "
            + "\(s.refusedBatches) ingest batches (\(s.refusedEvents) events) were refused meanwhile, none acknowledged"
        s = State()
        return message
    }
}
