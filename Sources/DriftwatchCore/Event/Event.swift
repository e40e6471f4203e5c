/// One tool call made by an agent, or one model call that spent tokens (spec §1).
public struct Event: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case toolCall = "tool_call"
        case llmCall = "llm_call"
    }

    public var kind: Kind
    public var agent: String
    /// Tool name; nil for `llm_call`.
    public var tool: String?
    /// Event time; nil when the source did not say (the service stamps receipt time).
    public var ts: EventTime?
    public var session: String?
    public var callID: String?
    public var args: JSONValue?
    /// Outcome; `ok` when absent.
    public var status: String
    public var costUSD: Double?
    public var tokensIn: Int64?
    public var tokensOut: Int64?
    public var latencyMS: Double?
    public var model: String?
    /// The agent's stated reason, truncated to `Event.maxReasoningBytes`.
    public var reasoning: String?
    public var labels: JSONValue?

    public static let maxReasoningBytes = 4096

    public init(kind: Kind = .toolCall, agent: String, tool: String?, ts: EventTime? = nil, session: String? = nil,
                callID: String? = nil, args: JSONValue? = nil, status: String = "ok", costUSD: Double? = nil,
                tokensIn: Int64? = nil, tokensOut: Int64? = nil, latencyMS: Double? = nil, model: String? = nil,
                reasoning: String? = nil, labels: JSONValue? = nil)
    {
        self.kind = kind
        self.agent = agent
        self.tool = tool
        self.ts = ts
        self.session = session
        self.callID = callID
        self.args = args
        self.status = status
        self.costUSD = costUSD
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.latencyMS = latencyMS
        self.model = model
        self.reasoning = reasoning
        self.labels = labels
    }

    /// Whether the call failed (any status other than `ok`).
    public var isFailure: Bool { status != "ok" }
}
