import Testing
@testable import DriftwatchCore

/// The quantiles thresholds are derived from, against published table values.
struct StatisticsTests {
    @Test(arguments: [
        (0.975, 1.959964), (0.5, 0.0), (0.95, 1.644854), (0.001, -3.090232), (0.01, -2.326348),
        (1e-6, -4.753424), (0.999999, 4.753424), (0.02425, -1.972961), (0.84134474606, 1.0),
    ])
    func normalQuantileMatchesTables(p: Double, z: Double) {
        #expect(abs(Distributions.normalQuantile(p) - z) < 2e-6)
        #expect(abs(Distributions.normalUpperQuantile(1 - p) - z) < 2e-6)
    }

    @Test(arguments: [
        (0.025, 10.0, 2.228139), (0.05, 1.0, 6.313752), (0.05, 5.0, 2.015048), (0.005, 30.0, 2.749996),
        (0.025, 2.0, 4.302653), (0.001, 4.0, 7.173182), (0.1, 20.0, 1.325341), (0.025, 1e7, 1.959964),
    ])
    func studentTUpperQuantileMatchesTables(p: Double, nu: Double, t: Double) {
        #expect(abs(Distributions.studentTUpperQuantile(p, degreesOfFreedom: nu) - t) < 2e-5 * max(t, 1))
    }

    @Test func studentTTailIsHeavierThanNormalAndShrinksTowardsIt() {
        let z = Distributions.normalUpperQuantile(1e-6)
        let ts = [2.0, 5, 30, 1000].map { Distributions.studentTUpperQuantile(1e-6, degreesOfFreedom: $0) }
        #expect(zip(ts, ts.dropFirst()).allSatisfy { $0 > $1 })
        #expect(ts.last! > z && ts.last! - z < 0.05)
    }

    @Test func runningStatsMeanAndSampleVariance() {
        var s = RunningStats()
        for x in [2.0, 4, 4, 4, 5, 5, 7, 9] { s.add(x) }
        #expect(s.count == 8)
        #expect(s.mean == 5)
        #expect(abs(s.variance - 32.0 / 7) < 1e-12)
        #expect(s.min == 2 && s.max == 9)
        #expect(abs(s.standardDeviation - (32.0 / 7).squareRoot()) < 1e-12)
    }

    @Test func runningStatsIsStableForLargeOffsets() {
        var s = RunningStats()
        for x in [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16] { s.add(x) }
        #expect(s.mean == 1e9 + 10)
        #expect(abs(s.variance - 30) < 1e-6)
    }

    @Test func runningStatsEdgeCases() {
        var s = RunningStats()
        #expect(s.variance == 0 && s.count == 0)
        s.add(3)
        #expect(s.variance == 0 && s.mean == 3)
        #expect(s.predictiveUpperBound(alpha: 0.01) == nil)
    }

    @Test func predictiveUpperBoundUsesStudentT() throws {
        var s = RunningStats()
        for x in [1.0, 2, 3, 4, 5, 6] { s.add(x) }
        let bound = try #require(s.predictiveUpperBound(alpha: 0.025, minCount: 5))
        let expected = 3.5 + 2.570582 * s.standardDeviation * (1 + 1.0 / 6).squareRoot()
        #expect(abs(bound - expected) < 1e-4)
        #expect(s.predictiveUpperBound(alpha: 0.025, minCount: 7) == nil)
    }
}

/// String shape classes (design.md § Baselines).
struct StringShapeTests {
    @Test(arguments: [
        ("SELECT id FROM invoices WHERE x = 1", "sql:SELECT"),
        ("select * from customers where id = ?", "sql:SELECT"),
        ("delete from invoices where id = ?", "sql:DELETE"),
        ("DELETE FROM invoices", "sql:DELETE"),
        ("DROP TABLE users", "sql:DROP"),
        ("UPDATE t SET a = 1", "sql:UPDATE"),
        ("INSERT INTO t VALUES (1)", "sql:INSERT"),
        ("Select the best option", "text:medium"),
        ("/etc/passwd", "path:/etc"),
        ("/", "path:/"),
        ("src/app/main.swift", "path:src"),
        ("~/.ssh/id_rsa", "path:~"),
        ("../secrets.txt", "path:.."),
        ("./scripts/run.sh", "path:scripts"),
        ("https://api.example.com/v1/x?y=1", "url:https://api.example.com"),
        ("HTTPS://API.Example.com", "url:https://api.example.com"),
        ("https://user:pw@evil.example.org/x", "url:https://evil.example.org"),
        ("c-1@Example.com", "email:@example.com"),
        ("0a744be8-68ab-4c1e-9f3a-1234567890ab", "uuid"),
        ("deadbeefdeadbeef", "hex"),
        ("Pending", "word:pending"),
        ("resolved", "word:resolved"),
        ("c-04088", "id:a-9"),
        ("T-12345", "id:a-9"),
        ("12345", "id:9"),
        ("README.md", "file"),
        ("rm -rf /var/lib/x", "cmd:rm"),
        ("git push --force", "cmd:git"),
        ("hello world", "text:short"),
        ("the quick brown fox jumps", "text:medium"),
        (Array(repeating: "word", count: 16).joined(separator: " "), "text:long"),
        ("", "empty"),
        ("   ", "blank"),
        (String(repeating: "x", count: 300), "long"),
    ])
    func classifies(_ input: String, _ expected: String) {
        #expect(StringShape.classify(input) == expected)
    }

    @Test func textLengthBucketsAtTheirBounds() {
        func words(_ n: Int) -> String { Array(repeating: "word", count: n).joined(separator: " ") }
        #expect([2, 3, 4, 15, 16].map { StringShape.classify(words($0)) }
            == ["text:short", "text:short", "text:medium", "text:medium", "text:long"])
    }

    /// A new class escalates when it can do more than the field's baseline classes, and a
    /// dangerous command or a SQL schema/privilege change always does: the held-out
    /// scenarios had `rm -rf` and `sudo` pass unalerted after `curl` health checks.
    @Test(arguments: [
        ("cmd:rm", 2, true), ("cmd:sudo", 2, true), ("cmd:rm", 1, true), ("cmd:ls", 1, false), ("cmd:ls", 0, true),
        ("sql:DROP", 3, true), ("sql:DELETE", 2, false), ("sql:DELETE", 1, true), ("sql:SELECT", 1, false),
        ("path:/usr", 2, false), ("path:/etc", 0, true), ("path:/tmp", 1, false), ("word:open", 0, false),
    ])
    func escalation(_ shapeClass: String, _ baseline: Int, _ escalates: Bool) {
        #expect(StringShape.escalates(to: shapeClass, over: baseline) == escalates)
    }
}

/// Argument features: fingerprints for loops, leaves for argument profiles.
struct ArgsFeaturesTests {
    @Test func fingerprintIgnoresKeyOrderAtEveryDepth() throws {
        let a = try JSONScanner.parse(#"{"a":1,"b":{"c":"x","d":[1,{"e":true,"f":null}]}}"#)
        let b = try JSONScanner.parse(#"{"b":{"d":[1,{"f":null,"e":true}],"c":"x"},"a":1}"#)
        #expect(ArgsFeatures(tool: "t", args: a).fingerprint == ArgsFeatures(tool: "t", args: b).fingerprint)
    }

    @Test(arguments: [
        #"{"a":2}"#, #"{"a":"1"}"#, #"{"b":1}"#, #"{"a":1,"b":1}"#, #"{"a":[1]}"#, #"{"a":null}"#, #"{"a":true}"#, "1", "null",
    ])
    func fingerprintDiffersForDifferentArguments(_ other: String) throws {
        let base = ArgsFeatures(tool: "t", args: ["a": 1]).fingerprint
        #expect(ArgsFeatures(tool: "t", args: try JSONScanner.parse(other)).fingerprint != base)
    }

    @Test func fingerprintDependsOnToolAndArrayOrder() {
        #expect(ArgsFeatures(tool: "t", args: ["a": 1]).fingerprint != ArgsFeatures(tool: "u", args: ["a": 1]).fingerprint)
        #expect(ArgsFeatures(tool: "t", args: [1, 2]).fingerprint != ArgsFeatures(tool: "t", args: [2, 1]).fingerprint)
        #expect(ArgsFeatures(tool: "t", args: nil).fingerprint != ArgsFeatures(tool: "t", args: [:]).fingerprint)
        // Stable across runs: the same input always hashes alike.
        #expect(ArgsFeatures(tool: "t", args: ["a": 1]).fingerprint == ArgsFeatures(tool: "t", args: ["a": 1]).fingerprint)
    }

    @Test func leavesAreDottedPathsWithShapeClasses() throws {
        let args = try JSONScanner.parse(#"{"query":"SELECT 1 FROM t","filter":{"status":"open","limit":50},"ids":["c-1","c-2",7]}"#)
        let leaves = ArgsFeatures(tool: "t", args: args).leaves
        let byPath = leaves.map { "\($0.path)=\($0.shapeClass)" }
        #expect(byPath == [
            "query=sql:SELECT", "filter=object", "filter.status=word:open", "filter.limit=num:+",
            "ids=array", "ids[]=id:a-9", "ids[]=num:+",
        ])
        #expect(leaves.first { $0.path == "filter.limit" }?.number == 50)
    }

    @Test func hostileArgumentsAreBounded() {
        var deep: JSONValue = "x"
        for _ in 0..<100 { deep = ["k": deep] }
        #expect(ArgsFeatures(tool: "t", args: deep).leaves.count <= ArgsFeatures.maxDepth)
        let wide = JSONValue.object((0..<1000).map { JSONMember("k\($0)", .number(Double($0))) })
        #expect(ArgsFeatures(tool: "t", args: wide).leaves.count == ArgsFeatures.maxPaths)
    }
}

/// Figures as messages, reports and pages print them.
struct FormatTests {
    @Test(arguments: [(Int64(0), "0"), (123, "123"), (1234, "1,234"), (-123, "-123"), (-1234567, "-1,234,567")])
    func groupsThousands(_ n: Int64, _ text: String) {
        #expect(Format.grouped(n) == text)
    }

    @Test func fixedDecimals() {
        #expect(Format.fixed(0.1234, 2) == "0.12")
        #expect(Format.fixed(-0.004, 2) == "0.00")
        #expect(Format.fixed(1234.5, 1) == "1,234.5")
    }
}
