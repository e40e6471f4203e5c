#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// One detection or breaker transition (spec §2).
public struct Alert: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case driftTools = "drift.tools"
        case driftNewTool = "drift.new_tool"
        case driftSequence = "drift.sequence"
        case driftArgs = "drift.args"
        case loopRepeat = "loop.repeat"
        case loopCycle = "loop.cycle"
        case loopErrorRetry = "loop.error_retry"
        case costSession = "cost.session"
        case costRate = "cost.rate"
        case rateBurst = "rate.burst"
        case breakerOpen = "breaker.open"
        case breakerHalfOpen = "breaker.half_open"
        case breakerClosed = "breaker.closed"

        /// The text before the first dot: drift, loop, cost, rate, breaker.
        public var family: String { String(rawValue.prefix(while: { $0 != "." })) }

        public var isSessionScoped: Bool {
            switch self {
            case .loopRepeat, .loopCycle, .loopErrorRetry, .costSession: true
            default: false
            }
        }
    }

    public enum Severity: String, Sendable, Comparable {
        case warning, critical

        public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .critical }
    }

    public var id: String
    public var ts: EventTime
    public var agent: String
    public var session: String?
    public var kind: Kind
    public var severity: Severity
    public var score: Double
    public var threshold: Double
    public var message: String
    public var evidence: JSONValue
    public var seq: Int64

    public init(ts: EventTime, agent: String, session: String?, kind: Kind, severity: Severity, score: Double,
                threshold: Double, message: String, evidence: JSONValue, seq: Int64)
    {
        self.ts = ts
        self.agent = agent
        self.session = session
        self.kind = kind
        self.severity = severity
        self.score = score
        self.threshold = threshold
        self.message = message
        self.evidence = evidence
        self.seq = seq
        self.id = Self.makeID(agent: agent, session: session, kind: kind, seq: seq)
    }

    /// Deterministic: the same input yields the same ids in every replay.
    static func makeID(agent: String, session: String?, kind: Kind, seq: Int64) -> String {
        let h = StableHash.of(agent, session ?? "", kind.rawValue, String(seq))
        let hex = String(h, radix: 16)
        return "al_" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The alert as a JSON object in the spec's field order.
    public var json: JSONValue {
        .object([
            JSONMember("id", .string(id)),
            JSONMember("ts", .string(RFC3339.format(ts))),
            JSONMember("agent", .string(agent)),
            JSONMember("session", session.map(JSONValue.string) ?? .null),
            JSONMember("kind", .string(kind.rawValue)),
            JSONMember("severity", .string(severity.rawValue)),
            JSONMember("score", .number(Self.rounded(score))),
            JSONMember("threshold", .number(Self.rounded(threshold))),
            JSONMember("message", .string(message)),
            JSONMember("evidence", evidence),
            JSONMember("seq", .number(Double(seq))),
        ])
    }

    /// Six significant digits: scores are statistics, not money.
    static func rounded(_ x: Double) -> Double {
        guard x.isFinite, x != 0 else { return x.isFinite ? 0 : 0 }
        let digits = 6 - Int((log10(abs(x))).rounded(.up))
        let scale = pow(10.0, Double(max(min(digits, 12), -12)))
        return (x * scale).rounded() / scale
    }
}
