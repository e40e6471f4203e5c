/// Why one input line was rejected: the field (when one is to blame) and the reason.
///
/// The caller adds the line number: `line 812: "cost_usd" must be a number ≥ 0`.
public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String?
    public var reason: String

    public init(field: String? = nil, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public init(_ json: JSONError) {
        self.field = nil
        self.reason = json.description
    }

    /// A short stable label for metrics (`rejected lines by reason`).
    public var category: String {
        if reason.hasPrefix("invalid JSON") { return "invalid_json" }
        if reason.hasPrefix("line is longer") { return "too_long" }
        if reason.contains("is required") { return "missing_field" }
        return "invalid_field"
    }

    /// An event without a time where one is needed (`replay`, `baseline learn`): `purpose`
    /// says for what. Claude Code hook payloads carry none of their own, hence the hint.
    public static func missingTime(_ purpose: String) -> DecodeError {
        DecodeError(field: "ts", "is required \(purpose) (a Claude Code hook payload needs a \"timestamp\" member, added when it is recorded)")
    }

    public var description: String {
        guard let field else { return reason }
        return "\"\(field)\" \(reason)"
    }
}

/// What one decoded line yields.
public enum DecodedLine: Sendable, Equatable {
    /// One event: what a native line yields, without an array to allocate for it.
    case event(Event)
    /// Zero or more events (an OTLP batch can carry many, a non-tool span none).
    case events([Event])
    /// A Claude Code `PreToolUse` payload: a breaker check for `agent`, not an event (spec §1, §5).
    case preToolUse(agent: String, tool: String, session: String?)

    /// Calls `body` with each event the line yields, in order (none for a breaker check).
    public func forEachEvent(_ body: (Event) throws -> Void) rethrows {
        switch self {
        case .event(let event): try body(event)
        case .events(let events): for event in events { try body(event) }
        case .preToolUse: break
        }
    }
}

/// Options that decoding needs from the caller.
public struct DecodeOptions: Sendable {
    /// Agent name for Claude Code payloads (`--agent`, `?agent=`); spec §1 default `claude-code`.
    public var claudeCodeAgent: String = "claude-code"

    public init(claudeCodeAgent: String = "claude-code") {
        self.claudeCodeAgent = claudeCodeAgent
    }
}
