import DriftwatchCore
import DriftwatchStore

/// Puts breakers that were open (or half-open) when the service stopped back into a
/// fresh `Monitor`, exactly as saved (state, since, reason, cool-down in force;
/// agent and session scopes), so a restart never silently closes a kill switch.
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
