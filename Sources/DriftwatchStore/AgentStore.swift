import DriftwatchCore

/// What one ingest batch adds to an agent's counters.
public struct AgentTally: Sendable, Equatable {
    public var events = 0
    public var toolCalls = 0
    public var errors = 0
    public var costUSD = 0.0
    public var tokensIn: Int64 = 0
    public var tokensOut: Int64 = 0
    public var firstSeenNS = Int64.max
    public var lastSeenNS = Int64.min

    public init() {}

    /// Counts one stored event.
    public mutating func add(_ record: EventRecord) {
        events += 1
        if record.type == Event.Kind.toolCall.rawValue { toolCalls += 1 }
        if record.status != "ok" { errors += 1 }
        costUSD += record.costUSD ?? 0
        tokensIn &+= record.tokensIn ?? 0
        tokensOut &+= record.tokensOut ?? 0
        firstSeenNS = min(firstSeenNS, record.tsNS)
        lastSeenNS = max(lastSeenNS, record.tsNS)
    }
}

/// An agent's stored counters (`GET /v1/agents`).
public struct AgentCounters: Sendable, Equatable {
    public var agent: String
    public var events: Int64
    public var toolCalls: Int64
    public var errors: Int64
    public var costUSD: Double
    public var tokensIn: Int64
    public var tokensOut: Int64
    public var firstSeenNS: Int64
    public var lastSeenNS: Int64

    /// Counters of an agent that has sent nothing yet.
    public init(agent: String) {
        self.init(agent: agent, events: 0, toolCalls: 0, errors: 0, costUSD: 0, tokensIn: 0, tokensOut: 0,
                  firstSeenNS: 0, lastSeenNS: 0)
    }

    init(agent: String, events: Int64, toolCalls: Int64, errors: Int64, costUSD: Double, tokensIn: Int64,
         tokensOut: Int64, firstSeenNS: Int64, lastSeenNS: Int64) {
        self.agent = agent
        self.events = events
        self.toolCalls = toolCalls
        self.errors = errors
        self.costUSD = costUSD
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.firstSeenNS = firstSeenNS
        self.lastSeenNS = lastSeenNS
    }
}

/// Per-agent counters, kept incrementally by the ingest writer.
public enum AgentStore {
    /// Adds one batch's tallies.
    /// - Throws: `SQLiteError`.
    public static func add(_ tallies: [String: AgentTally], updatedNS: Int64, in db: Database) throws(SQLiteError) {
        guard !tallies.isEmpty else { return }
        let upsert = try db.cachedStatement("""
            INSERT INTO agents (agent, events, tool_calls, errors, cost_usd, tokens_in, tokens_out,
                                first_seen_ns, last_seen_ns, updated_ns)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (agent) DO UPDATE SET
                events = events + excluded.events, tool_calls = tool_calls + excluded.tool_calls,
                errors = errors + excluded.errors, cost_usd = cost_usd + excluded.cost_usd,
                tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out,
                first_seen_ns = min(first_seen_ns, excluded.first_seen_ns),
                last_seen_ns = max(last_seen_ns, excluded.last_seen_ns), updated_ns = excluded.updated_ns
            """)
        for (agent, t) in tallies where t.events > 0 {
            try upsert.bind(agent, at: 1)
            try upsert.bind(t.events, at: 2)
            try upsert.bind(t.toolCalls, at: 3)
            try upsert.bind(t.errors, at: 4)
            try upsert.bind(t.costUSD, at: 5)
            try upsert.bind(t.tokensIn, at: 6)
            try upsert.bind(t.tokensOut, at: 7)
            try upsert.bind(t.firstSeenNS, at: 8)
            try upsert.bind(t.lastSeenNS, at: 9)
            try upsert.bind(updatedNS, at: 10)
            try upsert.execute()
        }
    }

    static let columns = "agent, events, tool_calls, errors, cost_usd, tokens_in, tokens_out, first_seen_ns, last_seen_ns"

    static func counters(_ s: Statement) -> AgentCounters {
        AgentCounters(agent: s.text(at: 0) ?? "", events: s.int64(at: 1), toolCalls: s.int64(at: 2),
                      errors: s.int64(at: 3), costUSD: s.double(at: 4), tokensIn: s.int64(at: 5),
                      tokensOut: s.int64(at: 6), firstSeenNS: s.int64(at: 7), lastSeenNS: s.int64(at: 8))
    }

    /// Every agent's counters, by name.
    /// - Throws: `SQLiteError`.
    public static func all(in db: Database, limit: Int = 10_000) throws -> [AgentCounters] {
        try db.fetchAll("SELECT \(columns) FROM agents ORDER BY agent LIMIT ?", [.integer(Int64(limit))], row: counters)
    }

    /// One agent's counters, or `nil` if it has sent nothing.
    /// - Throws: `SQLiteError`.
    public static func get(_ agent: String, in db: Database) throws -> AgentCounters? {
        try db.fetchOne("SELECT \(columns) FROM agents WHERE agent = ?", [.text(agent)], row: counters)
    }

    /// The number of agents that have sent events.
    /// - Throws: `SQLiteError`.
    public static func count(in db: Database) throws -> Int {
        Int(try db.fetchInt64("SELECT count(*) FROM agents") ?? 0)
    }
}
