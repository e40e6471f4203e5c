/// Everything detection takes from the configuration (spec §6), with defaults.
public struct DetectionSettings: Sendable {
    /// Target false incidents per 100,000 events per agent (`detection.false_alarms_per_100k`).
    public var falseAlarmsPer100k: Double = 1
    /// Tool calls learned before an agent without a baseline file is frozen (`learning.min_calls`).
    public var minCalls: Int = 1000
    /// Tool classes by exact name or glob (`tools`).
    public var toolClasses = ToolClassifier()
    /// Per-agent budgets and modes by exact name or glob (`agents`).
    public var agentPolicies: [AgentPolicyRule] = []
    /// A session with no call for this long is over.
    public var sessionIdle: EventTime = 30 * 60 * RFC3339.nanosPerSecond
    /// Open sessions tracked per agent; beyond it the idlest are dropped.
    public var maxSessionsPerAgent = 10_000
    /// Agents with live detection state (`limits.max_agents`), and open sessions over
    /// all of them (`limits.max_open_sessions`). Beyond either, the least recently
    /// active agents are set aside (see `Monitor`), so that a stream of invented agent
    /// or session names cannot grow memory without bound (≈ 10–35 KiB per agent, ≈ 700
    /// bytes per open session, measured).
    public var maxAgents = 50_000
    public var maxOpenSessions = 500_000
    /// An incident (agent, kind, session, subject) is re-raised only on escalation
    /// or after this long without the condition (design.md principle 5).
    public var quietPeriod: EventTime = 30 * 60 * RFC3339.nanosPerSecond
    /// Detectors that still run while an agent's baseline is being learned use
    /// these absolute bounds (spec: "safe absolute defaults"): identical calls
    /// in a row, failures of one tool in a row, and a cycle's repetitions.
    public var learningRepeatLimit = 20
    public var learningFailureLimit = 10
    public var learningCycleLimit = 10
    /// Circuit breakers (`breaker.*` in the configuration).
    public var breaker = CircuitBreaker.Settings()

    /// Practical significance for cost.session, cost.rate and rate.burst: besides
    /// crossing its calibrated bound, the value must be at least this many
    /// times the baseline's typical value. On a very regular agent a
    /// statistically certain +15% is real but is not "far above baseline".
    public var minEffectFactor = 2.0

    /// The number of detector kinds that share the false-alarm budget:
    /// drift.tools, drift.sequence, loop.repeat, loop.cycle, loop.error_retry,
    /// cost.session, cost.rate, rate.burst. (drift.new_tool and drift.args are
    /// instant novelty alerts, not threshold tests; see `ArgsDriftDetector`.)
    public static let budgetedKinds = 8.0

    public init() {}

    /// Per-event false-alarm probability allotted to each budgeted detector.
    public var alphaPerDetector: Double {
        max(falseAlarmsPer100k, 1e-6) / 100_000 / Self.budgetedKinds
    }

    public func policy(for agent: String) -> AgentPolicy {
        agentPolicies.first(where: { Glob.matches($0.pattern, agent) })?.policy ?? AgentPolicy()
    }
}

/// What the configuration says of one agent (spec §6 `agents`).
public struct AgentPolicy: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        case observe, warn, enforce
    }

    /// Nil: the default (`enforce` with an approved baseline, `observe` while learning).
    public var mode: Mode?
    public var sessionBudgetUSD: Double?
    public var hourBudgetUSD: Double?

    public init(mode: Mode? = nil, sessionBudgetUSD: Double? = nil, hourBudgetUSD: Double? = nil) {
        self.mode = mode
        self.sessionBudgetUSD = sessionBudgetUSD
        self.hourBudgetUSD = hourBudgetUSD
    }
}

public struct AgentPolicyRule: Sendable, Equatable {
    public var pattern: String
    public var policy: AgentPolicy

    public init(pattern: String, policy: AgentPolicy) {
        self.pattern = pattern
        self.policy = policy
    }
}

/// Tool classification by exact name or glob (`db.drop_*`); the first match in
/// configuration order wins, exact names before globs.
public struct ToolClassifier: Sendable, Equatable {
    public enum ToolClass: String, Sendable, CaseIterable {
        case read, write, destructive
    }

    public var rules: [(pattern: String, toolClass: ToolClass)] = []

    public init(rules: [(pattern: String, toolClass: ToolClass)] = []) {
        self.rules = rules
    }

    public func classify(_ tool: String) -> ToolClass? {
        if let exact = rules.first(where: { $0.pattern == tool }) { return exact.toolClass }
        return rules.first(where: { Glob.matches($0.pattern, tool) })?.toolClass
    }

    public static func == (a: ToolClassifier, b: ToolClassifier) -> Bool {
        a.rules.map(\.pattern) == b.rules.map(\.pattern) && a.rules.map(\.toolClass) == b.rules.map(\.toolClass)
    }
}

/// `*` (any run) and `?` (one character) glob matching, iterative (no backtracking
/// blow-up). It runs on every tool call when tool classes are configured, so it
/// works on the strings' UTF-8 storage in place instead of copying them.
public enum Glob {
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        var pattern = pattern, text = text
        return pattern.withUTF8 { p in text.withUTF8 { t in matches(p, t) } }
    }

    static func matches(_ p: UnsafeBufferPointer<UInt8>, _ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var pi = 0, ti = 0
        var star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == t[ti] {
                pi += 1; ti += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}
