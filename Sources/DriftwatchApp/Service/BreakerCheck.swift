/// The answer to a Claude Code `PreToolUse` breaker check (spec §4, §5).
public enum BreakerDecision: Sendable, Equatable {
    case allow
    case deny(reason: String)
}

/// Decides a `PreToolUse` check for an agent's tool call. The kill-switch work plugs the
/// circuit breakers in here; until then every call is allowed.
public typealias BreakerCheck = @Sendable (_ agent: String, _ tool: String, _ session: String?) async -> BreakerDecision
