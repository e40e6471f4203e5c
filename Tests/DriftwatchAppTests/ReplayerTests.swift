import Foundation
import Testing
@testable import DriftwatchApp
@testable import DriftwatchCore

/// `driftwatch replay` (spec §3): deterministic, rejects bad lines with their
/// number and field, and goes on.
struct ReplayerTests {
    static let trained = trainedAgent()

    /// Clean calls with misbehaviours mixed in, and the bad lines a real file has.
    static func input() -> (text: String, good: [Event], badLines: [Int: String]) {
        var agent = trained.0
        var good = agent.calls(300)
        good.insert(agent.call("db.drop_table", args: ["table": "invoices"], session: "live-x"), at: 100)
        let loopArgs = agent.args(for: "sql.query")
        let loop = (0..<12).map { _ in agent.call("sql.query", args: loopArgs, session: "stuck") }
        good.insert(contentsOf: loop, at: 150)
        good.append(agent.call("sql.query", args: ["query": "DELETE FROM invoices", "params": ["c-1"], "limit": 50], session: nil))
        good += agent.calls(50)
        var lines = good.map(\.ndjson)
        // Bad lines, at their final (1-based) line numbers, with the field the error must name.
        let ts = RFC3339.format(good[40].ts!)
        let bad: [(Int, String, String)] = [
            (5, "{not json", ""),
            (42, #"{"ts":"\#(ts)","agent":"billing-bot","tool":"sql.query","cost_usd":-1}"#, "cost_usd"),
            (77, #"{"agent":"billing-bot","tool":"sql.query","session":"s-1"}"#, "ts"),
            (78, #"{"ts":"\#(ts)","tool":"sql.query"}"#, "agent"),
            (200, #"{"ts":"yesterday","agent":"billing-bot","tool":"sql.query"}"#, "ts"),
            (201, "[1,2,3]", ""),
        ]
        for (n, line, _) in bad { lines.insert(line, at: n - 1) }
        lines.insert("", at: 300)  // blank lines are skipped, but counted
        // CRLF line endings are accepted.
        return (lines.joined(separator: "\n").replacingCRLF(at: 10) + "\n", good,
                Dictionary(uniqueKeysWithValues: bad.map { ($0.0, $0.2) }))
    }

    static func replay(_ text: String, into dir: TemporaryDirectory, output: String,
                       maxLineBytes: Int = LineSplitter.defaultMaxLineBytes) throws -> (ReplaySummary, [String])
    {
        let inputPath = try dir.write("input.ndjson", text)
        let rejected = Lines()
        var replayer = Replayer(monitor: Monitor(baselines: [trained.1]), output: try OutputStream(creating: dir.file(output)),
                                maxLineBytes: maxLineBytes, reject: rejected.add)
        try replayer.replay(try FileInput(path: inputPath), label: nil)
        try replayer.finish()
        return (replayer.summary, rejected.all)
    }

    /// The alert lines a Monitor gives for `events` processed directly, numbered from 1.
    static func directOutput(_ events: [Event]) -> String {
        var monitor = Monitor(baselines: [trained.1])
        var expected = ""
        for (i, e) in events.enumerated() {
            for alert in monitor.process(e, seq: Int64(i + 1)) {
                var w = JSONWriter()
                w.write(alert.json)
                expected += w.string + "\n"
            }
        }
        return expected
    }

    @Test func replayTwiceGivesByteIdenticalOutput() throws {
        let dir = try TemporaryDirectory()
        let (text, _, _) = Self.input()
        _ = try Self.replay(text, into: dir, output: "a.ndjson")
        _ = try Self.replay(text, into: dir, output: "b.ndjson")
        let a = try dir.read("a.ndjson"), b = try dir.read("b.ndjson")
        #expect(!a.isEmpty)
        #expect(a == b)
    }

    @Test func rejectedLinesNameTheLineAndTheField() throws {
        let dir = try TemporaryDirectory()
        let (text, _, bad) = Self.input()
        let (summary, rejected) = try Self.replay(text, into: dir, output: "out.ndjson")
        #expect(rejected.count == bad.count, "\(rejected)")
        #expect(summary.rejected == bad.count)
        for (line, message) in zip(bad.keys.sorted(), rejected) {
            #expect(message.hasPrefix("line \(line): "), "\(message)")
            let field = bad[line]!
            if !field.isEmpty { #expect(message.contains("\"\(field)\""), "\(message)") }
        }
        #expect(summary.rejectedByReason["missing_field"] == 2)
        #expect(summary.rejectedByReason["invalid_json"] == 1)
    }

    @Test func summaryCountsEventsRejectsAndAlertsByKind() throws {
        let dir = try TemporaryDirectory()
        let (text, good, bad) = Self.input()
        let (summary, _) = try Self.replay(text, into: dir, output: "out.ndjson")
        #expect(summary.events == good.count)
        #expect(summary.lines == good.count + bad.count + 1)
        #expect(summary.agents == 1)
        // The output holds exactly the alerts the summary counts, one JSON object per line.
        let lines = String(decoding: try dir.read("out.ndjson"), as: UTF8.self).split(separator: "\n")
        var kinds: [String: Int] = [:]
        for line in lines {
            let alert = try JSONScanner.parse(String(line))
            kinds[alert["kind"]!.stringValue!, default: 0] += 1
        }
        #expect(kinds == summary.alertsByKind)
        #expect(summary.alerts == lines.count)
        #expect(kinds["drift.new_tool"] == 1)
        #expect(kinds["drift.args"] == 1)
        #expect((kinds["loop.repeat"] ?? 0) >= 1)
        let text2 = summary.text(seconds: 1)
        #expect(text2.contains("events: \(good.count)"))
        #expect(text2.contains("rejected lines: \(bad.count)"))
    }

    @Test func replayEqualsProcessingTheEventsDirectly() throws {
        let dir = try TemporaryDirectory()
        let (text, good, _) = Self.input()
        _ = try Self.replay(text, into: dir, output: "out.ndjson")
        #expect(String(decoding: try dir.read("out.ndjson"), as: UTF8.self) == Self.directOutput(good))
    }

    @Test func overlongLineIsRejectedAndTheRunGoesOn() throws {
        let dir = try TemporaryDirectory()
        var agent = Self.trained.0
        var lines = agent.calls(20).map(\.ndjson)
        let long = agent.call("search.docs", args: ["q": .string(String(repeating: "a ", count: 3000))], session: "x")
        lines.insert(long.ndjson, at: 5)
        let (summary, rejected) = try Self.replay(lines.joined(separator: "\n"), into: dir, output: "out.ndjson", maxLineBytes: 4096)
        #expect(rejected.count == 1)
        #expect(rejected.first?.hasPrefix("line 6: line is longer than the limit of 4096 bytes") == true, "\(rejected)")
        #expect(summary.events == 20)
        #expect(summary.rejectedByReason == ["too_long": 1])
    }

    // MARK: call_id idempotency (spec §1)

    /// The audit's repro: 25 copies of one call (same agent and call_id) are one event, as
    /// in `serve`; before, they raised loop.repeat and opened the breaker.
    @Test func copiesOfOneCallIDAreCountedOnceAndRaiseNothing() throws {
        let dir = try TemporaryDirectory()
        let line = #"{"ts":"2026-11-20T10:00:00Z","agent":"bot","session":"s","call_id":"same","tool":"sql.query","args":{"q":1}}"#
        let text = Array(repeating: line, count: 25).joined(separator: "\n") + "\n"
        let inputPath = try dir.write("dup.ndjson", text)
        let rejected = Lines()
        var replayer = Replayer(monitor: Monitor(), output: try OutputStream(creating: dir.file("out.ndjson")), reject: rejected.add)
        try replayer.replay(try FileInput(path: inputPath), label: nil)
        try replayer.finish()
        #expect(replayer.summary.events == 1)
        #expect(replayer.summary.duplicates == 24)
        #expect(replayer.summary.lines == 25)
        #expect(rejected.all.isEmpty)
        #expect(try dir.read("out.ndjson").isEmpty)
        #expect(replayer.summary.text(seconds: 1).contains("duplicates: 24"))
    }

    /// Duplicates are dropped before detection: the output equals the de-duplicated
    /// events processed directly, with consecutive seqs.
    @Test func duplicatesAreSkippedBeforeDetection() throws {
        let dir = try TemporaryDirectory()
        var agent = Self.trained.0
        var good = agent.calls(200)
        for i in good.indices { good[i].callID = "c-\(i)" }
        var lines = good.map(\.ndjson)
        // Retried deliveries: earlier lines again, later in the stream (same agent and call_id,
        // even with a later ts), and one call_id reused by another agent, which is not a duplicate.
        var retried = good[30]
        retried.ts = good[120].ts
        lines.insert(retried.ndjson, at: 121)
        lines.insert(good[10].ndjson, at: 150)
        lines.insert(good[150].ndjson, at: 180)
        var other = good[5]
        other.agent = "other-bot"
        lines.append(other.ndjson)
        let (summary, rejected) = try Self.replay(lines.joined(separator: "\n"), into: dir, output: "out.ndjson")
        #expect(rejected.isEmpty)
        #expect(summary.duplicates == 3)
        #expect(summary.events == good.count + 1)
        #expect(String(decoding: try dir.read("out.ndjson"), as: UTF8.self) == Self.directOutput(good + [other]))
    }

    @Test func aRejectedLineDoesNotTakeItsCallID() throws {
        let dir = try TemporaryDirectory()
        let text = """
            {"agent":"bot","call_id":"x","tool":"t"}
            {"ts":"2026-11-20T10:00:00Z","agent":"bot","call_id":"x","tool":"t"}
            {"ts":"2026-11-20T10:00:01Z","agent":"bot","call_id":"x","tool":"t"}
            {"ts":"2026-11-20T10:00:02Z","agent":"bot","tool":"t"}
            {"ts":"2026-11-20T10:00:03Z","agent":"bot","tool":"t"}
            """
        let (summary, rejected) = try Self.replay(text, into: dir, output: "out.ndjson")
        #expect(rejected.count == 1)
        #expect(summary.events == 3)  // the first valid "x", and both calls without a call_id
        #expect(summary.duplicates == 1)
    }

    @Test func aDuplicateFartherBackThanTheWindowIsCountedAgain() throws {
        let dir = try TemporaryDirectory()
        let lines = (0..<6).map { #"{"ts":"2026-11-20T10:00:0\#($0)Z","agent":"bot","call_id":"c\#($0)","tool":"t"}"# }
        // c0 again after five other call_ids (window 4: gone), c5 again at once (still there).
        let text = (lines + [lines[0], lines[5]]).joined(separator: "\n")
        let path = try dir.write("in.ndjson", text)
        var replayer = Replayer(monitor: Monitor(), output: try OutputStream(creating: dir.file("o")), callIDWindow: 4,
                                reject: { _ in })
        try replayer.replay(try FileInput(path: path), label: nil)
        #expect(replayer.summary.events == 7)
        #expect(replayer.summary.duplicates == 1)
    }

    // MARK: what is not NDJSON

    @Test func aGzipFileIsRefusedWithOneMessageNamingZcat() throws {
        let dir = try TemporaryDirectory()
        // gzip's magic (1f 8b), then compressed-looking bytes with newlines among them.
        var bytes: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]
        var x: UInt64 = 12345
        for _ in 0..<20_000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            bytes.append(UInt8(truncatingIfNeeded: x >> 56))
        }
        let path = dir.file("events.ndjson.gz")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let rejected = Lines()
        var replayer = Replayer(monitor: Monitor(), output: try OutputStream(creating: dir.file("o")), reject: rejected.add)
        #expect {
            try replayer.replay(try FileInput(path: path), label: nil)
        } throws: { error in
            let text = "\(error)"
            return error is IOError && text.contains("gzip") && text.contains("zcat \(path) | driftwatch replay -")
        }
        #expect(rejected.all.isEmpty)
        #expect(replayer.summary.events == 0)
    }

    @Test func aByteOrderMarkBeforeTheFirstLineIsSkipped() throws {
        let dir = try TemporaryDirectory()
        let text = "\u{FEFF}" + #"{"ts":"2026-11-20T10:00:00Z","agent":"bot","tool":"t"}"# + "\n"
            + #"{"ts":"2026-11-20T10:00:01Z","agent":"bot","tool":"t"}"#
        let (summary, rejected) = try Self.replay(text, into: dir, output: "out.ndjson")
        #expect(rejected.isEmpty, "\(rejected)")
        #expect(summary.events == 2)
    }

    /// Claude Code sends no time with a hook payload; replay says how to record one usable.
    @Test func aHookPayloadWithoutATimeIsRejectedWithTheFix() throws {
        let dir = try TemporaryDirectory()
        let post = #"{"hook_event_name":"PostToolUse","session_id":"s","tool_name":"Bash","tool_input":{"command":"ls"}"#
        let text = post + "}\n" + post + #","timestamp":"2026-11-20T10:00:00Z"}"# + "\n"
        let (summary, rejected) = try Self.replay(text, into: dir, output: "out.ndjson")
        #expect(summary.events == 1 && summary.rejected == 1)
        #expect(rejected == [#"line 1: "ts" is required in replay: event time is the clock (a Claude Code hook payload needs a "timestamp" member, added when it is recorded)"#])
    }

    @Test func labelPrefixesRejections() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("in.ndjson", "{\n")
        let rejected = Lines()
        var replayer = Replayer(monitor: Monitor(), output: try OutputStream(creating: dir.file("o")), reject: rejected.add)
        try replayer.replay(try FileInput(path: path), label: "in.ndjson")
        #expect(rejected.all.count == 1 && rejected.all[0].hasPrefix("in.ndjson: line 1: "))
    }
}

extension String {
    /// Turns the `n`-th `\n` (1-based) into `\r\n`.
    func replacingCRLF(at n: Int) -> String {
        var count = 0
        var out = ""
        for c in self {
            if c == "\n" {
                count += 1
                if count == n { out += "\r\n"; continue }
            }
            out.append(c)
        }
        return out
    }
}
