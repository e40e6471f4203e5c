import Testing
@testable import DriftwatchApp
import DriftwatchCore
import DriftwatchStore

/// Mode, budget and tool-class changes made in the configuration, and replaced
/// baseline files, are audited at start, once per change, with before and after.
struct ConfigurationAuditTests {
    static func configuration(mode: String) throws -> Configuration {
        try Configuration(bytes: Array("""
            {"agents": {"billing-*": {"mode": "\(mode)", "budgets": {"session_usd": 5}}}, "tools": {"db.drop_*": "destructive"}}
            """.utf8))
    }

    static func rows(_ db: Database) throws -> [(action: String, detail: String)] {
        try db.fetchAll("SELECT action, detail FROM audit ORDER BY id") { ($0.text(at: 0) ?? "", $0.text(at: 1) ?? "") }
    }

    @Test func aModeChangeIsAuditedOnceWithBeforeAndAfter() throws {
        let db = try Database(path: ":memory:")
        try Schema.migrator.migrate(db)
        var baseline = Baseline(agent: "billing-1")
        baseline.toolCalls = 10
        try db.transaction { try ConfigurationAudit.record(Self.configuration(mode: "warn"), baselines: [baseline], at: 1, in: $0) }
        try db.transaction { try ConfigurationAudit.record(Self.configuration(mode: "warn"), baselines: [baseline], at: 2, in: $0) }
        #expect(try Self.rows(db).map(\.action) == ["configuration.policies", "baseline.file"], "an unchanged start adds nothing")

        try db.transaction { try ConfigurationAudit.record(Self.configuration(mode: "enforce"), baselines: [baseline], at: 3, in: $0) }
        let rows = try Self.rows(db)
        #expect(rows.map(\.action) == ["configuration.policies", "baseline.file", "configuration.policies"])
        let detail = try JSONScanner.parse(rows[2].detail)
        #expect(detail["before"]?["agents"]?.arrayValue?.first?["mode"] == "warn")
        #expect(detail["after"]?["agents"]?.arrayValue?.first?["mode"] == "enforce")

        baseline.toolCalls = 11  // a replaced baseline file
        try db.transaction { try ConfigurationAudit.record(Self.configuration(mode: "enforce"), baselines: [baseline], at: 4, in: $0) }
        #expect(try Self.rows(db).map(\.action).last == "baseline.file")
        #expect(try AuditStore.verify(in: db).firstBreak == nil)
    }
}
