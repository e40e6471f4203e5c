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

    /// The breaker governing the agent's calls now, or a session's (see `Monitor.breakerStatus`),
    /// once every event acknowledged before the call has been through detection.
    public func status(agent: String, session: String? = nil) async -> BreakerStatus {
        await pipeline.caughtUp()
        let now = clock.now()
        return pipeline.withMonitor { $0.breakerStatus(agent: agent, session: session, at: $0.eventTime(agent: agent, wallClock: now)) }
    }

    /// Denies a tool call while the agent's breaker, or its session's, blocks (open, in
    /// `enforce` mode or held by an operator).
    public var check: BreakerCheck {
        { [self] agent, _, session in
            let s = await status(agent: agent, session: session)
            guard s.blocks else { return .allow }
            return .deny(reason: Self.denyReason(agent: agent, s))
        }
    }

    /// One sentence for the agent's operator (and the model reading the hook's answer).
    public static func denyReason(agent: String, _ s: BreakerStatus) -> String {
        var text = "driftwatch: the circuit breaker for " + (s.session.map { "session \($0) of \(agent)" } ?? agent) + " is open"
        if let reason = s.reason { text += " (\(reason))" }
        text += "; tool calls are blocked"
        if s.heldByOperator {
            text += " until an operator resets it"
        } else if let retry = s.retryAfterSeconds {
            text += " for about \(retry) s more"
        }
        // An operator's reset acts on the agent's breaker only (`Monitor.reset`): a session's
        // closes by itself after its cool-down and quiet probes, so do not point at a reset.
        guard s.session == nil else {
            return text + ". It half-opens by itself after its cool-down; quiet probe calls close it."
        }
        return text + ". An operator can reset it: POST " + DashboardURL.path("v1", "agents", agent, "breaker")
            + " {\"action\":\"reset\",\"reason\":\"…\"} with the admin token."
    }

    /// An operator's trip (`trip: true`) or reset, recorded like an automatic transition
    /// (alert, breaker state, audit with the actor's role, and the kill-switch webhook, in
    /// every mode: a trip holds the breaker open until a reset), all in one transaction.
    /// - Returns: the status afterwards, and whether the breaker changed state.
    /// - Throws: a store error (nothing changed then).
    public func operate(agent: String, trip: Bool, reason: String, by actor: AuditActor) async throws -> (BreakerStatus, Bool) {
        let now = clock.now()
        let recorder = pipeline.breakers
        let action = trip ? "breaker.trip" : "breaker.reset"
        let (kind, enqueued) = try await pipeline.withWriter { monitor, db -> (String?, Int) in
            // The transition alert belongs after the newest stored event.
            let seq = try db.fetchInt64("SELECT max(seq) FROM events") ?? 0
            guard var alert = trip ? monitor.trip(agent: agent, reason: reason, at: now, seq: seq)
                : monitor.reset(agent: agent, reason: reason, at: now, seq: seq)
            else {
                try AuditStore.append(tsNS: now, actor: actor.name, role: actor.role, action: action, subject: agent, detail: .object([
                    JSONMember("reason", .string(reason)), JSONMember("changed", .bool(false)),
                ]), in: db)
                return (nil, 0)
            }
            // Ids derive from (agent, kind, seq): a second trip with no event in between needs its own.
            if try AlertStore.contains(id: alert.id, in: db) { alert.id += "-m\(now)" }
            try AlertStore.insert([alert], in: db)
            guard let recorder else {
                try AuditStore.append(tsNS: now, actor: actor.name, role: actor.role, action: action, subject: agent, detail: .object([
                    JSONMember("reason", .string(reason)), JSONMember("changed", .bool(true)),
                ]), in: db)
                return (alert.kind.rawValue, 0)
            }
            return (alert.kind.rawValue, try recorder.record([alert], by: actor, action: action, nowNS: now, in: db))
        }
        if let kind { pipeline.metrics.recordAlerts([kind]) }
        if enqueued > 0 { recorder?.signal.wake() }
        return (await status(agent: agent), kind != nil)
    }
}
