#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import DriftwatchApp
@testable import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore
import Synchronization
import Testing

/// `driftwatch serve` as a real process on loopback: every ingest path, alerts through
/// the API, restart, hostile input, bad configuration, and `kill -9` durability.
@Suite(.enabled(if: ServeProcess.binary != nil, "the driftwatch executable is not built (run swift build first)"),
       .serialized)
struct ServeEndToEndTests {
    /// The test's directory: the store, baselines, config and the child's stderr live here.
    let dir: TemporaryDirectory

    init() throws { dir = try TemporaryDirectory() }

    func getJSON(_ server: ServeProcess, _ path: String, token: String? = nil) async throws -> (Int, JSONValue) {
        let r = try await server.request(.get, path, token: token)
        return (r.statusCode, (try? parseJSON(r.body)) ?? .null)
    }

    /// Polls until `condition` holds (stdin is asynchronous), generously for a loaded machine.
    func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for \(what)")
    }

    func storedEvents(_ path: String) throws -> [String: Int] {
        // Read-write, so that opening recovers the WAL of a killed server, as a restart would.
        let db = try Database(path: path)
        var counts: [String: Int] = [:]
        for (agent, n) in try db.fetchAll("SELECT agent, count(*) FROM events GROUP BY agent", row: { ($0.text(at: 0) ?? "", $0.int(at: 1)) }) {
            counts[agent] = n
        }
        return counts
    }

    @Test func ingestsOverEveryPathRaisesAlertsAndKeepsEverythingAcrossARestart() async throws {
        let (clean, baseline) = trainedAgent(name: "e2e-bot")
        _ = clean
        try FileManager.default.createDirectory(atPath: dir.file("baselines"), withIntermediateDirectories: true)
        try BaselineFiles.save(baseline, in: dir.file("baselines"))
        _ = try dir.write("config.json", #"{"learning":{"min_calls":50}}"#)
        let args = ["--db", dir.file("dw.db"), "--baselines", dir.file("baselines"), "--config", dir.file("config.json"), "--stdin"]
        let server = try await ServeProcess.serve(args, in: dir.path, stdin: true)

        // 1. NDJSON: normal traffic for the baselined agent, then a never-seen tool.
        var agent = SyntheticAgent(name: "e2e-bot", seed: 99)
        let normal = try await server.request(.post, "/v1/events", body: ndjson(agent.calls(30)), contentType: "application/x-ndjson")
        #expect(normal.statusCode == 202)
        let burst = #"{"agent":"e2e-bot","tool":"db.drop_table","session":"s-evil","call_id":"evil-1","args":{"table":"invoices"}}"#
        #expect(try await server.request(.post, "/v1/events", body: Array(burst.utf8)).statusCode == 202)
        // 2. A JSON array.
        let array = #"[{"agent":"array-bot","tool":"t","call_id":"a1"},{"agent":"array-bot","tool":"u","call_id":"a2"}]"#
        let arrayReply = try parseJSON(try await server.request(.post, "/v1/events", body: Array(array.utf8), contentType: "application/json").body)
        #expect(arrayReply["accepted"] == 2)
        // 3. OTLP/HTTP JSON.
        #expect(try await server.request(.post, "/v1/traces", body: Array(otlpExport.utf8), contentType: "application/json").statusCode == 200)
        // 4. Claude Code hook.
        let hook = #"{"hook_event_name":"PostToolUse","session_id":"cc1","tool_name":"Read","tool_input":{"file_path":"/etc/hosts"},"tool_use_id":"tu-1"}"#
        let hookReply = try await server.request(.post, "/v1/hooks/claude-code?agent=cc-bot", body: Array(hook.utf8), contentType: "application/json")
        #expect(hookReply.statusCode == 200)
        // 5. stdin, then end of input (the service keeps serving).
        var learner = SyntheticAgent(name: "stdin-bot", seed: 5)
        server.writeStdin(ndjson(learner.calls(60)) + [0x0A])
        server.closeStdin()
        try await eventually("stdin events") {
            try await getJSON(server, "/v1/agents/stdin-bot").1["events"] == 60
        }

        let (status, alerts) = try await getJSON(server, "/v1/alerts?agent=e2e-bot&kind=drift.new_tool")
        #expect(status == 200)
        let newTool = try #require(alerts["alerts"]?.arrayValue?.first)
        #expect(newTool["evidence"] != nil && newTool["agent"] == "e2e-bot")
        let agents = try #require(try await getJSON(server, "/v1/agents").1["agents"]?.arrayValue)
        #expect(Set(agents.compactMap { $0["agent"]?.stringValue }) == ["e2e-bot", "array-bot", "otel-agent", "cc-bot", "stdin-bot"])
        // 60 calls with min_calls 50: stdin-bot learned its baseline online.
        #expect(try await getJSON(server, "/v1/agents/stdin-bot").1["state"] == "monitoring")
        let metrics = String(decoding: try await server.request(.get, "/metrics").body, as: UTF8.self)
        #expect(metrics.contains("driftwatch_alerts_total{kind=\"drift.new_tool\"}"))
        #expect(try await server.stop() == 0)
        #expect(server.stderr.contains("stopped"))

        // Restart on the same store, without the baselines directory: events, alerts,
        // counters and the online-learned baseline are all still there.
        let restarted = try await ServeProcess.serve(["--db", dir.file("dw.db"), "--config", dir.file("config.json")], in: dir.path)
        let again = try await getJSON(restarted, "/v1/alerts?agent=e2e-bot&kind=drift.new_tool")
        #expect(again.1["alerts"]?.arrayValue?.first?["id"] == newTool["id"])
        #expect(try await getJSON(restarted, "/v1/agents/stdin-bot").1["state"] == "monitoring")
        #expect(try await getJSON(restarted, "/v1/agents/array-bot").1["events"] == 2)
        #expect(try await restarted.stop() == 0)
        let stored = try storedEvents(dir.file("dw.db"))
        #expect(stored == ["e2e-bot": 31, "array-bot": 2, "otel-agent": 1, "cc-bot": 1, "stdin-bot": 60])
    }

    @Test func badInputIsAnsweredClearlyAndTheServiceKeepsServing() async throws {
        _ = try dir.write("config.json", """
            {"limits":{"max_body_bytes":65536},
             "tokens":{"ingest":"ingest-token-0123456789","viewer":"viewer-token-0123456789"}}
            """)
        let server = try await ServeProcess.serve(["--db", dir.file("dw.db"), "--config", dir.file("config.json")], in: dir.path)
        let token = "ingest-token-0123456789"
        let good = #"{"agent":"ok-bot","tool":"t","call_id":"g1"}"#
        #expect(try await server.request(.post, "/v1/events", body: Array(good.utf8), token: token).statusCode == 202)

        // Bad token, no token.
        #expect(try await server.request(.post, "/v1/events", body: Array(good.utf8), token: "nope-nope-nope-nope").statusCode == 401)
        #expect(try await server.request(.post, "/v1/events", body: Array(good.utf8)).statusCode == 401)
        // Malformed JSON, wrong types and invalid UTF-8, line by line.
        var mixed = Array("{\"agent\":\"ok-bot\",\"tool\":\"t\",\"call_id\":\"g2\"}\n{oops\n{\"agent\":\"ok-bot\",\"tool\":7}\n{\"agent\":\"ok-bot\",\"tool\":\"".utf8)
        mixed += [0xC3, 0x28] + Array("\"}\n".utf8)
        let mixedReply = try await server.request(.post, "/v1/events", body: mixed, token: token)
        #expect(mixedReply.statusCode == 202)
        let reply = try parseJSON(mixedReply.body)
        #expect(reply["accepted"] == 1 && reply["rejected"] == 3)
        #expect(reply["errors"]?.arrayValue?.map { $0["line"] } == [2, 3, 4])
        // 413 over the body limit.
        let huge = [UInt8](repeating: 0x20, count: 70_000)
        let tooLarge = try await server.request(.post, "/v1/events", body: huge, token: token)
        #expect(tooLarge.statusCode == 413)
        // gzip bodies: accepted as their content, and 413 when 248 bytes decompress past the
        // configured limit (75,000 bytes > 65,536); a coding we do not decode is 415.
        let gzip: HTTPHeaders = ["Content-Encoding": "gzip"]
        let gzipped = try await server.request(.post, "/v1/events", body: GzipIngestTests.ndjsonGzip, token: token, headers: gzip)
        #expect(gzipped.statusCode == 202)
        let bomb = HexEncoding.decode("""
            1f8b0800000000000203edc9b10d40001405c0de18af6601db908882f8cdefc4ee8ca1b8f27277967dbb3a73ea98d6ea8ce9aaf373\
            e7196e6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a\
            6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5\
            d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6b\
            adb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6badb5d65a6b7fb92f78ba40e6f8240100
            """)!
        let inflated = try await server.request(.post, "/v1/events", body: bomb, token: token, headers: gzip)
        #expect(inflated.statusCode == 413)
        #expect(String(decoding: inflated.body, as: UTF8.self).contains("body limit of 65536 bytes"))
        let brotli = try await server.request(.post, "/v1/traces", body: [1, 2, 3], contentType: "application/json",
                                              token: token, headers: ["Content-Encoding": "br"])
        #expect(brotli.statusCode == 415 && brotli.headers["Accept-Encoding"] == "gzip, identity")
        // 431: oversized header section.
        let bigHeader = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: \(String(repeating: "a", count: 20_000))\r\n\r\n"
        #expect(try await server.raw(Array(bigHeader.utf8)).hasPrefix("HTTP/1.1 431"))
        // Truncated body: the client promises 100 bytes, sends 10 and goes away.
        let truncated = "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Length: 100\r\n\r\n{\"agent\":"
        let answer = try await server.raw(Array(truncated.utf8), halfClose: true)
        #expect(!answer.hasPrefix("HTTP/1.1 202"), "a truncated body must never be acknowledged")
        // Still serving, and nothing acknowledged is lost.
        #expect(try await server.request(.get, "/healthz").statusCode == 200)
        let agent = try await getJSON(server, "/v1/agents/ok-bot", token: "viewer-token-0123456789")
        #expect(agent.0 == 200 && agent.1["events"] == 2)
        #expect(try await server.stop() == 0)
        #expect(try storedEvents(dir.file("dw.db")) == ["ok-bot": 2, "gz-bot": 40])
    }

    @Test func anUnknownConfigurationKeyExits65NamingItsPath() async throws {
        _ = try dir.write("config.json", #"{"retention":{"dayz":3}}"#)
        let process = try ServeProcess(["serve", "--config", dir.file("config.json"), "--db", dir.file("dw.db")], in: dir.path)
        #expect(try await process.waitForExit() == 65)
        #expect(process.stderr.contains("retention.dayz"))
    }

    @Test func aNonLoopbackAddressWithoutTokensExits64() async throws {
        let process = try ServeProcess(["serve", "--listen", "0.0.0.0:0", "--db", dir.file("dw.db")], in: dir.path)
        #expect(try await process.waitForExit() == 64)
        #expect(process.stderr.contains("without tokens"))
        let help = try ServeProcess(["serve", "--help"], in: dir.path)
        #expect(try await help.waitForExit() == 0)
    }

    @Test func killDashNineDuringSustainedIngestLosesNothingAcknowledged() async throws {
        let db = dir.file("dw.db")
        let server = try await ServeProcess.serve(["--db", db], in: dir.path)
        let shared = IngestClients()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<3 {
                group.addTask {
                    var n = 0
                    while !shared.stop.load(ordering: .relaxed) {
                        let ids = (0..<200).map { "k\(client)-\(n)-\($0)" }
                        let body = ids.map { #"{"agent":"kill-bot","tool":"t","call_id":"\#($0)"}"# }.joined(separator: "\n")
                        n += 1
                        do {
                            let r = try await server.request(.post, "/v1/events", body: Array(body.utf8))
                            if r.statusCode == 202 { shared.acknowledged.withLock { $0.formUnion(ids) } }
                        } catch {
                            return  // the server is gone
                        }
                    }
                }
            }
            // Keep ingesting for a while (at least 1.5 s and a few thousand acknowledged), then crash it.
            let started = Date()
            let deadline = started.addingTimeInterval(30)
            while (shared.acknowledged.withLock({ $0.count }) < 3000 || Date() < started.addingTimeInterval(1.5))
                && Date() < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await server.kill9()
            shared.stop.store(true, ordering: .relaxed)
            try await group.waitForAll()
        }
        let acked = shared.acknowledged.withLock { $0 }
        #expect(acked.count >= 3000)
        let stored = try Set(Database(path: db).fetchAll("SELECT call_id FROM events WHERE agent = 'kill-bot'") { $0.text(at: 0) ?? "" })
        let lost = acked.subtracting(stored)
        #expect(lost.isEmpty, "\(lost.count) acknowledged events missing after kill -9")
        print("kill -9: \(acked.count) events acknowledged, \(stored.count) stored, \(lost.count) lost")
        // And the store opens again for a new server.
        let restarted = try await ServeProcess.serve(["--db", db], in: dir.path)
        #expect(try await restarted.request(.get, "/healthz").statusCode == 200)
        #expect(try await restarted.stop() == 0)
    }
}

/// What the kill -9 test's clients share: the call ids acknowledged with 202, and a stop flag.
final class IngestClients: Sendable {
    let acknowledged = Mutex<Set<String>>([])
    let stop = Atomic<Bool>(false)
}
