public import DriftwatchCore

/// The kill-switch webhook body (spec §5):
/// `{"id","type","agent","session","alert","breaker":{state,since,reason,cooldown_s,mode},"ts"}`.
///
/// `id` is the transition's alert id (also the `X-Driftwatch-Event-Id` header): stable
/// across retries, so a receiver deduplicates on it. `alert` is the detection that
/// opened the breaker; for a manual trip, a half-open or a close, which no detection
/// caused, it is the `breaker.*` transition alert itself. `ts` is the transition's
/// event time.
public enum WebhookPayload {
    public static func body(for transition: Alert, trigger: JSONValue?, state: String, reason: String?, cooldownSeconds: Double,
                            mode: String) -> String {
        JSONValue.object([
            JSONMember("id", .string(transition.id)),
            JSONMember("type", .string(transition.kind.rawValue)),
            JSONMember("agent", .string(transition.agent)),
            JSONMember("session", transition.session.map(JSONValue.string) ?? .null),
            JSONMember("alert", trigger ?? transition.json),
            JSONMember("breaker", .object([
                JSONMember("state", .string(state)),
                JSONMember("since", .string(RFC3339.format(transition.ts))),
                JSONMember("reason", reason.map(JSONValue.string) ?? .null),
                JSONMember("cooldown_s", .number(cooldownSeconds)),
                JSONMember("mode", .string(mode)),
            ])),
            JSONMember("ts", .string(RFC3339.format(transition.ts))),
        ]).jsonString
    }
}
