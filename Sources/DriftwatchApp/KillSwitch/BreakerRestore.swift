import DriftwatchCore
import DriftwatchStore

/// Puts breakers that were open (or half-open) when the service stopped back into a
/// fresh `Monitor`, so a restart never silently closes a kill switch.
///
/// The Monitor's public API offers a manual trip, so the breaker is re-opened at its
/// stored `since` through it: the state, the time it opened and the cool-down's end
/// (with the configured cool-down) survive; the reason reads "tripped by an operator:
/// restored after a restart: …", and a cool-down doubled by repeated re-opening is back
/// at its configured value. A half-open breaker comes back open with its cool-down
/// already over, so the next call makes it half-open again and the probes restart.
enum BreakerRestore {
    static let manualPrefix = "tripped by an operator: "

    static func restore(into monitor: inout Monitor, from store: any DatabaseWriter,
                        log: @Sendable (String) -> Void) throws {
        let records = try store.readSync { db in try BreakerStore.notClosed(in: db) }
        let cooldown = monitor.settings.breaker.cooldown
        for r in records {
            let at = r.state == CircuitBreaker.State.halfOpen.rawValue ? r.sinceNS - cooldown : r.sinceNS
            // The Monitor prefixes "tripped by an operator: " again; keep one.
            var reason = r.reason ?? r.state
            if reason.hasPrefix(manualPrefix) { reason.removeFirst(manualPrefix.count) }
            _ = monitor.trip(agent: r.agent, reason: "restored after a restart: " + reason, at: at, seq: 0)
        }
        if !records.isEmpty {
            log("breakers: restored \(records.count) open breaker(s): " + records.map(\.agent).joined(separator: ", "))
        }
    }
}
