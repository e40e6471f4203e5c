import DriftwatchCore
import DriftwatchStore

/// Puts agent breakers that were open (or half-open) when the service stopped back into
/// a fresh `Monitor`, exactly as saved (state, since, reason, cool-down in force, an
/// operator's hold), so a restart never silently closes a kill switch.
///
/// Session breakers are not restored: sessions are short-lived and their detection state
/// (loop counts, spend) is not saved, so after a restart a session starts afresh; one that
/// goes on misbehaving trips its breaker again within the same bounds.
enum BreakerRestore {
    static func restore(into monitor: inout Monitor, from store: any DatabaseWriter,
                        log: @Sendable (String) -> Void) throws {
        let records = try store.readSync { db in try BreakerStore.notClosed(in: db) }
        for r in records {
            guard let state = CircuitBreaker.State(rawValue: r.state) else { continue }
            let session = r.scope.hasPrefix("session:") ? String(r.scope.dropFirst("session:".count)) : nil
            monitor.restoreBreaker(agent: r.agent, session: session, state: state, since: r.sinceNS, reason: r.reason ?? r.state,
                                   cooldown: EventTime(r.cooldownSeconds * Double(RFC3339.nanosPerSecond)),
                                   heldByOperator: r.heldByOperator, savedAt: r.updatedNS)
        }
        if !records.isEmpty {
            log("breakers: restored \(records.count) open breaker(s): " + records.map(\.agent).joined(separator: ", "))
        }
    }
}
