public import DriftwatchCore
import DriftwatchStore

/// The breaker as gateways see it (spec §3–5): status, the Claude Code `PreToolUse`
/// decision, and an operator's trip or reset through the pipeline's single writer.
public struct BreakerControl: Sendable {
    public let pipeline: IngestPipeline
    public let clock: WallClock

    public init(pipeline: IngestPipeline, clock: WallClock = .system) {
        self.pipeline = pipeline
        self.clock = clock
    }

    /// The agent's breaker now.
    public func status(agent: String) -> BreakerStatus {
        let now = clock.now()
        return pipeline.withMonitor { $0.breakerStatus(agent: agent, at: now) }
    }

    /// Denies a tool call while the agent's breaker blocks (open, in `enforce` mode).
    public var check: BreakerCheck {
        { [self] agent, _, _ in
            let s = status(agent: agent)
            guard s.blocks else { return .allow }
            return .deny(reason: Self.denyReason(agent: agent, s))
        }
    }

    /// One sentence for the agent's operator (and the model reading the hook's answer).
    public static func denyReason(agent: String, _ s: BreakerStatus) -> String {
        var text = "driftwatch: the circuit breaker for \(agent) is open"
        if let reason = s.reason { text += " (\(reason))" }
        text += "; tool calls are blocked"
        if let retry = s.retryAfterSeconds { text += " for about \(retry) s more" }
        return text + ". An operator can reset it: POST /v1/agents/{agent}/breaker {\"action\":\"reset\"}."
    }

    /// An operator's trip (`trip: true`) or reset, recorded like an automatic transition
    /// (alert, breaker state, audit with the actor's role, and — for a trip in `enforce`
    /// mode — the kill-switch webhook), all in one transaction.
    /// - Returns: the status afterwards, and whether the breaker changed state.
    /// - Throws: a store error (nothing changed then).
    public func operate(agent: String, trip: Bool, reason: String, by actor: AuditActor) async throws -> (BreakerStatus, Bool) {
        let now = clock.now()
        let recorder = pipeline.breakers
        let action = trip ? "breaker.trip" : "breaker.reset"
        let (changed, enqueued) = try await pipeline.withWriter { monitor, db -> (Bool, Int) in
            // The transition alert belongs after the newest stored event.
            let seq = try db.fetchInt64("SELECT max(seq) FROM events") ?? 0
            guard var alert = trip ? monitor.trip(agent: agent, reason: reason, at: now, seq: seq)
                : monitor.reset(agent: agent, reason: reason, at: now, seq: seq)
            else {
                try AuditStore.append(tsNS: now, actor: actor.name, role: actor.role, action: action, subject: agent, detail: .object([
                    JSONMember("reason", .string(reason)), JSONMember("changed", .bool(false)),
                ]), in: db)
                return (false, 0)
            }
            // Ids derive from (agent, kind, seq): a second trip with no event in between needs its own.
            if try AlertStore.contains(id: alert.id, in: db) { alert.id += "-m\(now)" }
            try AlertStore.insert([alert], in: db)
            guard let recorder else {
                try AuditStore.append(tsNS: now, actor: actor.name, role: actor.role, action: action, subject: agent, detail: .object([
                    JSONMember("reason", .string(reason)), JSONMember("changed", .bool(true)),
                ]), in: db)
                return (true, 0)
            }
            return (true, try recorder.record([alert], by: actor, action: action, nowNS: now, in: db))
        }
        if enqueued > 0 { recorder?.signal.wake() }
        return (status(agent: agent), changed)
    }
}
