public import DriftwatchCore
public import DriftwatchStore

/// Turns the `breaker.*` alerts of a batch into durable records, inside the batch's
/// transaction (spec §5, design.md § Circuit breakers and § Storage):
///
/// - the `breakers` row (current state) and a `breaker_transitions` row;
/// - an audit row, chained;
/// - for a transition in `enforce` mode or by an operator, one outbox row per webhook subscribed to its
///   type — in the same transaction as the alert, so a committed opening is never
///   without its kill-switch delivery, and a rolled-back batch never fires one.
public final class BreakerRecorder: Sendable {
    public let webhooks: [Configuration.Webhook]
    /// Woken after a commit that enqueued deliveries.
    public let signal: WakeSignal

    public init(webhooks: [Configuration.Webhook], signal: WakeSignal = WakeSignal()) {
        self.webhooks = webhooks
        self.signal = signal
    }

    /// Records every `breaker.*` alert in `alerts`.
    /// - Parameters:
    ///   - action: the audit action for a manual change (`breaker.trip`); automatic ones use the alert kind.
    ///   - nowNS: wall-clock time of the commit.
    /// - Returns: outbox rows enqueued.
    /// - Throws: `SQLiteError`.
    @discardableResult
    public func record(_ alerts: [Alert], by actor: AuditActor = .system, action: String? = nil, nowNS: Int64,
                       in db: Database) throws -> Int {
        var enqueued = 0
        var batch: [String: Alert]?
        for alert in alerts where alert.kind.family == "breaker" {
            let ev = alert.evidence
            let from = ev["from"]?.stringValue ?? "closed"
            let to = ev["to"]?.stringValue ?? "closed"
            let reason = ev["reason"]?.stringValue
            let mode = ev["mode"]?.stringValue ?? "observe"
            let cooldown = ev["cooldown_s"]?.doubleValue ?? 0
            let triggerID = ev["alert_id"]?.stringValue
            let byOperator = ev["by_operator"]?.boolValue ?? false
            let scope = alert.session.map { "session:" + $0 } ?? ""
            try BreakerStore.upsert(BreakerRecord(agent: alert.agent, scope: scope, state: to, sinceNS: alert.ts, reason: reason,
                                                  alertID: triggerID, cooldownSeconds: cooldown, updatedNS: nowNS,
                                                  heldByOperator: byOperator && to == "open"), in: db)
            try BreakerStore.appendTransition(agent: alert.agent, scope: scope, tsNS: alert.ts, from: from, to: to, reason: reason,
                                              alertID: triggerID, actor: actor.isSystem ? nil : actor.name, in: db)
            var detail: [JSONMember] = [
                JSONMember("scope", .string(scope.isEmpty ? "agent" : "session")),
                JSONMember("session", alert.session.map(JSONValue.string) ?? .null),
                JSONMember("from", .string(from)), JSONMember("to", .string(to)),
                JSONMember("reason", reason.map(JSONValue.string) ?? .null),
                JSONMember("mode", .string(mode)), JSONMember("transition_alert_id", .string(alert.id)),
                JSONMember("event_ts", .string(RFC3339.format(alert.ts))),
            ]
            if let triggerID { detail.append(JSONMember("alert_id", .string(triggerID))) }
            try AuditStore.append(tsNS: nowNS, actor: actor.name, role: actor.role, action: action ?? alert.kind.rawValue,
                                  subject: alert.agent, detail: .object(detail), in: db)

            // warn and observe modes show the breaker but never fire the kill switch (design.md);
            // an operator's trip or reset acts in every mode.
            guard mode == AgentPolicy.Mode.enforce.rawValue || byOperator else { continue }
            let subscribed = webhooks.filter { $0.events.contains(alert.kind.rawValue) }
            guard !subscribed.isEmpty else { continue }
            var trigger: JSONValue?
            if let triggerID {
                if batch == nil { batch = Dictionary(alerts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }) }
                trigger = try batch?[triggerID]?.json ?? AlertStore.get(id: triggerID, in: db)?.json
            }
            let body = WebhookPayload.body(for: alert, trigger: trigger, state: to, reason: reason, cooldownSeconds: cooldown,
                                           mode: mode)
            enqueued += try OutboxStore.insert(subscribed.map {
                NewOutboxRow(eventID: alert.id, eventType: alert.kind.rawValue, agent: alert.agent, webhookURL: $0.url, body: body)
            }, createdNS: nowNS, in: db)
        }
        return enqueued
    }

    /// Audits baselines the learner froze in this batch (re-baselining is audited; design.md § Baselines).
    /// - Throws: `SQLiteError`.
    public func recordFrozen(_ baselines: [Baseline], nowNS: Int64, in db: Database) throws {
        for b in baselines {
            try AuditStore.append(tsNS: nowNS, actor: AuditActor.system.name, role: AuditActor.system.role, action: "baseline.frozen",
                                  subject: b.agent, detail: .object([
                                      JSONMember("tool_calls", .number(Double(b.toolCalls))),
                                      JSONMember("events", .number(Double(b.events))),
                                      JSONMember("approved", .bool(false)),
                                  ]), in: db)
        }
    }
}
