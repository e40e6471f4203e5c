#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Simulated agent personas: tools, how calls follow each other, what the
/// arguments look like, how much context each result adds.
///
/// Modelled on how tool-using agents behave, not on what any detector
/// accepts: the numbers below were chosen for plausibility and never tuned
/// against driftwatch's thresholds.

/// What argument writers can see: the randomness, the agent's own pools and
/// the session's subject (one customer, one ticket, one repository task...).
struct ArgContext {
    var rng: SplitMix64
    var out = ByteLine(capacity: 512)
    var agent: AgentProfile!
    var session = SessionSubject()

    // Small helpers so persona tables stay readable.
    mutating func key(_ k: StaticString, first: Bool = false) {
        if !first { out.byte(UInt8(ascii: ",")) }
        out.byte(0x22)
        out.raw(k)
        out.raw("\":")
    }

    mutating func words(_ pool: [String], _ n: ClosedRange<Int>) -> String {
        let k = rng.int(n)
        var s = ""
        for i in 0..<k {
            if i > 0 { s += " " }
            s += pool[rng.zipf(pool.count, s: 1.05)]
        }
        return s
    }

    mutating func id(_ prefix: String, digits: Int, _ value: Int) -> String {
        var s = prefix
        let v = String(value)
        if v.count < digits { s += String(repeating: "0", count: digits - v.count) }
        return s + v
    }

    mutating func uuid(_ a: UInt64) -> String {
        let h = String(a, radix: 16)
        let p = String(repeating: "0", count: max(0, 16 - h.count)) + h
        var mix = SplitMix64(seed: a)
        let b = String(mix.next(), radix: 16)
        let q = String(repeating: "0", count: max(0, 16 - b.count)) + b
        let s = p + q
        let c = Array(s)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-" + String(c[20..<32])
    }
}

/// The entity a session is about, chosen at session start.
struct SessionSubject {
    var entity = 0          // customer / ticket / instance number
    var secondary = 0       // invoice / order / incident number
    var topic: [String] = []
    var files: [String] = []
    var namespace = ""
    var deployment = ""
    var urls: [String] = []
}

struct ToolSpec: Sendable {
    let name: String
    /// Tokens the result adds to the context (median, log-sigma).
    let result: (Double, Double)
    /// Latency in ms (median, log-sigma).
    let latency: (Double, Double)
    /// Probability of an ordinary failure.
    let failure: Double
    /// Failure status when it fails ("error", "timeout", "denied").
    let failStatus: String
    /// Probability that the next call is the identical call again (polling, re-check).
    let repeatRate: Double
    /// Money the tool itself costs per call (paid APIs), on top of model tokens.
    let toolUSD: Double
    let args: @Sendable (inout ArgContext) -> Void

    init(_ name: String, result: (Double, Double), latency: (Double, Double), failure: Double = 0.015,
         failStatus: String = "error", repeatRate: Double = 0, toolUSD: Double = 0,
         args: @escaping @Sendable (inout ArgContext) -> Void)
    {
        self.name = name
        self.result = result
        self.latency = latency
        self.failure = failure
        self.failStatus = failStatus
        self.repeatRate = repeatRate
        self.toolUSD = toolUSD
        self.args = args
    }
}

public struct Persona: Sendable {
    public let name: String
    let tools: [ToolSpec]
    /// Weights of the first tool of a session.
    let start: [Double]
    /// transitions[i][j]: weight of tool j after tool i.
    let transitions: [[Double]]
    /// Tools an individual agent may lack (permissions differ per deployment).
    let optional: Set<Int>
    /// Calls per session (median, log-sigma).
    let sessionCalls: (Double, Double)
    /// Initial context: system prompt + task (median tokens, log-sigma).
    let baseContext: (Double, Double)
    /// Model think time between calls in seconds (median, log-sigma).
    let think: (Double, Double)
    /// Mean idle time between sessions of one worker for the slowest agent, seconds
    /// (about 30× a typical session's active time, so activity spans ~10×).
    let idle: Double
    /// Probability that a session ends with a final model answer (an `llm_call`).
    let finalAnswer: Double
    /// Probability of a mid-session planning step without a tool (an `llm_call`).
    let planning: Double
    let subject: @Sendable (inout ArgContext) -> Void
}

// MARK: - Word pools

let commonWords = ["account", "invoice", "payment", "refund", "timeout", "error", "billing", "plan", "upgrade", "cancel",
                   "customer", "charge", "tax", "credit", "report", "export", "login", "password", "reset", "api",
                   "limit", "quota", "renewal", "discount", "failed", "pending", "card", "bank", "currency", "trial",
                   "migration", "latency", "region", "outage", "webhook", "integration", "sso", "invite", "seat", "usage"]
let researchWords = ["transformer", "retrieval", "benchmark", "evaluation", "scaling", "laws", "dataset", "survey",
                     "alignment", "robustness", "distillation", "quantization", "inference", "latency", "sparse",
                     "attention", "memory", "agents", "planning", "tool", "use", "reasoning", "chain", "thought",
                     "climate", "policy", "market", "analysis", "battery", "solar", "supply", "chain", "semiconductor",
                     "regulation", "privacy", "healthcare", "genomics", "protein", "folding", "vaccine", "trial", "2025",
                     "2026", "comparison", "review", "open", "source", "cost", "energy", "efficiency"]
let identifiers = ["parse_config", "UserService", "handle_request", "retry", "TODO", "connect", "validate", "Invoice",
                   "render", "cache", "timeout", "logger", "schema", "migrate", "serialize", "auth_token", "fetch_all",
                   "ErrorKind", "main", "test_", "deprecated", "unwrap", "context", "pool", "worker"]
let commitVerbs = ["Fix", "Add", "Refactor", "Update", "Remove", "Handle", "Rename", "Document", "Simplify", "Test"]
let domains: [String] = {
    // A long tail of sites: a few big ones and many small ones, like real browsing.
    var d = ["en.wikipedia.org", "arxiv.org", "github.com", "www.nature.com", "docs.python.org", "news.ycombinator.com",
             "www.reuters.com", "www.sciencedirect.com", "stackoverflow.com", "www.bbc.co.uk", "openreview.net",
             "www.ncbi.nlm.nih.gov", "medium.com", "www.iea.org", "www.sec.gov", "ourworldindata.org"]
    let stems = ["data", "lab", "research", "insight", "tech", "energy", "bio", "policy", "market", "open", "deep",
                 "cloud", "quant", "green", "health", "news", "review", "journal", "institute", "labs"]
    let tlds = ["com", "org", "io", "net", "edu", "ai", "co.uk", "de"]
    var g = SplitMix64(seed: 0xD0_3A1E)
    for _ in 0..<1500 {
        d.append("www.\(g.element(stems))\(g.element(stems)).\(g.element(tlds))")
    }
    return d
}()

// MARK: - Personas

func allPersonas() -> [Persona] { [billing, ci, support, research, ops] }

let billing = Persona(
    name: "billing",
    tools: [
        ToolSpec("sql.query", result: (300, 0.9), latency: (35, 0.8), failure: 0.015, repeatRate: 0.01) { c in
            let tables = c.agent.tables
            let t = tables[c.rng.zipf(tables.count, s: 1.2)]
            let q: String
            switch c.rng.int(0...9) {
            case 0, 1: q = "SELECT * FROM \(t) WHERE customer_id = ? LIMIT \(c.rng.element([10, 20, 50]))"
            case 2: q = "SELECT id, amount_cents, status FROM \(t) WHERE customer_id = ? ORDER BY created_at DESC"
            case 3: q = "SELECT count(*) FROM \(t) WHERE status = ? AND customer_id = ?"
            case 4: q = "SELECT sum(amount_cents) FROM \(t) WHERE customer_id = ? AND created_at > ?"
            case 5: q = "SELECT i.id, i.total_cents, p.status FROM invoices i JOIN payments p ON p.invoice_id = i.id WHERE i.customer_id = ?"
            case 6: q = "SELECT * FROM \(t) WHERE id = ?"
            case 7: q = "select status, count(*) from \(t) where created_at > ? group by status"
            case 8: q = "SELECT currency, plan, seats FROM subscriptions WHERE customer_id = ?"
            default: q = "WITH recent AS (SELECT * FROM \(t) WHERE customer_id = ? AND created_at > ?) SELECT * FROM recent ORDER BY created_at DESC LIMIT 20"
            }
            c.out.byte(UInt8(ascii: "{"))
            c.key("query", first: true); c.out.string(q)
            c.key("params"); c.out.raw("[")
            c.out.string(c.id("c-", digits: 5, c.session.entity))
            if c.rng.chance(0.3) { c.out.raw(","); c.out.string("2026-\(c.id("", digits: 2, c.rng.int(1...10)))-01") }
            c.out.raw("]")
            if c.rng.chance(0.7) { c.key("limit"); c.out.int(c.rng.element([10, 20, 50, 100])) }
            c.out.byte(UInt8(ascii: "}"))
        },
        ToolSpec("billing.summary", result: (250, 0.5), latency: (80, 0.6)) { c in
            c.out.raw("{\"customer_id\":")
            c.out.string(c.uuid(UInt64(c.session.entity) &* 0x2545F491))
            c.key("months"); c.out.int(c.rng.element([1, 3, 3, 6, 6, 12, 12, 12]))
            c.out.raw("}")
        },
        ToolSpec("invoice.get", result: (400, 0.4), latency: (45, 0.5), repeatRate: 0.02) { c in
            c.out.raw("{\"invoice_id\":")
            c.out.string(c.id("inv_", digits: 8, c.session.secondary + c.rng.int(0...2)))
            if c.rng.chance(0.4) { c.key("expand"); c.out.raw("[\"lines\",\"payments\"]") }
            c.out.raw("}")
        },
        ToolSpec("docs.search", result: (700, 0.5), latency: (120, 0.6)) { c in
            c.out.raw("{\"q\":")
            c.out.string(c.words(commonWords, 2...5))
            c.key("k"); c.out.int(c.rng.element([5, 5, 5, 10]))
            c.out.raw("}")
        },
        ToolSpec("refund.create", result: (80, 0.3), latency: (300, 0.7), failure: 0.03, failStatus: "denied") { c in
            c.out.raw("{\"invoice_id\":")
            c.out.string(c.id("inv_", digits: 8, c.session.secondary))
            c.key("amount_cents"); c.out.int(min(250_000, Int(c.rng.logNormal(median: 2900, sigma: 1.0))))
            c.key("reason"); c.out.string(c.rng.element(["duplicate", "service_outage", "goodwill", "billing_error", "goodwill"]))
            c.out.raw("}")
        },
        ToolSpec("email.send", result: (40, 0.3), latency: (500, 0.6)) { c in
            c.out.raw("{\"to\":")
            c.out.string("billing+\(c.id("c-", digits: 5, c.session.entity))@customers.example.com")
            c.key("template"); c.out.string(c.rng.element(["invoice_copy", "payment_reminder", "refund_confirmation", "invoice_copy"]))
            c.out.raw("}")
        },
    ],
    start: [0.5, 0.1, 0.2, 0.2, 0, 0],
    transitions: [
        //        sql   summ  inv   docs  refund email
        /*sql*/  [0.45, 0.12, 0.15, 0.05, 0.04, 0.10],
        /*sum*/  [0.40, 0.05, 0.25, 0.05, 0.05, 0.10],
        /*inv*/  [0.35, 0.10, 0.15, 0.05, 0.10, 0.20],
        /*docs*/ [0.50, 0.10, 0.15, 0.15, 0.02, 0.05],
        /*ref*/  [0.20, 0.05, 0.10, 0.05, 0.02, 0.55],
        /*mail*/ [0.40, 0.10, 0.20, 0.10, 0.02, 0.05],
    ],
    optional: [4, 5],
    sessionCalls: (9, 0.6), baseContext: (1800, 0.3), think: (1.6, 0.5), idle: 720, finalAnswer: 0.8, planning: 0.0,
    subject: { c in
        c.session.entity = c.rng.int(1...c.agent.customers)
        c.session.secondary = c.rng.int(10_000_000...99_999_999)
    })

let ci = Persona(
    name: "ci",
    tools: [
        ToolSpec("git.status", result: (120, 0.6), latency: (40, 0.5), failure: 0.005, repeatRate: 0.08) { c in
            c.out.raw("{}")
        },
        ToolSpec("file.read", result: (1200, 0.9), latency: (15, 0.7), failure: 0.02, repeatRate: 0.03) { c in
            c.out.raw("{\"path\":")
            let files = c.session.files
            c.out.string(files[c.rng.zipf(files.count, s: 1.3)])
            if c.rng.chance(0.15) {
                c.key("offset"); c.out.int(c.rng.int(1...40) * 50)
                c.key("limit"); c.out.int(c.rng.element([100, 200, 400]))
            }
            c.out.raw("}")
        },
        ToolSpec("file.search", result: (500, 0.8), latency: (90, 0.7)) { c in
            c.out.raw("{\"pattern\":")
            c.out.string(c.rng.element(identifiers))
            c.key("path"); c.out.string(c.rng.element(c.agent.dirs))
            c.out.raw("}")
        },
        ToolSpec("file.write", result: (60, 0.4), latency: (20, 0.6), failure: 0.01) { c in
            c.out.raw("{\"path\":")
            let files = c.session.files
            c.out.string(files[c.rng.zipf(min(files.count, 6), s: 1.3)])
            c.key("bytes"); c.out.int(Int(c.rng.logNormal(median: 2500, sigma: 1.0)) + 1)
            c.out.raw("}")
        },
        ToolSpec("run_tests", result: (900, 0.8), latency: (25_000, 1.0), failure: 0.02, failStatus: "timeout", repeatRate: 0.03) { c in
            c.out.raw("{\"target\":")
            c.out.string(c.rng.chance(0.5) ? c.agent.testRoot : c.session.files.first(where: { $0.contains("test") }) ?? c.agent.testRoot)
            c.key("timeout_s"); c.out.int(c.rng.element([300, 600, 600, 900]))
            c.out.raw("}")
        },
        ToolSpec("shell.exec", result: (400, 1.0), latency: (2500, 1.2), failure: 0.03) { c in
            c.out.raw("{\"cmd\":")
            c.out.string(c.rng.element(c.agent.commands))
            c.key("cwd"); c.out.string(c.agent.repo)
            c.out.raw("}")
        },
        ToolSpec("git.diff", result: (700, 0.9), latency: (50, 0.5), failure: 0.005) { c in
            if c.rng.chance(0.5) {
                c.out.raw("{\"path\":")
                c.out.string(c.session.files[0])
                c.out.raw("}")
            } else {
                c.out.raw("{\"staged\":")
                c.out.raw(c.rng.chance(0.5) ? "true" : "false")
                c.out.raw("}")
            }
        },
        ToolSpec("git.commit", result: (60, 0.3), latency: (150, 0.5), failure: 0.02) { c in
            c.out.raw("{\"message\":")
            c.out.string("\(c.rng.element(commitVerbs)) \(c.words(identifiers, 1...3)) in \(c.session.files[0])")
            c.key("files"); c.out.int(c.rng.int(1...5))
            c.out.raw("}")
        },
    ],
    start: [0.35, 0.35, 0.2, 0, 0.05, 0.05, 0, 0],
    transitions: [
        //         stat  read  srch  write test  shell diff  commit
        /*stat*/  [0.02, 0.50, 0.20, 0.05, 0.05, 0.08, 0.08, 0.02],
        /*read*/  [0.02, 0.40, 0.15, 0.25, 0.06, 0.07, 0.03, 0.02],
        /*srch*/  [0.01, 0.65, 0.15, 0.05, 0.02, 0.10, 0.01, 0.01],
        /*write*/ [0.05, 0.20, 0.05, 0.25, 0.30, 0.05, 0.05, 0.05],
        /*test*/  [0.08, 0.35, 0.05, 0.20, 0.10, 0.05, 0.10, 0.07],
        /*shell*/ [0.05, 0.35, 0.10, 0.15, 0.10, 0.15, 0.05, 0.05],
        /*diff*/  [0.10, 0.15, 0.02, 0.08, 0.15, 0.05, 0.05, 0.40],
        /*cmt*/   [0.50, 0.20, 0.05, 0.05, 0.05, 0.10, 0.05, 0.00],
    ],
    optional: [5, 7],
    sessionCalls: (22, 0.7), baseContext: (3500, 0.3), think: (2.5, 0.6), idle: 3900, finalAnswer: 0.9, planning: 0.0,
    subject: { c in
        let pool = c.agent.files
        var picked: [String] = []
        let n = c.rng.int(3...12)
        for _ in 0..<n { picked.append(pool[c.rng.zipf(pool.count, s: 0.9)]) }
        c.session.files = picked
    })

let support = Persona(
    name: "support",
    tools: [
        ToolSpec("ticket.get", result: (600, 0.6), latency: (60, 0.5), repeatRate: 0.03) { c in
            c.out.raw("{\"ticket\":"); c.out.int(c.session.entity); c.out.raw("}")
        },
        ToolSpec("crm.lookup", result: (350, 0.4), latency: (70, 0.6)) { c in
            c.out.raw("{\"customer\":")
            c.out.string(c.id("c-", digits: 5, c.session.secondary))
            c.key("fields")
            c.out.raw(c.rng.element(["[\"plan\",\"status\"]", "[\"plan\",\"status\",\"seats\"]", "[\"email\",\"plan\"]",
                                      "[\"status\"]"]))
            c.out.raw("}")
        },
        ToolSpec("kb.search", result: (900, 0.5), latency: (110, 0.6)) { c in
            c.out.raw("{\"query\":")
            c.out.string(c.words(commonWords, 2...6))
            c.key("top_k"); c.out.int(c.rng.element([3, 5, 5, 5, 8]))
            c.out.raw("}")
        },
        ToolSpec("ticket.reply", result: (50, 0.3), latency: (180, 0.6), failure: 0.01) { c in
            c.out.raw("{\"ticket\":"); c.out.int(c.session.entity)
            c.key("chars"); c.out.int(Int(c.rng.logNormal(median: 420, sigma: 0.6)))
            if c.rng.chance(0.2) { c.key("internal"); c.out.raw("true") }
            c.out.raw("}")
        },
        ToolSpec("ticket.update", result: (40, 0.3), latency: (70, 0.5)) { c in
            c.out.raw("{\"ticket\":"); c.out.int(c.session.entity)
            c.key("status"); c.out.string(c.rng.element(["pending", "solved", "solved", "open", "on_hold"]))
            if c.rng.chance(0.3) { c.key("tags"); c.out.raw(c.rng.element(["[\"billing\"]", "[\"bug\"]", "[\"how-to\"]", "[\"billing\",\"refund\"]"])) }
            c.out.raw("}")
        },
        ToolSpec("ticket.escalate", result: (40, 0.3), latency: (90, 0.5)) { c in
            c.out.raw("{\"ticket\":"); c.out.int(c.session.entity)
            c.key("team"); c.out.string(c.rng.element(["tier2", "billing", "engineering", "tier2"]))
            c.key("priority"); c.out.string(c.rng.element(["normal", "high", "normal", "low"]))
            c.out.raw("}")
        },
        ToolSpec("order.status", result: (250, 0.4), latency: (55, 0.5), failure: 0.02, repeatRate: 0.02) { c in
            c.out.raw("{\"order_id\":")
            c.out.string(c.id("ord-", digits: 7, c.session.secondary * 7 % 9_999_999))
            c.out.raw("}")
        },
    ],
    start: [0.85, 0.1, 0.05, 0, 0, 0, 0],
    transitions: [
        //         get   crm   kb    reply upd   esc   order
        /*get*/   [0.03, 0.40, 0.30, 0.12, 0.05, 0.03, 0.07],
        /*crm*/   [0.05, 0.05, 0.35, 0.25, 0.05, 0.05, 0.20],
        /*kb*/    [0.03, 0.07, 0.25, 0.50, 0.05, 0.05, 0.05],
        /*reply*/ [0.10, 0.03, 0.05, 0.05, 0.70, 0.05, 0.02],
        /*upd*/   [0.30, 0.05, 0.05, 0.10, 0.02, 0.05, 0.03],
        /*esc*/   [0.10, 0.05, 0.05, 0.40, 0.40, 0.00, 0.00],
        /*order*/ [0.05, 0.10, 0.20, 0.50, 0.05, 0.05, 0.05],
    ],
    optional: [5, 6],
    sessionCalls: (6, 0.5), baseContext: (1400, 0.3), think: (1.8, 0.5), idle: 510, finalAnswer: 0.3, planning: 0.0,
    subject: { c in
        c.session.entity = c.rng.int(10_000...99_999)
        c.session.secondary = c.rng.int(1...c.agent.customers)
    })

let research = Persona(
    name: "research",
    tools: [
        ToolSpec("web.search", result: (900, 0.4), latency: (800, 0.5), failure: 0.01, toolUSD: 0.005) { c in
            c.out.raw("{\"q\":")
            var q = c.session.topic.joined(separator: " ")
            if c.rng.chance(0.7) { q += " " + c.words(researchWords, 1...3) }
            c.out.string(q)
            c.key("n"); c.out.int(c.rng.element([5, 10, 10, 10, 20]))
            c.out.raw("}")
        },
        ToolSpec("web.fetch", result: (3500, 0.8), latency: (1200, 0.9), failure: 0.04, failStatus: "timeout", repeatRate: 0.01) { c in
            c.out.raw("{\"url\":")
            let host = domains[c.rng.zipf(domains.count, s: 1.15)]
            let slug = c.words(researchWords, 1...4).split(separator: " ").joined(separator: "-")
            c.out.string(c.rng.chance(0.9) ? "https://\(host)/\(slug)" : "https://\(host)/\(slug)?page=\(c.rng.int(1...5))")
            if c.rng.chance(0.3) { c.key("max_chars"); c.out.int(c.rng.element([20_000, 50_000, 100_000])) }
            c.out.raw("}")
        },
        ToolSpec("pdf.extract", result: (6000, 0.7), latency: (3000, 0.8), failure: 0.04) { c in
            c.out.raw("{\"url\":")
            c.out.string("https://arxiv.org/pdf/\(c.rng.int(2301...2611)).\(c.rng.int(10_000...19_999))")
            let a = c.rng.int(1...12)
            c.key("pages"); c.out.string("\(a)-\(a + c.rng.int(1...10))")
            c.out.raw("}")
        },
        ToolSpec("notes.write", result: (30, 0.3), latency: (40, 0.4), failure: 0.005) { c in
            c.out.raw("{\"title\":")
            c.out.string(c.session.topic.joined(separator: " "))
            c.key("chars"); c.out.int(Int(c.rng.logNormal(median: 1500, sigma: 0.8)))
            c.out.raw("}")
        },
        ToolSpec("notes.read", result: (1500, 0.7), latency: (30, 0.4), failure: 0.005, repeatRate: 0.02) { c in
            c.out.raw("{\"title\":")
            c.out.string(c.session.topic.joined(separator: " "))
            c.out.raw("}")
        },
        ToolSpec("cite.lookup", result: (200, 0.4), latency: (400, 0.6), failure: 0.03) { c in
            c.out.raw("{\"doi\":")
            c.out.string("10.\(c.rng.int(1000...9999))/\(c.words(researchWords, 1...1)).\(c.rng.int(2015...2026)).\(c.rng.int(1...99999))")
            c.out.raw("}")
        },
    ],
    start: [0.8, 0.05, 0, 0, 0.15, 0],
    transitions: [
        //         srch  fetch pdf   write read  cite
        /*srch*/  [0.15, 0.65, 0.12, 0.03, 0.02, 0.03],
        /*fetch*/ [0.25, 0.40, 0.08, 0.20, 0.02, 0.05],
        /*pdf*/   [0.20, 0.20, 0.15, 0.30, 0.02, 0.13],
        /*write*/ [0.45, 0.25, 0.05, 0.05, 0.15, 0.05],
        /*read*/  [0.50, 0.20, 0.05, 0.20, 0.00, 0.05],
        /*cite*/  [0.20, 0.20, 0.10, 0.35, 0.05, 0.10],
    ],
    optional: [2, 5],
    sessionCalls: (16, 0.7), baseContext: (2500, 0.3), think: (3.0, 0.6), idle: 2880, finalAnswer: 0.95, planning: 0.05,
    subject: { c in
        c.session.topic = c.words(researchWords, 2...3).split(separator: " ").map(String.init)
    })

let ops = Persona(
    name: "ops",
    tools: [
        ToolSpec("cloud.describe_instances", result: (1200, 0.7), latency: (400, 0.6), failure: 0.01) { c in
            c.out.raw("{\"region\":")
            c.out.string(c.rng.element(c.agent.regions))
            c.key("filters"); c.out.raw("{\"tag:service\":"); c.out.string(c.session.deployment); c.out.raw("}")
            c.out.raw("}")
        },
        ToolSpec("metrics.query", result: (600, 0.5), latency: (250, 0.6), failure: 0.01, repeatRate: 0.03) { c in
            c.out.raw("{\"metric\":")
            c.out.string(c.rng.element(["cpu_utilization", "memory_working_set", "http_5xx_rate", "p99_latency_ms",
                                        "queue_depth", "cpu_utilization", "http_5xx_rate"]))
            c.key("service"); c.out.string(c.session.deployment)
            c.key("window_minutes"); c.out.int(c.rng.element([5, 15, 15, 30, 60, 180]))
            c.key("step_s"); c.out.int(c.rng.element([30, 60, 60, 300]))
            c.out.raw("}")
        },
        ToolSpec("logs.query", result: (1500, 0.8), latency: (900, 0.8), failure: 0.02, failStatus: "timeout") { c in
            c.out.raw("{\"query\":")
            c.out.string("service:\(c.session.deployment) level:\(c.rng.element(["error", "error", "warn"]))"
                + (c.rng.chance(0.3) ? " \"\(c.rng.element(["timeout", "OOMKilled", "connection refused", "5xx"]))\"" : ""))
            c.key("since_minutes"); c.out.int(c.rng.element([15, 30, 60, 60, 120, 1440]))
            c.key("limit"); c.out.int(c.rng.element([100, 200, 500]))
            c.out.raw("}")
        },
        ToolSpec("k8s.get_pods", result: (800, 0.6), latency: (200, 0.5), failure: 0.01, repeatRate: 0.05) { c in
            c.out.raw("{\"namespace\":"); c.out.string(c.session.namespace)
            c.key("selector"); c.out.string("app=\(c.session.deployment)")
            c.out.raw("}")
        },
        ToolSpec("k8s.rollout_status", result: (120, 0.4), latency: (1500, 0.7), failure: 0.02, failStatus: "timeout",
                 repeatRate: 0.35) { c in
            c.out.raw("{\"namespace\":"); c.out.string(c.session.namespace)
            c.key("deployment"); c.out.string(c.session.deployment)
            c.out.raw("}")
        },
        ToolSpec("k8s.scale", result: (60, 0.3), latency: (600, 0.5), failure: 0.02, failStatus: "denied") { c in
            c.out.raw("{\"namespace\":"); c.out.string(c.session.namespace)
            c.key("deployment"); c.out.string(c.session.deployment)
            c.key("replicas"); c.out.int(c.rng.int(2...12))
            c.out.raw("}")
        },
        ToolSpec("k8s.rollout_restart", result: (60, 0.3), latency: (700, 0.5), failure: 0.02, failStatus: "denied") { c in
            c.out.raw("{\"namespace\":"); c.out.string(c.session.namespace)
            c.key("deployment"); c.out.string(c.session.deployment)
            c.out.raw("}")
        },
        ToolSpec("incident.note", result: (40, 0.3), latency: (150, 0.5)) { c in
            c.out.raw("{\"incident_id\":"); c.out.string(c.id("INC-", digits: 6, c.session.secondary))
            c.key("text"); c.out.string("\(c.rng.element(["Investigating", "Mitigated", "Scaled", "Restarted", "Monitoring"])) \(c.session.deployment): \(c.words(commonWords, 3...8))")
            c.out.raw("}")
        },
    ],
    start: [0.15, 0.45, 0.25, 0.15, 0, 0, 0, 0],
    transitions: [
        //         desc  metr  logs  pods  roll  scale rest  note
        /*desc*/  [0.05, 0.35, 0.25, 0.20, 0.02, 0.05, 0.03, 0.05],
        /*metr*/  [0.05, 0.35, 0.30, 0.15, 0.02, 0.05, 0.02, 0.06],
        /*logs*/  [0.05, 0.25, 0.25, 0.25, 0.02, 0.03, 0.05, 0.10],
        /*pods*/  [0.05, 0.20, 0.30, 0.10, 0.05, 0.10, 0.10, 0.10],
        /*roll*/  [0.02, 0.40, 0.10, 0.15, 0.05, 0.05, 0.03, 0.20],
        /*scale*/ [0.00, 0.15, 0.05, 0.10, 0.60, 0.00, 0.00, 0.10],
        /*rest*/  [0.00, 0.10, 0.05, 0.10, 0.70, 0.00, 0.00, 0.05],
        /*note*/  [0.05, 0.40, 0.25, 0.15, 0.05, 0.03, 0.02, 0.05],
    ],
    optional: [5, 6, 7],
    sessionCalls: (12, 0.7), baseContext: (2200, 0.3), think: (2.0, 0.6), idle: 1260, finalAnswer: 0.6, planning: 0.0,
    subject: { c in
        c.session.namespace = c.rng.element(c.agent.namespaces)
        c.session.deployment = c.agent.services[c.rng.zipf(c.agent.services.count, s: 1.0)]
        c.session.secondary = c.rng.int(100_000...999_999)
    })
