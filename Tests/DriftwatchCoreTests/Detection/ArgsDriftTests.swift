import Testing
@testable import DriftwatchCore

/// drift.args: instant alerts on privilege escalation and far-out numbers
/// (design.md principle 3), sequential evidence for other novelty, and
/// silence where a field is free-form or the value is in range.
struct ArgsDriftTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var tool: String
        var args: JSONValue
        var finding: String?
        var path: String = ""
        var testDescription: String { name }
    }

    static let firing: [Case] = [
        Case(name: "DELETE where only SELECT was seen", tool: "sql.query", args: Scenario.deleteArgs,
             finding: "escalation", path: "query"),
        Case(name: "a number 10,000× the range", tool: "sql.query",
             args: ["query": "SELECT id FROM invoices WHERE id = ?", "params": ["c-00001"], "limit": 1_000_000],
             finding: "out_of_range", path: "limit"),
        Case(name: "a path outside src/", tool: "files.read", args: ["path": "/etc/shadow", "max_bytes": 4096],
             finding: "escalation", path: "path"),
    ]

    static let silent: [Case] = [
        Case(name: "a new word in a free-form query", tool: "search.docs", args: ["q": "kubernetes", "limit": 10]),
        Case(name: "a new phrase in a free-form query", tool: "search.docs",
             args: ["q": "why does the nightly export to the warehouse fail on sundays", "limit": 20]),
        Case(name: "a new note text", tool: "tickets.update",
             args: ["ticket_id": "T-99999", "status": "pending", "note": "Customer asked for a call back tomorrow morning"]),
        Case(name: "an in-range number", tool: "sql.query",
             args: ["query": "SELECT id FROM invoices WHERE id = ?", "params": ["c-00001"], "limit": 55]),
        Case(name: "a number above the range but within its spread", tool: "sql.query",
             args: ["query": "SELECT id FROM invoices WHERE id = ?", "params": ["c-00001"], "limit": 300]),
        Case(name: "a new file under src/", tool: "files.read", args: ["path": "src/payments/refund.swift", "max_bytes": 2048]),
        Case(name: "a new enum-like id", tool: "tickets.get", args: ["ticket_id": "T-00000"]),
    ]

    @Test(arguments: firing)
    func argumentChangeFires(_ c: Case) throws {
        let run = Scenario.oneCall(c.tool, c.args)
        let alerts = run.alerts.of(.driftArgs)
        #expect(alerts.count == 1, "\(run.alerts.kinds)")
        let alert = try #require(alerts.first)
        #expect(alert.severity == .warning)
        #expect(run.events[alert.seq]?.args == c.args)
        #expect(alert.evidence["tool"] == .string(c.tool))
        let findings = try #require(alert.evidence["findings"]?.arrayValue)
        #expect(findings.contains { $0["finding"]?.stringValue == c.finding && $0["path"]?.stringValue == c.path },
                "\(findings)")
        #expect(alert.message.contains(c.path))
    }

    static let newKeyArgs: JSONValue = [
        "query": "SELECT id FROM invoices WHERE id = ?", "params": ["c-00001"], "limit": 50, "dry_run": false,
    ]

    /// A new key is evidence, not proof: once is the near-miss, a run of them fires.
    @Test func aNewKeyOnceIsSilent() {
        #expect(Scenario.oneCall("sql.query", Self.newKeyArgs).alerts.of(.driftArgs).isEmpty)
    }

    @Test func aNewKeyInManyCallsFiresOnceWithTheKeyNamed() throws {
        let run = Scenario.repeatedCall("sql.query", Self.newKeyArgs, repeats: 12)
        let alerts = run.alerts.of(.driftArgs)
        #expect(alerts.count == 1, "\(run.alerts.kinds)")
        let alert = try #require(alerts.first)
        #expect(alert.score > alert.threshold)
        let findings = try #require(alert.evidence["findings"]?.arrayValue)
        #expect(findings.contains { $0["finding"] == "new_argument" && $0["path"] == "dry_run" }, "\(findings)")
    }

    @Test func deleteFindingNamesWhatWasSeenAndExpected() throws {
        let run = Scenario.oneCall("sql.query", Scenario.deleteArgs)
        let finding = try #require(run.alerts.of(.driftArgs).first?.evidence["findings"]?.arrayValue?.first)
        #expect(finding["finding"] == "escalation")
        #expect(finding["seen"] == "sql:DELETE")
        #expect(finding["expected"]?["sql:SELECT"]?.doubleValue == Double(Scenario.baseline.tools["sql.query"]!.calls))
    }

    @Test func outOfRangeFindingCarriesTheBaselineRange() throws {
        let run = Scenario.oneCall("sql.query", Self.firing.first { $0.finding == "out_of_range" }!.args)
        let finding = try #require(run.alerts.of(.driftArgs).first?.evidence["findings"]?.arrayValue?.first)
        #expect(finding["seen"]?.doubleValue == 1_000_000)
        #expect(finding["baseline_min"]?.doubleValue == 10)
        #expect(finding["baseline_max"]?.doubleValue == 100)
    }

    @Test func argumentChangeOnADestructiveToolIsCritical() throws {
        var settings = DetectionSettings()
        settings.toolClasses = ToolClassifier(rules: [("sql.*", .destructive)])
        let run = Scenario.oneCall("sql.query", Scenario.deleteArgs, settings: settings)
        #expect(try #require(run.alerts.of(.driftArgs).first).severity == .critical)
    }

    @Test(arguments: silent)
    func ordinaryVariationIsSilent(_ c: Case) {
        let run = Scenario.oneCall(c.tool, c.args)
        #expect(run.alerts.isEmpty, "\(run.alerts.map(\.message))")
    }

    @Test func freeFormFieldIsOpenAndEnumerationsAreClosed() {
        let b = Scenario.baseline
        #expect(b.tools["search.docs"]!.paths["q"]!.open)
        #expect(!b.tools["tickets.update"]!.paths["status"]!.open)
        #expect(Set(b.tools["tickets.update"]!.paths["status"]!.classes.keys) == ["word:open", "word:pending", "word:resolved"])
        #expect(Set(b.tools["sql.query"]!.paths["query"]!.classes.keys) == ["sql:SELECT"])
    }
}
