import Foundation
import Testing
@testable import DriftwatchApp
@testable import DriftwatchCore

/// Baseline files on disk: safe names, lossless save/load, and the same
/// detections from a loaded baseline as from the learned one.
struct BaselineFilesTests {
    @Test(arguments: ["../etc/passwd", "a/b", ".hidden", "..", ".", "été-bot", "a\u{0}b", "🤖 agent", "a%2Fb", "a b", "C:\\x"])
    func fileNameIsAPlainSafeName(_ agent: String) {
        let name = BaselineFiles.fileName(for: agent)
        #expect(!name.contains("/"))
        #expect(!name.contains("\u{0}"))
        #expect(!name.hasPrefix("."))
        #expect(name.hasSuffix(".json"))
        #expect(name.utf8.allSatisfy { $0 >= 0x21 && $0 < 0x7F })
        #expect(name != ".json" && name != "..json")
    }

    @Test func fileNamesAreDistinctForDistinctAgents() {
        let agents = ["../etc/passwd", "a/b", "a%2Fb", "a%2fb", ".hidden", "%2Ehidden", "hidden", "a\u{0}b", "a\u{0}", "a",
                      "é", "e\u{301}", "billing-bot", "billing_bot", "billing.bot", "Billing-bot"]
        let names = agents.map(BaselineFiles.fileName(for:))
        #expect(Set(names).count == agents.count, "\(names)")
        #expect(BaselineFiles.fileName(for: "billing-bot") == "billing-bot.json")
    }

    @Test func saveThenLoadAllRoundTrips() throws {
        let dir = try TemporaryDirectory()
        let b = trainedAgent().1
        var other = b
        other.agent = "../etc/passwd"
        try BaselineFiles.save(b, in: dir.path)
        try BaselineFiles.save(other, in: dir.path)
        #expect(try dir.names() == ["%2E.%2Fetc%2Fpasswd.json", "billing-bot.json"])
        let loaded = try BaselineFiles.loadAll(from: dir.path)
        #expect(loaded.count == 2)
        #expect(loaded.first { $0.agent == "billing-bot" } == b)
        #expect(loaded.first { $0.agent == "../etc/passwd" } == other)
        #expect(String(decoding: try dir.read("billing-bot.json"), as: UTF8.self) == b.fileText)
    }

    /// Learn → save → loadAll → replay the same continuation: the same alerts
    /// as with the baseline kept in memory.
    @Test func loadedBaselineDetectsExactlyLikeTheLearnedOne() throws {
        let dir = try TemporaryDirectory()
        let (agent0, learned) = trainedAgent(seed: 9)
        try BaselineFiles.save(learned, in: dir.path)
        let loaded = try BaselineFiles.loadAll(from: dir.path)

        var agent = agent0
        var events = agent.calls(300)
        agent.boost = ["files.read": 4]
        events += agent.calls(300)
        agent.boost = [:]
        events.append(agent.call("db.drop_table", args: ["t": "x"], session: "z"))
        let args = agent.args(for: "tickets.get")
        events += (0..<10).map { _ in agent.call("tickets.get", args: args, session: "stuck") }
        events += agent.session("runaway", length: 20, growth: 3)

        var inMemory = MonitorRun(baselines: [learned])
        var fromFile = MonitorRun(baselines: loaded)
        inMemory.feed(events)
        fromFile.feed(events)
        #expect(inMemory.alerts.count >= 4, "\(inMemory.alerts.kinds)")
        #expect(fromFile.alerts == inMemory.alerts)
    }

    @Test func learningFromAnNDJSONFileEqualsLearningInMemory() throws {
        let dir = try TemporaryDirectory()
        var agent = SyntheticAgent(seed: 42)
        let events = agent.calls(3000) + agent.closeSessions()
        let path = try dir.write("history.ndjson", events.map(\.ndjson).joined(separator: "\n") + "\n")
        let rejected = Lines()
        var learner = BaselineLearner(reject: rejected.add)
        try learner.learn(try FileInput(path: path), label: nil)
        let learned = learner.finish()
        #expect(rejected.all.isEmpty)
        #expect(learned == [trainedAgent(seed: 42).1])
    }

    /// A baseline learned from history with retried deliveries (same agent and call_id)
    /// equals the one learned without them (spec §1: a duplicate is counted once).
    @Test func learningSkipsDuplicateCallIDs() throws {
        let dir = try TemporaryDirectory()
        var agent = SyntheticAgent(seed: 42)
        var events = agent.calls(3000) + agent.closeSessions()
        for i in events.indices { events[i].callID = "call-\(i)" }
        var lines = events.map(\.ndjson)
        for i in stride(from: 2900, through: 100, by: -200) { lines.insert(lines[i], at: i + 1) }
        let path = try dir.write("history.ndjson", lines.joined(separator: "\n") + "\n")
        var learner = BaselineLearner(reject: { _ in })
        try learner.learn(try FileInput(path: path), label: nil)
        #expect(learner.duplicates == 15)
        #expect(learner.events == events.count)
        #expect(learner.finish() == [trainedAgent(seed: 42).1])
    }

    @Test func learningFromAGzipFileFailsOnceNamingZcat() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("history.ndjson.gz")
        try Data([0x1F, 0x8B, 0x08, 0x00, 0x0A, 0x7B, 0x0A, 0xFF]).write(to: URL(fileURLWithPath: path))
        let rejected = Lines()
        var learner = BaselineLearner(reject: rejected.add)
        #expect {
            try learner.learn(try FileInput(path: path), label: nil)
        } throws: { error in
            "\(error)".contains("zcat \(path) | driftwatch baseline learn - --out DIR")
        }
        #expect(rejected.all.isEmpty)
        #expect(learner.events == 0)
    }

    /// A directory that cannot be made is named as the user wrote it, without `//`.
    @Test func anUnwritableOutputDirectoryIsNamedAsWritten() throws {
        let b = trainedAgent(calls: 200).1
        for (out, named) in [("/proc/nope", "/proc/nope"), ("/proc/nope/", "/proc/nope"), ("/proc//nope/deeper", "/proc/nope")] {
            #expect {
                try BaselineFiles.save(b, in: out)
            } throws: { error in
                let text = "\(error)"
                return text.hasPrefix(named + ": mkdir failed") && !text.contains("//")
            }
        }
        let dir = try TemporaryDirectory()
        try BaselineFiles.save(b, in: dir.path + "/a//b/")
        #expect(FileManager.default.fileExists(atPath: dir.path + "/a/b/billing-bot.json"))
        #expect(BaselineFiles.path(of: "x.json", in: "bl/") == "bl/x.json")
        #expect(BaselineFiles.path(of: "x.json", in: "/") == "/x.json")
    }

    @Test func malformedBaselineFileIsRejectedNamingFileAndField() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("bad.json", #"{"format":"driftwatch.baseline/1","agent":"a","events":"many"}"#)
        do {
            _ = try BaselineFiles.loadAll(from: dir.path)
            Issue.record("loaded a malformed baseline")
        } catch {
            let text = "\(error)"
            #expect(text.contains(path) && text.contains("\"events\""), "\(text)")
        }
    }

    /// Spec §1 allows agent names of up to 128 bytes, any non-control
    /// characters. Percent-encoding triples each non-ASCII byte, so a
    /// 128-byte name in a non-Latin script becomes a 389-byte file name,
    /// over NAME_MAX (255): `baseline learn` cannot save that agent's baseline.
    @Test func longestNonASCIIAgentNameCanBeSaved() throws {
        let dir = try TemporaryDirectory()
        var b = trainedAgent(calls: 200).1
        b.agent = String(repeating: "é", count: 64)  // 128 bytes: the longest name spec §1 allows
        #expect(b.agent.utf8.count == EventDecoder.maxAgentBytes)
        #expect(BaselineFiles.fileName(for: b.agent).utf8.count <= 255)
        try BaselineFiles.save(b, in: dir.path)
        let loaded = try BaselineFiles.loadAll(from: dir.path)
        #expect(loaded.map(\.agent) == [b.agent])
        #expect(loaded == [b])
    }
}
