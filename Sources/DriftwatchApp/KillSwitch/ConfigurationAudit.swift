import DriftwatchCore
import DriftwatchStore

/// Audits, at `serve` start, what people change outside the API: the agents'
/// enforcement modes and budgets and the tool classes (they decide whether a
/// breaker can fire), and the baseline files. Each is compared with its last
/// audited value and a row is appended only when it changed, with the before
/// and after, so the chain records every change made by editing the
/// configuration or replacing a baseline file.
enum ConfigurationAudit {
    static let policiesAction = "configuration.policies"
    static let baselineAction = "baseline.file"

    /// The policy-relevant part of the configuration, canonical.
    static func policies(_ c: Configuration) -> JSONValue {
        .object([
            JSONMember("agents", .array(c.detection.agentPolicies.map { rule in
                .object([
                    JSONMember("pattern", .string(rule.pattern)),
                    JSONMember("mode", rule.policy.mode.map { .string($0.rawValue) } ?? .null),
                    JSONMember("session_usd", rule.policy.sessionBudgetUSD.map(JSONValue.number) ?? .null),
                    JSONMember("hour_usd", rule.policy.hourBudgetUSD.map(JSONValue.number) ?? .null),
                ])
            })),
            JSONMember("tools", .array(c.detection.toolClasses.rules.map {
                .object([JSONMember("pattern", .string($0.pattern)), JSONMember("class", .string($0.toolClass.rawValue))])
            })),
        ])
    }

    /// - Throws: `SQLiteError`.
    static func record(_ configuration: Configuration, baselines: [Baseline], at now: Int64, in db: Database) throws {
        try appendIfChanged(action: policiesAction, subject: "configuration", value: policies(configuration), at: now, in: db)
        for b in baselines.sorted(by: { $0.agent < $1.agent }) {
            let digest = HexEncoding.encode(SHA256.hash(Array(b.fileText.utf8)))
            let value: JSONValue = ["sha256": .string(digest), "tool_calls": .number(Double(b.toolCalls))]
            try appendIfChanged(action: baselineAction, subject: b.agent, value: value, at: now, in: db)
        }
    }

    private static func appendIfChanged(action: String, subject: String, value: JSONValue, at now: Int64, in db: Database) throws {
        let canonical = value.canonicalString
        let previous = try AuditStore.latest(action: action, subject: subject, in: db)
        let before = previous.flatMap { try? JSONScanner.parse($0.detail)["after"] }
        if let before, before.canonicalString == canonical { return }
        try AuditStore.append(tsNS: now, actor: "configuration", role: "system", action: action, subject: subject,
                              detail: .object([JSONMember("before", before ?? .null), JSONMember("after", value)]), in: db)
    }
}
