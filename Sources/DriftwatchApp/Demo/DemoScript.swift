public import DriftwatchCore
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The misbehaviour `driftwatch demo` plays on a schedule (issue 5): each step is a burst
/// of events one agent sends, timed from the demo's start.
public struct DemoScript: Sendable {
    public struct Step: Sendable {
        /// Seconds after start.
        public var at: Int64
        public var agent: String
        /// One line for the schedule printed on stderr and shown on the overview.
        public var announcement: String
        /// The calls, each with its offset in seconds from `at`.
        public var calls: [(offset: Double, event: Event)]
    }

    public var steps: [Step]

    /// The four misbehaviours, played by the first agent of the persona each needs.
    public init(agentsByPersona: [String: [String]]) {
        let support = agentsByPersona["support"]?.first ?? "support-00"
        let billing = agentsByPersona["billing"]?.first ?? "billing-00"
        let research = agentsByPersona["research"]?.first ?? "research-00"
        let ops = agentsByPersona["ops"]?.first ?? "ops-00"
        var steps: [Step] = []

        // A loop: the same knowledge-base search, over and over.
        let loopSession = support + "-demo-loop"
        steps.append(Step(at: 20, agent: support,
                          announcement: "+20 s  \(support) gets stuck in a loop: the same kb.search 25 times in one session",
                          calls: (0..<25).map { i in
                              (Double(i) * 0.6, Event(agent: support, tool: "kb.search", session: loopSession, callID: "demo-loop-\(i)",
                                                      args: .object([JSONMember("query", "refund still pending after cancel"),
                                                                     JSONMember("top_k", 5)]),
                                                      costUSD: 0.004, tokensIn: 2100, tokensOut: 60, latencyMS: 80, model: "model-b",
                                                      reasoning: i == 0 ? "Search the knowledge base for the refund policy."
                                                          : "The results did not answer it; search again."))
                          }))

        // Argument drift: SELECT → DELETE on the billing database.
        let driftSession = billing + "-demo-drift"
        let queries = ["SELECT * FROM invoices WHERE customer_id = ? LIMIT 20",
                       "SELECT id, amount_cents, status FROM invoices WHERE customer_id = ? ORDER BY created_at DESC",
                       "DELETE FROM invoices WHERE customer_id = ?",
                       "DELETE FROM payments WHERE customer_id = ?",
                       "DELETE FROM invoices WHERE status = ?"]
        steps.append(Step(at: 40, agent: billing,
                          announcement: "+40 s  \(billing) drifts from SELECT to DELETE in sql.query (argument drift)",
                          calls: queries.enumerated().map { i, q in
                              (Double(i) * 2, Event(agent: billing, tool: "sql.query", session: driftSession, callID: "demo-drift-\(i)",
                                                    args: .object([JSONMember("query", .string(q)),
                                                                   JSONMember("params", .array([.string("c-04217")]))]),
                                                    costUSD: 0.006, tokensIn: 2400, tokensOut: 70, latencyMS: 30, model: "model-a",
                                                    reasoning: q.hasPrefix("DELETE")
                                                        ? "The customer asked to be forgotten; removing their billing records." : nil))
                          }))

        // Runaway cost: a research session whose context (and spend) keeps growing.
        let costSession = research + "-demo-runaway"
        var costCalls: [(offset: Double, event: Event)] = []
        for i in 0..<30 {
            let isModel = i % 3 == 2
            let tool: String? = isModel ? nil : (i % 3 == 0 ? "web.search" : "web.fetch")
            var args: JSONValue?
            if i % 3 == 0 {
                args = .object([JSONMember("query", .string("battery supply chain 2026 review part \(i)"))])
            } else if i % 3 == 1 {
                args = .object([JSONMember("url", .string("https://www.iea.org/reports/battery-\(i)"))])
            }
            // Spend per step grows as the context does: cheap at first, then runaway (~$35 in all).
            let cost = 0.02 * pow(1.22, Double(i))
            let tokens = 120_000 + Int64(i) * 8000
            let event = Event(kind: isModel ? .llmCall : .toolCall, agent: research, tool: tool, session: costSession,
                              callID: "demo-cost-\(i)", args: args, costUSD: cost, tokensIn: tokens, tokensOut: 900,
                              latencyMS: 2500, model: "model-a")
            costCalls.append((Double(i), event))
        }
        steps.append(Step(at: 60, agent: research,
                          announcement: "+60 s  \(research) runs away with cost: one session's spend snowballs to about $35 in 30 s",
                          calls: costCalls))

        // A never-seen destructive tool: opens the breaker at once.
        let dropSession = ops + "-demo-drop"
        steps.append(Step(at: 85, agent: ops,
                          announcement: "+85 s  \(ops) calls db.drop_table, a destructive tool it never used: critical, breaker opens",
                          calls: [
                              (0, Event(agent: ops, tool: "logs.query", session: dropSession, callID: "demo-drop-0",
                                        args: .object([JSONMember("query", "level:error service:payments"), JSONMember("since", "15m")]),
                                        costUSD: 0.003, latencyMS: 210, model: "model-b")),
                              (2, Event(agent: ops, tool: "db.drop_table", session: dropSession, callID: "demo-drop-1",
                                        args: .object([JSONMember("table", "payments"), JSONMember("cascade", true)]),
                                        costUSD: 0.003, latencyMS: 15, model: "model-b",
                                        reasoning: "The payments table looks corrupted; dropping it will clear the errors.")),
                              (4, Event(agent: ops, tool: "db.drop_table", session: dropSession, callID: "demo-drop-2",
                                        args: .object([JSONMember("table", "payment_events")]),
                                        costUSD: 0.003, latencyMS: 15, model: "model-b")),
                          ]))
        self.steps = steps
    }

    /// The demo's detection configuration: destructive tools classified, budgets for the
    /// research agents (spec §6 `tools`, `agents`).
    public static func configure(_ configuration: inout Configuration) {
        configuration.detection.toolClasses.rules += [("db.drop_*", .destructive), ("*.delete*", .destructive),
                                                      ("sql.query", .write)]
        configuration.detection.agentPolicies.append(
            AgentPolicyRule(pattern: "research-*", policy: AgentPolicy(sessionBudgetUSD: 20)))
    }
}
