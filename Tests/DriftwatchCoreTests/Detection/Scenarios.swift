@testable import DriftwatchCore

/// Misbehaviours and their near misses, each a `MonitorRun` over the
/// synthetic agent after its learned baseline. Tests assert on one scenario;
/// `AlertShapeTests` checks every alert of every scenario.
enum Scenario {
    /// One baseline of ~3,000 clean calls, learned once for the whole suite.
    static let trained = trainedAgent()
    static var agent: SyntheticAgent { trained.0 }
    static var baseline: Baseline { trained.1 }
    static var model: AgentModel { AgentModel(baseline: baseline, alpha: DetectionSettings().alphaPerDetector) }

    static var destructiveSettings: DetectionSettings {
        var s = DetectionSettings()
        s.toolClasses = ToolClassifier(rules: [("db.drop_*", .destructive), ("sql.query", .write)])
        return s
    }

    /// Clean traffic, then `body` on the same clock.
    static func run(settings: DetectionSettings = DetectionSettings(), warmup: Int = 60,
                    _ body: (inout SyntheticAgent, inout MonitorRun) -> Void) -> MonitorRun
    {
        var agent = agent
        var run = MonitorRun(settings: settings, baselines: [baseline])
        run.feed(agent.calls(warmup))
        body(&agent, &run)
        return run
    }

    // MARK: Tools

    static func newTools() -> MonitorRun {
        run(settings: destructiveSettings) { agent, run in
            run.feed(agent.call("db.drop_table", args: ["table": "invoices"], session: "live-x"))
            run.feed(agent.calls(100))
            run.feed(agent.call("db.drop_table", args: ["table": "payments"], session: "live-y"))
            agent.idle(minutes: 120)
            run.feed(agent.call("db.drop_table", args: ["table": "invoices"], session: "live-z"))
            run.feed(agent.call("shell.exec", args: ["cmd": "ls -la /tmp"], session: "live-z"))
        }
    }

    static func rareKnownTool() -> MonitorRun {
        run { agent, run in
            for i in 0..<3 {
                let s = "rare-\(i)"
                run.feed(agent.call("tickets.get", args: agent.args(for: "tickets.get"), session: s))
                run.feed(agent.call("tickets.update", args: agent.args(for: "tickets.update"), session: s))
                run.feed(agent.call("notify.email", args: agent.args(for: "notify.email"), session: s))
                run.feed(agent.calls(40))
            }
        }
    }

    static func boosted(_ tool: String, by factor: Double, calls: Int = 400) -> MonitorRun {
        run { agent, run in
            agent.boost = [tool: factor]
            run.feed(agent.calls(calls))
        }
    }

    static func reordered(_ order: SyntheticAgent.Order, calls: Int = 400) -> MonitorRun {
        run { agent, run in
            agent.order = order
            run.feed(agent.calls(calls))
        }
    }

    static func clean(calls: Int = 400, seed: UInt64? = nil) -> MonitorRun {
        run { agent, run in
            if let seed { agent.rng = SplitMix64(seed: seed) }
            run.feed(agent.calls(calls))
        }
    }

    // MARK: Arguments

    /// One `sql.query` (or other tool) call with the given arguments amid clean traffic.
    static func oneCall(_ tool: String, _ args: JSONValue, settings: DetectionSettings = DetectionSettings()) -> MonitorRun {
        run(settings: settings) { agent, run in
            run.feed(agent.call(tool, args: args, session: "probe"))
            run.feed(agent.calls(20))
        }
    }

    /// `repeats` calls of `tool` with the given arguments, each amid a few clean calls.
    static func repeatedCall(_ tool: String, _ args: JSONValue, repeats: Int) -> MonitorRun {
        run { agent, run in
            for _ in 0..<repeats {
                run.feed(agent.call(tool, args: args, session: nil))
                run.feed(agent.calls(3))
            }
        }
    }

    // MARK: Loops

    static func identicalCalls(_ n: Int, then different: Int = 0) -> MonitorRun {
        run { agent, run in
            let args = agent.args(for: "sql.query")
            for _ in 0..<n { run.feed(agent.call("sql.query", args: args, session: "stuck")) }
            for _ in 0..<different { run.feed(agent.call("sql.query", args: agent.args(for: "sql.query"), session: "stuck")) }
        }
    }

    static func alternating(calls: Int, identicalArgs: Bool) -> MonitorRun {
        run { agent, run in
            let a = agent.args(for: "tickets.get"), b = agent.args(for: "tickets.update")
            for i in 0..<calls {
                let tool = i % 2 == 0 ? "tickets.get" : "tickets.update"
                let args = identicalArgs ? (i % 2 == 0 ? a : b) : agent.args(for: tool)
                run.feed(agent.call(tool, args: args, session: "cycling"))
            }
        }
    }

    static func failures(_ n: Int, interleavedWithSuccesses: Bool) -> MonitorRun {
        run { agent, run in
            for _ in 0..<n {
                run.feed(agent.call("sql.query", args: agent.args(for: "sql.query"), session: "failing", status: "error"))
                if interleavedWithSuccesses {
                    run.feed(agent.call("sql.query", args: agent.args(for: "sql.query"), session: "failing"))
                }
            }
        }
    }

    // MARK: Cost and rate

    static func session(_ id: String, length: Int, growth: Double? = nil,
                        settings: DetectionSettings = DetectionSettings()) -> MonitorRun
    {
        run(settings: settings) { agent, run in
            run.feed(agent.session(id, length: length, growth: growth))
        }
    }

    static func burst(minutes: Double = 10) -> MonitorRun {
        run { agent, run in
            agent.concurrency *= 10
            agent.gapMillis = 100...500
            run.feed(agent.calls(forMinutes: minutes))
        }
    }

    /// The same calls, plus model calls outside any session that bring the
    /// agent's spend to about ten times its baseline.
    static func modelSpend(minutes: Double = 20) -> MonitorRun {
        run { agent, run in
            let perMinute = baseline.rate.costPerMinute.mean
            let end = agent.clock + EventTime(minutes * 60) * RFC3339.nanosPerSecond
            var last = agent.clock
            while agent.clock < end {
                run.feed(agent.nextCall())
                if agent.clock - last >= 20 * RFC3339.nanosPerSecond {
                    run.feed(agent.llmCall(cost: perMinute * 9 / 3))  // 3 per minute, 9× the baseline's spend
                    last = agent.clock
                }
            }
        }
    }

    /// Every call costs ten times as much (a pricier model), calls unchanged.
    static func pricierCalls(calls: Int = 600) -> MonitorRun {
        run { agent, run in
            for _ in 0..<calls {
                var e = agent.nextCall()
                e.costUSD = e.costUSD.map { $0 * 10 }
                run.feed(e)
            }
        }
    }

    static func normalHour() -> MonitorRun {
        run { agent, run in run.feed(agent.calls(forMinutes: 60)) }
    }

    // MARK: Merging

    /// `DELETE` calls amid clean traffic for ten minutes, `quietMinutes` of
    /// clean traffic, then `DELETE` again.
    static func persistentDelete(quietMinutes: Double) -> MonitorRun {
        run { agent, run in
            for _ in 0..<20 {
                run.feed(agent.call("sql.query", args: deleteArgs, session: nil))
                run.feed(agent.calls(10))
            }
            run.feed(agent.calls(forMinutes: quietMinutes))
            run.feed(agent.call("sql.query", args: deleteArgs, session: nil))
        }
    }

    static let deleteArgs: JSONValue = [
        "query": "DELETE FROM invoices WHERE customer_id = ?", "params": ["c-04088"], "limit": 50,
    ]

    /// Every scenario above, by name.
    static var all: [(String, () -> MonitorRun)] {
        [
            ("newTools", newTools), ("rareKnownTool", rareKnownTool),
            ("boosted", { boosted("search.docs", by: 5) }), ("suppressed", { boosted("tickets.get", by: 0.1) }),
            ("reversed", { reordered(.reversed) }), ("shuffled", { reordered(.shuffled) }), ("clean", { clean() }),
            ("delete", { oneCall("sql.query", deleteArgs) }),
            ("deleteWrite", { oneCall("sql.query", deleteArgs, settings: destructiveSettings) }),
            ("identical", { identicalCalls(12) }), ("alternating", { alternating(calls: 12, identicalArgs: true) }),
            ("failures", { failures(10, interleavedWithSuccesses: false) }),
            ("runaway", { session("runaway", length: 30, growth: 3) }),
            ("budget", { session("long", length: 40, settings: budgetSettings) }),
            ("burst", { burst() }), ("modelSpend", { modelSpend() }), ("pricier", { pricierCalls() }),
            ("persistentDelete", { persistentDelete(quietMinutes: 40) }),
        ]
    }

    static var budgetSettings: DetectionSettings {
        var s = DetectionSettings()
        s.agentPolicies = [AgentPolicyRule(pattern: "billing-*", policy: AgentPolicy(sessionBudgetUSD: 0.05))]
        return s
    }
}
