@testable import DriftwatchCore

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, so every
/// synthetic stream is the same on every run and platform. The helpers below
/// derive doubles and bounded integers themselves rather than through the
/// standard library's `random(in:using:)`, whose algorithm may change.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in `range` (small ranges; the modulo bias is irrelevant here).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// An index drawn with probability proportional to `weights`.
    mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var x = unit() * total
        for (i, w) in weights.enumerated() {
            x -= w
            if x < 0 { return i }
        }
        return weights.lastIndex(where: { $0 > 0 }) ?? 0
    }

    /// Fisher–Yates.
    mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(i, int(0...i)) }
    }
}

/// A deterministic synthetic agent: a support/billing bot with six tools, a
/// first-order Markov chain over tools within sessions, arguments with stable
/// shapes, per-call cost growing with the call index (the context grows), and
/// several sessions interleaved a few seconds apart.
///
/// Knobs (`costGrowth`, `boost`, `order`, `concurrency`, `gapMillis`) turn the
/// clean persona into the misbehaviour a test wants; injection helpers
/// (`call`, `session`) add hand-written calls on the same clock.
struct SyntheticAgent {
    enum Order { case markov, reversed, shuffled }

    static let tools = ["search.docs", "files.read", "sql.query", "tickets.get", "tickets.update", "notify.email"]
    /// Row weights of P(next | previous): rows are `tools` in order, then the session start.
    /// Deliberately far from reversible, so reordering a session changes its transitions.
    static let chain: [[Double]] = [
        [1.5, 6, 1.5, 1, 0, 0],  // search.docs → mostly files.read
        [0.5, 3, 3, 2, 0, 0],  // files.read → files.read, sql.query
        [0.5, 0.5, 2, 4, 1, 0],  // sql.query → tickets.get
        [0.5, 0.5, 1, 0.5, 5, 0],  // tickets.get → tickets.update
        [1, 0.5, 1, 3, 0.5, 0.4],  // tickets.update → tickets.get, rarely notify.email
        [3, 1, 1, 3, 1, 0],  // notify.email
        [5, 0, 3, 2, 0, 0],  // <start>
    ]
    static let words = [
        "invoice", "refund", "payment", "ledger", "customer", "account", "password", "reset", "login", "billing",
        "tax", "currency", "discount", "coupon", "shipping", "address", "export", "report", "dashboard", "webhook",
        "token", "timeout", "error", "retry", "latency", "quota", "limit", "plan", "upgrade", "downgrade",
        "cancel", "renewal", "trial", "receipt", "statement", "balance", "credit", "debit", "chargeback", "dispute",
        "pricing", "subscription", "migration", "outage", "incident", "status", "region", "vendor",
    ]
    static let sqlTemplates = [
        "SELECT id, status FROM invoices WHERE customer_id = ? LIMIT 50",
        "SELECT count(*) FROM tickets WHERE status = ?",
        "SELECT amount, currency FROM payments WHERE invoice_id = ? ORDER BY created_at",
        "select * from customers where id = ?",
    ]

    struct Session {
        var id: String
        var plan: [Int]
        var next = 0
        var base: Double
        var growth: Double
    }

    let name: String
    var rng: SplitMix64
    var clock: EventTime
    /// Sessions running at once.
    var concurrency = 4
    /// Milliseconds between consecutive calls of the agent (uniform).
    var gapMillis: ClosedRange<Int> = 1000...5000
    /// Per-call cost grows by `costGrowth` × the base cost per call index.
    var costGrowth = 0.15
    /// Multiplies a tool's column of the transition weights.
    var boost: [String: Double] = [:]
    var order = Order.markov
    var failureRate = 0.03
    /// Prefix of generated session ids; tests change it so ids never collide.
    var sessionPrefix = "s"
    private var sessionsStarted = 0
    private var active: [Session] = []

    static let epoch: EventTime = RFC3339.parse("2026-11-20T09:00:00Z")!

    init(name: String = "billing-bot", seed: UInt64) {
        self.name = name
        rng = SplitMix64(seed: seed)
        clock = Self.epoch
    }

    static func index(_ tool: String) -> Int { tools.firstIndex(of: tool)! }

    // MARK: Clean traffic

    /// The next `n` tool calls of the interleaved sessions.
    mutating func calls(_ n: Int) -> [Event] {
        var out: [Event] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(nextCall()) }
        return out
    }

    /// Calls until the clock has advanced `minutes`.
    mutating func calls(forMinutes minutes: Double) -> [Event] {
        let end = clock + EventTime(minutes * 60) * RFC3339.nanosPerSecond
        var out: [Event] = []
        while clock < end { out.append(nextCall()) }
        return out
    }

    /// Finishes every open session's plan, so later calls start fresh sessions.
    mutating func closeSessions() -> [Event] {
        var out: [Event] = []
        while !active.isEmpty {
            let i = rng.int(0...(active.count - 1))
            out.append(emit(from: i))
        }
        return out
    }

    mutating func nextCall() -> Event {
        while active.count < concurrency { active.append(newSession(length: Self.sessionLength(&rng), id: nil)) }
        return emit(from: rng.int(0...(active.count - 1)))
    }

    private mutating func emit(from i: Int) -> Event {
        var s = active[i]
        let tool = Self.tools[s.plan[s.next]]
        let noise = 0.9 + 0.2 * rng.unit()
        let cost = s.base * (1 + s.growth * Double(s.next)) * noise
        s.next += 1
        if s.next == s.plan.count { active.remove(at: i) } else { active[i] = s }
        let failed = rng.unit() < failureRate
        return call(tool, args: args(for: tool), session: s.id, status: failed ? "error" : "ok", cost: cost)
    }

    static func sessionLength(_ rng: inout SplitMix64) -> Int {
        3 + rng.int(0...21) + (rng.unit() < 0.15 ? rng.int(0...16) : 0)
    }

    private mutating func newSession(length: Int, id: String?, growth: Double? = nil) -> Session {
        sessionsStarted += 1
        var plan: [Int] = []
        var row = Self.tools.count
        for _ in 0..<length {
            var weights = Self.chain[row]
            for (tool, factor) in boost { weights[Self.index(tool)] *= factor }
            let t = rng.weighted(weights)
            plan.append(t)
            row = t
        }
        switch order {
        case .markov: break
        case .reversed: plan.reverse()
        case .shuffled: rng.shuffle(&plan)
        }
        return Session(id: id ?? "\(sessionPrefix)-\(sessionsStarted)", plan: plan,
                       base: 0.001 * (0.7 + 0.7 * rng.unit()), growth: growth ?? costGrowth)
    }

    // MARK: Injection

    /// Advances the clock by one inter-call gap and returns it.
    mutating func tick() -> EventTime {
        clock += EventTime(rng.int(gapMillis)) * 1_000_000
        return clock
    }

    mutating func idle(minutes: Double) {
        clock += EventTime(minutes * 60) * RFC3339.nanosPerSecond
    }

    /// One tool call on the agent's clock.
    mutating func call(_ tool: String, args: JSONValue?, session: String?, status: String = "ok",
                       cost: Double? = nil) -> Event
    {
        Event(agent: name, tool: tool, ts: tick(), session: session, args: args, status: status, costUSD: cost)
    }

    /// A whole session run on its own (not interleaved), with the persona's
    /// tools and arguments and per-call cost growing by `growth`.
    mutating func session(_ id: String, length: Int, growth: Double? = nil) -> [Event] {
        let saved = active
        active = [newSession(length: length, id: id, growth: growth)]
        var out: [Event] = []
        while !active.isEmpty { out.append(emit(from: 0)) }
        active = saved
        return out
    }

    /// A model call that spent money but made no tool call.
    mutating func llmCall(cost: Double, session: String? = nil) -> Event {
        Event(kind: .llmCall, agent: name, tool: nil, ts: tick(), session: session, costUSD: cost, model: "model-x")
    }

    // MARK: Arguments with stable shapes

    mutating func id(_ prefix: String, digits: Int = 5) -> String {
        var n = String(rng.int(0...99_999))
        while n.count < digits { n = "0" + n }
        return prefix + n
    }

    mutating func phrase(_ words: ClosedRange<Int>) -> String {
        (0..<rng.int(words)).map { _ in rng.pick(Self.words) }.joined(separator: " ")
    }

    /// Typical arguments of one of the persona's tools.
    mutating func args(for tool: String) -> JSONValue {
        switch tool {
        case "search.docs":
            // Free-form: single words from a large vocabulary or phrases, so the field is open.
            let q = rng.unit() < 0.5 ? rng.pick(Self.words) : phrase(2...10)
            return ["q": .string(q), "limit": .number(Double(rng.int(5...50)))]
        case "files.read":
            let module = rng.pick(["billing", "tickets", "auth", "api"])
            let file = rng.pick(["main", "router", "models", "invoice", "ledger", "client", "server", "config"])
            return ["path": .string("src/\(module)/\(file).swift"), "max_bytes": .number(Double(rng.int(1000...64000)))]
        case "sql.query":
            return ["query": .string(rng.pick(Self.sqlTemplates)), "params": [.string(id("c-"))],
                    "limit": .number(Double(rng.int(10...100)))]
        case "tickets.get":
            return ["ticket_id": .string(id("T-"))]
        case "tickets.update":
            return ["ticket_id": .string(id("T-")), "status": .string(rng.pick(["open", "pending", "resolved"])),
                    "note": .string(phrase(2...20))]
        case "notify.email":
            return ["to": .string(rng.pick(["ops@example.com", "billing@example.com"])),
                    "subject": .string("Ticket \(id("T-")) updated")]
        default:
            return ["x": .number(Double(rng.int(1...9)))]
        }
    }
}

/// A baseline learned from `calls` clean calls, and the agent positioned right
/// after them (clock and PRNG continue), with its open sessions finished.
func trainedAgent(seed: UInt64 = 42, calls: Int = 3000, name: String = "billing-bot") -> (SyntheticAgent, Baseline) {
    var agent = SyntheticAgent(name: name, seed: seed)
    var builder = BaselineBuilder(agent: name)
    for e in agent.calls(calls) + agent.closeSessions() {
        builder.add(e, features: e.tool.map { ArgsFeatures(tool: $0, args: e.args) }, at: e.ts!)
    }
    agent.sessionPrefix = "live"
    agent.idle(minutes: 1)
    return (agent, builder.finish())
}

/// A monitor fed event by event, keeping every event by its seq and every alert.
struct MonitorRun {
    var monitor: Monitor
    var seq: Int64 = 0
    var events: [Int64: Event] = [:]
    /// Detections; breaker transitions are kept apart in `breakerAlerts`.
    var alerts: [Alert] = []
    var breakerAlerts: [Alert] = []

    init(settings: DetectionSettings = DetectionSettings(), baselines: [Baseline]) {
        monitor = Monitor(settings: settings, baselines: baselines)
    }

    /// Feeds events; returns the alerts they raised.
    @discardableResult
    mutating func feed(_ batch: [Event]) -> [Alert] {
        var raised: [Alert] = []
        for e in batch {
            seq += 1
            events[seq] = e
            raised += monitor.process(e, seq: seq)
        }
        alerts += raised.filter { $0.kind.family != "breaker" }
        breakerAlerts += raised.filter { $0.kind.family == "breaker" }
        return raised
    }

    @discardableResult
    mutating func feed(_ e: Event) -> [Alert] { feed([e]) }
}

extension [Alert] {
    func of(_ kind: Alert.Kind) -> [Alert] { filter { $0.kind == kind } }
    var kinds: [String] { map(\.kind.rawValue) }
}

extension Event {
    /// The event as a native NDJSON line (spec §1).
    var ndjson: String {
        var members: [JSONMember] = []
        if let ts { members.append(JSONMember("ts", .string(RFC3339.format(ts)))) }
        members.append(JSONMember("agent", .string(agent)))
        if kind != .toolCall { members.append(JSONMember("type", .string(kind.rawValue))) }
        if let session { members.append(JSONMember("session", .string(session))) }
        if let callID { members.append(JSONMember("call_id", .string(callID))) }
        if let tool { members.append(JSONMember("tool", .string(tool))) }
        if let args { members.append(JSONMember("args", args)) }
        if status != "ok" { members.append(JSONMember("status", .string(status))) }
        if let costUSD { members.append(JSONMember("cost_usd", .number(costUSD))) }
        var writer = JSONWriter()
        writer.write(.object(members))
        return writer.string
    }
}
