/// What `check`, the breaker API and the Claude Code hook answer about one agent (spec §3, §4).
public struct BreakerStatus: Sendable, Equatable {
    public var state: CircuitBreaker.State
    public var since: EventTime?
    public var reason: String?
    public var retryAfterSeconds: Int?
    /// The enforcement mode in force for the agent.
    public var mode: AgentPolicy.Mode

    public init(state: CircuitBreaker.State, since: EventTime?, reason: String?, retryAfterSeconds: Int?, mode: AgentPolicy.Mode) {
        self.state = state
        self.since = since
        self.reason = reason
        self.retryAfterSeconds = retryAfterSeconds
        self.mode = mode
    }

    /// Whether a gateway should block calls: open, in `enforce` mode.
    public var blocks: Bool { state == .open && mode == .enforce }

    public var json: JSONValue {
        var members = [JSONMember("state", .string(state.rawValue)), JSONMember("mode", .string(mode.rawValue))]
        members.append(JSONMember("since", since.map { .string(RFC3339.format($0)) } ?? .null))
        members.append(JSONMember("reason", reason.map(JSONValue.string) ?? .null))
        members.append(JSONMember("retry_after_s", retryAfterSeconds.map { .number(Double($0)) } ?? .null))
        return .object(members)
    }
}
