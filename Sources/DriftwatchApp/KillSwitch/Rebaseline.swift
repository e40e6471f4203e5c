public import DriftwatchCore
public import DriftwatchStore

/// "Accept recent behaviour as new baseline" (design.md § Baselines): a human
/// decision, shown as a diff first, applied atomically and audited.
public enum Rebaseline {
    /// Tool calls of recent behaviour a proposal is learned from, at most.
    public static let recentCalls = 5000

    /// What accepting would change: the baseline in force (if any), the one
    /// learned from the agent's recent stored events, and the readable diff.
    public struct Proposal: Sendable {
        public var agent: String
        public var current: Baseline?
        public var proposed: Baseline
        public var diff: String
    }

    /// Learns a proposal from the agent's most recent stored events.
    /// - Throws: `SQLiteError`; returns nil when the agent has no stored tool calls.
    public static func propose(agent: String, pipeline: IngestPipeline, store: any DatabaseWriter) async throws -> Proposal? {
        let events = try await store.read { db in try EventStore.recentEvents(agent: agent, limit: recentCalls, in: db) }
        var builder = BaselineBuilder(agent: agent)
        for e in events {
            guard let ts = e.ts else { continue }
            builder.add(e, features: e.tool.map { ArgsFeatures(tool: $0, args: e.args) }, at: ts)
        }
        let proposed = builder.finish()
        guard proposed.toolCalls > 0 else { return nil }
        let current = pipeline.withMonitor { $0.baseline(for: agent) }
        let diff = current.map { BaselineReport.diff($0, proposed) } ?? "no baseline in force yet\n" + BaselineReport.show(proposed)
        return Proposal(agent: agent, current: current, proposed: proposed, diff: diff)
    }

    /// Makes `proposal.proposed` the agent's approved baseline in the monitor
    /// and the store, and audits it with the actor and a digest of both files,
    /// in one transaction.
    public static func accept(_ proposal: Proposal, by actor: AuditActor, pipeline: IngestPipeline, now: Int64) async throws {
        let proposed = proposal.proposed
        let before = proposal.current.map { HexEncoding.encode(SHA256.hash(Array($0.fileText.utf8))) }
        let after = HexEncoding.encode(SHA256.hash(Array(proposed.fileText.utf8)))
        try await pipeline.withWriter { monitor, db in
            monitor.adoptBaseline(proposed)
            try BaselineStore.upsert(proposed, approved: true, createdNS: now, in: db)
            try AuditStore.append(tsNS: now, actor: actor.name, role: actor.role, action: "baseline.accepted", subject: proposed.agent,
                                  detail: .object([
                                      JSONMember("before_sha256", before.map(JSONValue.string) ?? .null),
                                      JSONMember("after_sha256", .string(after)),
                                      JSONMember("tool_calls", .number(Double(proposed.toolCalls))),
                                  ]), in: db)
        }
    }
}
