#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A simulated fleet of clean (well-behaved) agents, emitting NDJSON events
/// in event-time order. Deterministic for a given seed and fleet size.
/// Used by `driftwatch demo` and by the benchmarks (`DriftwatchBench generate`).

/// One agent: its persona, pace, model and its own habits.
public final class AgentProfile {
    public let index: Int
    public let name: String
    public let persona: Int
    /// Relative activity, log-uniform in 1...10 (rates across the fleet differ by 10×).
    let rate: Double
    let workers: Int
    let model: String
    let priceIn: Double
    let priceOut: Double
    let start: [Double]
    let transitions: [[Double]]
    let sessionMedian: Double
    let thinkMedian: Double
    let idleMean: Double
    let callIDs: Bool
    let reasoningRate: Double
    // Pools shared between agents of the same kind (copy-on-write arrays, not copied).
    let tables: [String]
    let customers: Int
    let files: [String]
    let dirs: [String]
    let testRoot: String
    let commands: [String]
    let repo: String
    let regions: [String]
    let namespaces: [String]
    let services: [String]

    public internal(set) var calls = 0
    public internal(set) var sessions = 0
    public internal(set) var events = 0

    init(index: Int, seed: UInt64, personas: [Persona], width: Int) {
        var g = SplitMix64(seed: seed, stream: UInt64(index) &+ 1)
        self.index = index
        persona = g.pick(cumulative: cumulative([0.2, 0.25, 0.25, 0.15, 0.15]))
        let p = personas[persona]
        let n = String(index)
        name = p.name + "-" + String(repeating: "0", count: max(0, width - n.count)) + n
        rate = pow(10, g.unit())
        // Concurrent sessions (workers), independent of pace.
        workers = 1 + g.pick(cumulative: cumulative([0.6, 0.3, 0.1]))
        let models: [(String, Double, Double)] = [("model-a", 3e-6, 15e-6), ("model-b", 0.8e-6, 4e-6), ("model-c", 0.25e-6, 1.25e-6)]
        let m = models[g.pick(cumulative: cumulative([0.4, 0.4, 0.2]))]
        (model, priceIn, priceOut) = m
        // Each agent has its own habits: the persona's weights, perturbed, with
        // some optional tools missing (not every deployment grants every tool).
        var absent = Set<Int>()
        for t in p.optional.sorted() where g.chance(0.3) { absent.insert(t) }
        func perturb(_ w: [Double], _ g: inout SplitMix64) -> [Double] {
            w.enumerated().map { j, x in absent.contains(j) ? 0 : x * exp(0.5 * g.normal()) }
        }
        start = cumulative(perturb(p.start, &g))
        transitions = p.transitions.map { cumulative(perturb($0, &g)) }
        sessionMedian = p.sessionCalls.0 * exp(0.3 * g.normal())
        thinkMedian = p.think.0 * exp(0.2 * g.normal())
        idleMean = p.idle / rate
        callIDs = g.chance(0.5)
        reasoningRate = g.chance(0.3) ? 0.5 : 0
        let v = g.int(0...(Fleet.variants - 1))
        tables = Fleet.tables[v % Fleet.tables.count]
        customers = g.int(500...50_000)
        files = Fleet.repos[v].files
        dirs = Fleet.repos[v].dirs
        testRoot = Fleet.repos[v].testRoot
        commands = Fleet.repos[v].commands
        repo = Fleet.repos[v].root
        regions = Fleet.regions[v % Fleet.regions.count]
        namespaces = Fleet.namespaces[v % Fleet.namespaces.count]
        services = Fleet.services[v]
    }
}

/// Shared pools, built once.
enum Fleet {
    static let variants = 16

    struct Repo {
        let root: String
        let files: [String]
        let dirs: [String]
        let testRoot: String
        let commands: [String]
    }

    static let tables: [[String]] = [
        ["invoices", "payments", "customers", "subscriptions"],
        ["invoices", "payments", "refunds", "credit_notes", "customers"],
        ["billing.invoices", "billing.payments", "billing.accounts"],
        ["invoices", "line_items", "payments", "disputes", "customers", "plans"],
    ]

    static let regions: [[String]] = [["us-east-1", "us-west-2"], ["eu-west-1", "eu-central-1"], ["us-east-1"],
                                      ["ap-southeast-2", "us-east-1", "eu-west-1"]]
    static let namespaces: [[String]] = [["prod", "staging"], ["payments", "checkout", "default"], ["prod"],
                                         ["platform", "data", "web", "prod"]]

    static let services: [[String]] = (0..<variants).map { v in
        let names = ["api", "web", "checkout", "payments", "search", "auth", "worker", "ingest", "notifier", "reports",
                     "gateway", "scheduler", "billing", "ledger", "cart", "profile"]
        var g = SplitMix64(seed: 0x5E_4F1C_E5, stream: UInt64(v))
        return (0..<g.int(3...10)).map { _ in g.element(names) + (g.chance(0.3) ? "-v2" : "") }
    }

    static let repos: [Repo] = (0..<variants).map { v in
        var g = SplitMix64(seed: 0x4E_B0, stream: UInt64(v))
        let lang = v % 3
        let ext = ["py", "ts", "go"][lang]
        let root = "/workspace/" + ["api-server", "web-app", "data-pipeline", "cli-tool", "infra", "payments-svc",
                                    "ml-service", "mobile-backend"][v % 8]
        let dirs = lang == 0 ? ["src", "src/api", "src/db", "src/models", "tests", "scripts"]
            : lang == 1 ? ["src", "src/components", "src/lib", "src/routes", "test", "scripts"]
            : ["cmd", "internal/server", "internal/store", "pkg/api", "internal/auth"]
        let stems = ["app", "db", "models", "handlers", "utils", "config", "auth", "client", "server", "cache", "schema",
                     "routes", "service", "worker", "queue", "errors", "metrics", "types", "index", "main", "billing",
                     "user", "session", "migrations", "api", "store", "parser", "render", "export", "retry"]
        var files = ["README.md", lang == 0 ? "pyproject.toml" : lang == 1 ? "package.json" : "go.mod", "Makefile"]
        for _ in 0..<g.int(40...200) {
            let d = g.element(dirs)
            let s = g.element(stems)
            files.append(lang == 0 && d == "tests" ? "tests/test_\(s).py"
                : lang == 1 && d == "test" ? "test/\(s).test.ts"
                : lang == 2 ? "\(d)/\(s)\(g.chance(0.3) ? "_test" : "").go" : "\(d)/\(s).\(ext)")
        }
        // Shuffle so Zipf popularity does not follow construction order.
        for i in stride(from: files.count - 1, to: 0, by: -1) { files.swapAt(i, g.int(0...i)) }
        let testRoot = lang == 0 ? "tests/" : lang == 1 ? "test/" : "./..."
        let commands = lang == 0
            ? ["make lint", "pytest -x -q", "python -m mypy src", "ls -la src", "pip install -e .", "ruff check src", "cat pyproject.toml"]
            : lang == 1 ? ["npm run lint", "npm run build", "npx tsc --noEmit", "ls -la src", "npm ci", "cat package.json"]
            : ["go build ./...", "go vet ./...", "gofmt -l .", "ls -la internal", "go mod tidy", "make build"]
        return Repo(root: root, files: files, dirs: dirs, testRoot: testRoot, commands: commands)
    }
}

private struct PendingCall {
    let tool: Int
    let args: [UInt8]
    let attempt: Int
    let isRetry: Bool
}

/// One session in progress on one worker of an agent.
private struct Run {
    var id: String
    var left: Int
    var context: Double
    var previous = -1
    var pending: PendingCall?
    var subject: SessionSubject
    var finalAnswer: Bool
}

private struct Worker {
    let agent: Int
    var run: Run?
}

public struct FleetGenerator {
    public static let epochStartMS: Int64 = 1_793_520_000_000  // 2026-11-01T08:00:00Z

    public let personas = allPersonas()
    public private(set) var agents: [AgentProfile] = []
    private var workers: [Worker] = []
    private var heap: [(time: Int64, worker: Int32)] = []
    private var ctx: ArgContext
    private var line = ByteLine(capacity: 2048)
    public private(set) var emitted = 0

    /// - Parameters:
    ///   - seed: the fleet (agents, their habits) and, unless `streamSeed` is given, its calls.
    ///   - streamSeed: a different sequence of sessions and calls from the same agents
    ///     (the demo streams fresh calls from the fleet its baselines were learned on).
    public init(agents n: Int, seed: UInt64, streamSeed: UInt64? = nil) {
        precondition(n > 0)
        ctx = ArgContext(rng: SplitMix64(seed: streamSeed ?? seed, stream: 0xEE))
        let width = max(2, String(n - 1).count)
        for i in 0..<n {
            let a = AgentProfile(index: i, seed: seed, personas: personas, width: width)
            agents.append(a)
            for _ in 0..<a.workers {
                let w = Int32(workers.count)
                workers.append(Worker(agent: i, run: nil))
                let first = Self.epochStartMS + Int64(ctx.rng.unit() * min(a.idleMean, 600) * 1000)
                heap.append((first, w))
            }
        }
        heap.sort { ($0.time, $0.worker) < ($1.time, $1.worker) }
    }

    /// Appends the next event as one NDJSON line (with `\n`) to `out`.
    public mutating func next(into out: inout [UInt8]) {
        while true {
            let (t, w) = heap[0]
            var worker = workers[Int(w)]
            let (emittedLine, nextTime) = step(&worker, at: t)
            workers[Int(w)] = worker
            replaceTop(nextTime, w)
            if emittedLine {
                out.append(contentsOf: line.bytes)
                emitted += 1
                return
            }
        }
    }

    /// Advances one worker; returns whether a line was written and when the worker acts next.
    private mutating func step(_ worker: inout Worker, at t: Int64) -> (Bool, Int64) {
        let a = agents[worker.agent]
        let p = personas[a.persona]
        guard var run = worker.run else {
            // Start a session.
            a.sessions += 1
            ctx.agent = a
            ctx.session = SessionSubject()
            p.subject(&ctx)
            let n = String(a.sessions)
            let id = a.name + "-s" + String(repeating: "0", count: max(0, 5 - n.count)) + n
            let len = max(1, min(300, Int(ctx.rng.logNormal(median: a.sessionMedian, sigma: p.sessionCalls.1).rounded())))
            worker.run = Run(id: id, left: len, context: ctx.rng.logNormal(median: p.baseContext.0, sigma: p.baseContext.1),
                             subject: ctx.session, finalAnswer: ctx.rng.chance(p.finalAnswer))
            return (false, t)
        }
        if run.left <= 0 {
            worker.run = nil
            let idle = Int64(ctx.rng.exponential(mean: a.idleMean) * 1000) + 1000
            if run.finalAnswer {
                writeModelCall(a, run: &run, at: t)
                return (true, t + idle)
            }
            return (false, t + idle)
        }
        if run.pending == nil, p.planning > 0, ctx.rng.chance(p.planning) {
            let think = writeModelCall(a, run: &run, at: t)
            worker.run = run
            return (true, t + think)
        }

        // Choose the call.
        ctx.agent = a
        ctx.session = run.subject
        let tool: Int
        var attempt = 0
        var isRetry = false
        let argBytes: [UInt8]
        if let pending = run.pending {
            tool = pending.tool
            argBytes = pending.args
            attempt = pending.attempt
            isRetry = pending.isRetry
            run.pending = nil
        } else {
            let row = run.previous < 0 ? a.start : a.transitions[run.previous]
            tool = ctx.rng.pick(cumulative: row)
            ctx.out.bytes.removeAll(keepingCapacity: true)
            p.tools[tool].args(&ctx)
            argBytes = ctx.out.bytes
        }
        let spec = p.tools[tool]
        // Transient failures cluster: a retry fails again more often than a first call.
        let failed = ctx.rng.chance(isRetry ? 0.35 : spec.failure)
        if failed, attempt < 3, ctx.rng.chance(0.6) {
            run.pending = PendingCall(tool: tool, args: argBytes, attempt: attempt + 1, isRetry: true)
        } else if !failed, spec.repeatRate > 0, ctx.rng.chance(spec.repeatRate) {
            run.pending = PendingCall(tool: tool, args: argBytes, attempt: 0, isRetry: false)
        }

        let tokensIn = Int(run.context)
        let tokensOut = Int(ctx.rng.logNormal(median: 70, sigma: 0.5)) + 5
        var latency = ctx.rng.logNormal(median: spec.latency.0, sigma: spec.latency.1)
        if failed, spec.failStatus == "timeout" { latency = max(latency, 30_000) }
        let resultTokens = failed ? 60 : ctx.rng.logNormal(median: spec.result.0, sigma: spec.result.1)
        run.context += Double(tokensOut) + resultTokens
        if run.context > 150_000 { run.context = run.context * 0.25 }  // the agent compacts its context
        let cost = Double(tokensIn) * a.priceIn + Double(tokensOut) * a.priceOut + spec.toolUSD

        line.bytes.removeAll(keepingCapacity: true)
        line.raw("{\"ts\":")
        line.timestamp(ms: t)
        line.raw(",\"agent\":"); line.string(a.name)
        line.raw(",\"session\":"); line.string(run.id)
        a.calls += 1
        if a.callIDs { line.raw(",\"call_id\":\"call-"); line.int(a.calls); line.byte(0x22) }
        line.raw(",\"tool\":"); line.string(spec.name)
        line.raw(",\"args\":"); line.bytes.append(contentsOf: argBytes)
        line.raw(",\"status\":"); line.string(failed ? spec.failStatus : "ok")
        line.raw(",\"tokens_in\":"); line.int(tokensIn)
        line.raw(",\"tokens_out\":"); line.int(tokensOut)
        line.raw(",\"cost_usd\":"); line.decimal(cost, places: 6)
        line.raw(",\"latency_ms\":"); line.int(Int(latency))
        line.raw(",\"model\":"); line.string(a.model)
        if a.reasoningRate > 0, ctx.rng.chance(a.reasoningRate) {
            line.raw(",\"reasoning\":")
            line.string(isRetry ? "The previous attempt failed (\(spec.failStatus)); retrying."
                : "Next I will use \(spec.name) to \(ctx.rng.element(reasons)).")
        }
        line.raw("}\n")
        a.events += 1

        run.previous = tool
        run.left -= 1
        worker.run = run
        let think = isRetry || run.pending?.isRetry == true
            ? ctx.rng.logNormal(median: 2.0 * Double(1 << attempt), sigma: 0.3)
            : ctx.rng.logNormal(median: a.thinkMedian, sigma: 0.6) + Double(tokensOut) * 0.012
        return (true, t + Int64(latency) + Int64(think * 1000) + 1)
    }

    /// A model call without a tool (planning or the final answer); returns the think time in ms.
    @discardableResult
    private mutating func writeModelCall(_ a: AgentProfile, run: inout Run, at t: Int64) -> Int64 {
        let tokensIn = Int(run.context)
        let tokensOut = Int(ctx.rng.logNormal(median: 350, sigma: 0.6)) + 10
        run.context += Double(tokensOut)
        let latency = 400 + Double(tokensOut) * ctx.rng.logNormal(median: 15, sigma: 0.3)
        let cost = Double(tokensIn) * a.priceIn + Double(tokensOut) * a.priceOut
        line.bytes.removeAll(keepingCapacity: true)
        line.raw("{\"ts\":")
        line.timestamp(ms: t)
        line.raw(",\"type\":\"llm_call\",\"agent\":"); line.string(a.name)
        line.raw(",\"session\":"); line.string(run.id)
        line.raw(",\"tokens_in\":"); line.int(tokensIn)
        line.raw(",\"tokens_out\":"); line.int(tokensOut)
        line.raw(",\"cost_usd\":"); line.decimal(cost, places: 6)
        line.raw(",\"latency_ms\":"); line.int(Int(latency))
        line.raw(",\"model\":"); line.string(a.model)
        line.raw("}\n")
        a.events += 1
        return Int64(latency) + Int64(ctx.rng.logNormal(median: 1.0, sigma: 0.5) * 1000)
    }

    private mutating func replaceTop(_ time: Int64, _ w: Int32) {
        heap[0] = (time, w)
        var i = 0
        let n = heap.count
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var c = l
            let r = l + 1
            if r < n, (heap[r].time, heap[r].worker) < (heap[l].time, heap[l].worker) { c = r }
            if (heap[c].time, heap[c].worker) < (heap[i].time, heap[i].worker) {
                heap.swapAt(c, i)
                i = c
            } else {
                break
            }
        }
    }
}

let reasons = ["check the customer's records", "find the relevant section", "confirm the current state",
               "gather more context", "verify the change", "answer the question", "look for related issues"]
