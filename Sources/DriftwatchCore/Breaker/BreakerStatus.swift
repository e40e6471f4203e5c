/// What `check`, the breaker API and the Claude Code hook answer about one agent (spec §3, §4).
public struct BreakerStatus: Sendable, Equatable {
    public var state: CircuitBreaker.State
    public var since: EventTime?
    public var reason: String?
    public var retryAfterSeconds: Int?
    /// The enforcement mode in force for the agent.
    public var mode: AgentPolicy.Mode
    /// Tripped by an operator: blocks in every mode until an operator resets it.
    public var heldByOperator: Bool
    /// The session whose breaker this is; nil for the agent's own.
    public var session: String?
    /// Whether the monitor has any state for the agent (events, a baseline or a breaker).
    /// An unknown agent is reported closed; a gate configured with a misspelled name would
    /// otherwise never learn that it guards nothing.
    public var known: Bool

    public init(state: CircuitBreaker.State, since: EventTime?, reason: String?, retryAfterSeconds: Int?, mode: AgentPolicy.Mode,
                heldByOperator: Bool = false, session: String? = nil, known: Bool = true) {
        self.state = state
        self.since = since
        self.reason = reason
        self.retryAfterSeconds = retryAfterSeconds
        self.mode = mode
        self.heldByOperator = heldByOperator
        self.session = session
        self.known = known
    }

    /// The status of `breaker` as of `now` (see `CircuitBreaker.state(at:)`).
    public init(_ breaker: CircuitBreaker, at now: EventTime, mode: AgentPolicy.Mode, session: String? = nil) {
        let state = breaker.state(at: now)
        let due = state == .halfOpen && breaker.state == .open
        self.init(state: state, since: due ? breaker.reopensAt : state == .closed ? nil : breaker.since,
                  reason: due ? "cool-down over: probe calls are let through" : state == .closed ? nil : breaker.reason,
                  retryAfterSeconds: state == .open ? breaker.retryAfterSeconds(at: now) : nil, mode: mode,
                  heldByOperator: breaker.heldByOperator, session: session)
    }

    /// Whether a gateway should block calls: open, in `enforce` mode or held by an operator.
    public var blocks: Bool { state == .open && (mode == .enforce || heldByOperator) }

    public var json: JSONValue {
        var members = [JSONMember("state", .string(state.rawValue)), JSONMember("mode", .string(mode.rawValue))]
        members.append(JSONMember("held_by_operator", .bool(heldByOperator)))
        if let session { members.append(JSONMember("session", .string(session))) }
        members.append(JSONMember("since", since.map { .string(RFC3339.format($0)) } ?? .null))
        members.append(JSONMember("reason", reason.map(JSONValue.string) ?? .null))
        members.append(JSONMember("retry_after_s", retryAfterSeconds.map { .number(Double($0)) } ?? .null))
        members.append(JSONMember("known", .bool(known)))
        return .object(members)
    }
}
