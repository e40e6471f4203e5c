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

/// A webhook receiver on loopback (a real `HTTPServer` on port 0): records every
/// request, answering 200.
final class WebhookReceiver: Sendable {
    final class Log: Sendable {
        let requests = Mutex<[HTTPRequest]>([])
        var all: [HTTPRequest] { requests.withLock { $0 } }
    }

    let server: HTTPServer
    let log: Log

    init(port: Int = 0, log: Log = Log()) throws {
        self.log = log
        server = try HTTPServer(configuration: .init(host: "127.0.0.1", port: port), responder: ClosureResponder { request in
            log.requests.withLock { $0.append(request) }
            return .json("{}")
        }, log: { _ in })
    }

    var url: String { "http://127.0.0.1:\(server.port)/kill" }

    /// Serves while `body` runs.
    func serving<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.server.run() }
            do {
                let result = try await body()
                await server.shutdown()
                try await group.waitForAll()
                return result
            } catch {
                await server.shutdown()
                throw error
            }
        }
    }
}

/// Runs `driftwatch ARGS` to completion with `stdin`, capturing its exit code and output.
func runDriftwatch(_ arguments: [String], stdin: String = "", in directory: String) async throws -> (Int32, String, String) {
    guard let binary = ServeProcess.binary else { throw ServeTestFailure("driftwatch binary not built") }
    return try await blocking {
        let id = UUID().uuidString.prefix(8)
        let (inPath, outPath, errPath) = (directory + "/cli-\(id).in", directory + "/cli-\(id).out", directory + "/cli-\(id).err")
        _ = FileManager.default.createFile(atPath: inPath, contents: Data(stdin.utf8))
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let child = try ChildProcess(binary, arguments, in: directory, stdinPath: inPath, stdoutPath: outPath, stderrPath: errPath)
        let status = child.waitForExit()
        return (status, (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}

@Suite(.enabled(if: ServeProcess.binary != nil, "the driftwatch executable is not built (run swift build first)"), .serialized)
struct KillSwitchEndToEndTests {
    let dir: TemporaryDirectory
    static let secret = "kill-switch-secret-0123456789"

    init() throws { dir = try TemporaryDirectory() }

    func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting for \(what)")
    }

    /// A baselined agent, its baseline file, and a configuration with the receiver's webhook.
    func setUp(agent name: String, webhook: String, extra: String = "") throws -> (SyntheticAgent, [String]) {
        let (agent, baseline) = trainedAgent(name: name)
        try FileManager.default.createDirectory(atPath: dir.file("baselines"), withIntermediateDirectories: true)
        try BaselineFiles.save(baseline, in: dir.file("baselines"))
        _ = try dir.write("config.json", """
            {"webhooks":[{"url":"\(webhook)","secret":"\(Self.secret)"}],
             "tools":{"db.drop_*":"destructive"},
             "breaker":{"cooldown_s":1,"probe_calls":2}\(extra)}
            """)
        return (agent, ["--db", dir.file("dw.db"), "--baselines", dir.file("baselines"), "--config", dir.file("config.json")])
    }

    /// A never-seen destructive tool: critical at once, so the breaker opens.
    func destructiveCall(_ agent: String, at ts: EventTime) -> [UInt8] {
        Array(#"{"agent":"\#(agent)","tool":"db.drop_table","session":"evil","ts":"\#(RFC3339.format(ts))","args":{"table":"invoices"}}"#.utf8)
    }

    func verifiedBody(_ r: HTTPRequest) throws -> JSONValue {
        let header = try #require(r.headers["X-Driftwatch-Signature"])
        try WebhookSignature.verify(header: header, secret: Array(Self.secret.utf8), body: r.body, now: Int64(Date().timeIntervalSince1970))
        #expect(r.headers["Content-Type"] == "application/json")
        let body = try parseJSON(r.body)
        #expect(r.headers["X-Driftwatch-Event-Id"] == body["id"]?.stringValue)
        return body
    }

    @Test func aMisbehavingAgentFiresOneSignedOpenBlocksItsGatesThenHalfOpensAndCloses() async throws {
        let receiver = try WebhookReceiver()
        try await receiver.serving {
            var (agent, args) = try setUp(agent: "ks-bot", webhook: receiver.url)
            let server = try await ServeProcess.serve(args, in: dir.path)
            #expect(try await server.request(.post, "/v1/events", body: ndjson(agent.calls(20))).statusCode == 202)
            let openedAt = agent.clock + 100_000_000
            #expect(try await server.request(.post, "/v1/events", body: destructiveCall("ks-bot", at: openedAt)).statusCode == 202)

            try await eventually("the breaker.open webhook") { !receiver.log.all.isEmpty }
            let open = try verifiedBody(try #require(receiver.log.all.first))
            #expect(open["type"] == "breaker.open")
            #expect(open["agent"] == "ks-bot")
            #expect(open["alert"]?["kind"] == "drift.new_tool")
            #expect(open["alert"]?["severity"] == "critical")
            #expect(open["breaker"]?["state"] == "open")
            #expect(open["breaker"]?["mode"] == "enforce")

            let (checkCode, checkOut, _) = try await runDriftwatch(["check", "--agent", "ks-bot", "--server", server.base], in: dir.path)
            #expect(checkCode == 3, "check: \(checkOut)")
            #expect(checkOut.hasPrefix("ks-bot: open"))
            let pre = #"{"hook_event_name":"PreToolUse","session_id":"cc-1","tool_name":"Bash","tool_input":{"command":"ls"}}"#
            let (hookCode, _, hookErr) = try await runDriftwatch(["hook", "claude-code", "--server", server.base, "--agent", "ks-bot"],
                                                                 stdin: pre, in: dir.path)
            #expect(hookCode == 2)
            #expect(hookErr.contains("circuit breaker for ks-bot is open"))
            // The http hook route answers deny too.
            let http = try parseJSON(try await server.request(.post, "/v1/hooks/claude-code?agent=ks-bot", body: Array(pre.utf8),
                                                              contentType: "application/json").body)
            #expect(http["hookSpecificOutput"]?["permissionDecision"] == "deny")

            // Quiet calls after the 1 s cool-down (event time): half-open, then two quiet probes close it.
            #expect(try await server.request(.post, "/v1/events", body: ndjson(agent.calls(12))).statusCode == 202)
            try await eventually("the breaker.closed webhook") { receiver.log.all.count >= 2 }
            let closed = try verifiedBody(receiver.log.all[1])
            #expect(closed["type"] == "breaker.closed")
            let (afterCode, _, afterErr) = try await runDriftwatch(["check", "--agent", "ks-bot", "--server", server.base], in: dir.path)
            #expect(afterCode == 0 && afterErr.isEmpty, "\(afterErr)")
            // A misspelled name is closed too, but says that it guards nothing.
            let (typoCode, typoOut, typoErr) = try await runDriftwatch(["check", "--agent", "ks-bto", "--server", server.base],
                                                                       in: dir.path)
            #expect(typoCode == 0 && typoOut.hasPrefix("ks-bto: closed"), "\(typoOut)")
            #expect(typoErr.contains("knows no agent ks-bto (no recent events, baseline or breaker); is the name right?"), "\(typoErr)")
            let typo = try parseJSON(try await server.request(.get, "/v1/agents/ks-bto/breaker").body)
            #expect(typo["known"] == false)
            #expect(try parseJSON(try await server.request(.get, "/v1/agents/ks-bot/breaker").body)["known"] == true)
            let alerts = try parseJSON(try await server.request(.get, "/v1/alerts?agent=ks-bot&kind=breaker").body)
            let kinds = (alerts["alerts"]?.arrayValue ?? []).compactMap { $0["kind"]?.stringValue }.reversed()
            #expect(Array(kinds) == ["breaker.open", "breaker.half_open", "breaker.closed"])
            #expect(try await server.stop() == 0)
            // Exactly one delivery per transition (half-open is not subscribed by default).
            #expect(receiver.log.all.count == 2)
        }
        let (code, out, _) = try await runDriftwatch(["audit", "verify", "--db", dir.file("dw.db")], in: dir.path)
        #expect(code == 0)
        // The configured policies and the baseline file at start, then open, half-open, closed.
        #expect(out.hasPrefix("audit log OK: 5 rows"), "\(out)")
    }

    @Test func deliveriesSurviveAReceiverOutageAndARestartInOrderAndNoneTwice() async throws {
        // Learn a free port, then leave nothing listening on it: the receiver is down.
        let port = try WebhookReceiver().server.port
        var (agent, args) = try setUp(agent: "ks-bot", webhook: "http://127.0.0.1:\(port)/kill",
                                      extra: #","delivery":{"initial_backoff_s":1,"max_backoff_s":1}"#)
        var server = try await ServeProcess.serve(args, in: dir.path)
        #expect(try await server.request(.post, "/v1/events", body: ndjson(agent.calls(10))).statusCode == 202)
        #expect(try await server.request(.post, "/v1/events", body: destructiveCall("ks-bot", at: agent.clock + 1)).statusCode == 202)
        // An operator resets it, then trips it again: three deliveries queued for one agent.
        for action in ["reset", "trip"] {
            let r = try await server.request(.post, "/v1/agents/ks-bot/breaker",
                                             body: Array(#"{"action":"\#(action)","reason":"e2e \#(action)"}"#.utf8),
                                             contentType: "application/json")
            #expect(r.statusCode == 200)
        }
        try await eventually("failed attempts") {
            let d = try parseJSON(try await server.request(.get, "/v1/webhooks/deliveries?state=pending").body)
            return (d["deliveries"]?.arrayValue ?? []).contains { ($0["attempts"]?.doubleValue ?? 0) >= 2 }
        }
        let pending = try parseJSON(try await server.request(.get, "/v1/webhooks/deliveries").body)
        #expect(pending["counts"]?["pending"] == 3)
        #expect(try await server.stop() == 0)

        // Receiver up; driftwatch restarted on the same store.
        let receiver = try WebhookReceiver(port: port)
        try await receiver.serving {
            server = try await ServeProcess.serve(args, in: dir.path)
            try await eventually("three deliveries") { receiver.log.all.count >= 3 }
            // Give a duplicate a chance to show up.
            try await Task.sleep(for: .milliseconds(1500))
            let bodies = try receiver.log.all.map(verifiedBody)
            #expect(bodies.count == 3)
            #expect(Set(bodies.compactMap { $0["id"]?.stringValue }).count == 3)
            #expect(bodies.compactMap { $0["type"]?.stringValue } == ["breaker.open", "breaker.closed", "breaker.open"])
            #expect(bodies.last?["breaker"]?["reason"]?.stringValue?.contains("e2e trip") == true)
            // The tripped breaker survived the restart.
            let (code, out, _) = try await runDriftwatch(["check", "--agent", "ks-bot", "--server", server.base], in: dir.path)
            #expect(code == 3, "check: \(out)")
            #expect(try await server.stop() == 0)
        }

        // Audit: open + reset + trip by the operator, chained; an edit by hand is named.
        let (okCode, okOut, _) = try await runDriftwatch(["audit", "verify", "--db", dir.file("dw.db")], in: dir.path)
        #expect(okCode == 0, "\(okOut)")
        let db = try Database(path: dir.file("dw.db"))
        let roles = try db.fetchAll("SELECT action, role FROM audit ORDER BY id") { "\($0.text(at: 0) ?? ""):\($0.text(at: 1) ?? "")" }
        // The restart with the same configuration and baseline file adds no configuration rows.
        #expect(roles == ["configuration.policies:system", "baseline.file:system", "breaker.open:system", "breaker.reset:open",
                          "breaker.trip:open"])
        try db.execute("DROP TRIGGER audit_no_update")
        try db.execute("UPDATE audit SET role = 'system' WHERE id = 4")
        let (badCode, badOut, _) = try await runDriftwatch(["audit", "verify", "--db", dir.file("dw.db")], in: dir.path)
        #expect(badCode == 65)
        #expect(badOut.contains("BROKEN at row 4"))
    }

    /// An operator's trip stops even a learning agent (observe mode), fires the kill switch,
    /// survives a restart and holds until reset; a session's own breaker gates that session
    /// only; a breaker whose cool-down ran out reads half-open without a new event.
    @Test func operatorTripsHoldSessionBreakersGateTheirSessionAndCoolDownsEndWithoutEvents() async throws {
        let receiver = try WebhookReceiver()
        try await receiver.serving {
            var (agent, args) = try setUp(agent: "ks-bot", webhook: receiver.url)
            var server = try await ServeProcess.serve(args, in: dir.path)
            let learner = #"{"agent":"new-bot","tool":"t","ts":"\#(RFC3339.format(agent.clock))"}"#
            #expect(try await server.request(.post, "/v1/events", body: Array(learner.utf8)).statusCode == 202)
            let trip = try await server.request(.post, "/v1/agents/new-bot/breaker", body: Array(#"{"action":"trip","reason":"stop"}"#.utf8),
                                                contentType: "application/json")
            let tripped = try parseJSON(trip.body)
            #expect(tripped["state"] == "open" && tripped["mode"] == "observe" && tripped["held_by_operator"] == true)
            try await eventually("the operator's breaker.open webhook") { !receiver.log.all.isEmpty }
            #expect(try verifiedBody(receiver.log.all[0])["agent"] == "new-bot")
            let pre = #"{"hook_event_name":"PreToolUse","session_id":"cc-1","tool_name":"Bash","tool_input":{"command":"ls"}}"#
            let (hookCode, _, hookErr) = try await runDriftwatch(["hook", "claude-code", "--server", server.base, "--agent", "new-bot"],
                                                                 stdin: pre, in: dir.path)
            #expect(hookCode == 2 && hookErr.contains("until an operator resets it"), "\(hookErr)")
            #expect(try await server.stop() == 0)
            server = try await ServeProcess.serve(args, in: dir.path)
            let (heldCode, heldOut, _) = try await runDriftwatch(["check", "--agent", "new-bot", "--server", server.base], in: dir.path)
            #expect(heldCode == 3 && heldOut.contains("held by an operator"), "check: \(heldOut)")
            let reset = try await server.request(.post, "/v1/agents/new-bot/breaker", body: Array(#"{"action":"reset","reason":"ok"}"#.utf8),
                                                 contentType: "application/json")
            #expect(reset.statusCode == 200)
            #expect(try await runDriftwatch(["check", "--agent", "new-bot", "--server", server.base], in: dir.path).0 == 0)
            let metrics = String(decoding: try await server.request(.get, "/metrics").body, as: UTF8.self)
            #expect(metrics.contains("driftwatch_alerts_total{kind=\"breaker.closed\"} 1\n"), "manual transitions are counted")
            try await eventually("the breaker.closed webhook") { receiver.log.all.count >= 2 }

            // A loop in one session of the baselined agent opens that session's breaker.
            #expect(try await server.request(.post, "/v1/events", body: ndjson(agent.calls(20))).statusCode == 202)
            let loop = (1...40).map { i in
                #"{"agent":"ks-bot","tool":"sql.query","session":"loop-1","ts":"\#(RFC3339.format(agent.clock + EventTime(i) * 1_000_000))","args":{"query":"SELECT 1"}}"#
            }.joined(separator: "\n")
            #expect(try await server.request(.post, "/v1/events", body: Array(loop.utf8)).statusCode == 202)
            let inLoop = try parseJSON(try await server.request(.get, "/v1/agents/ks-bot/breaker?session=loop-1").body)
            #expect(inLoop["state"] == "open" && inLoop["session"] == "loop-1", "\(inLoop)")
            #expect(try parseJSON(try await server.request(.get, "/v1/agents/ks-bot/breaker").body)["state"] == "closed")
            #expect(try await server.request(.get, "/v1/agents/ks-bot/breaker?scope=x").statusCode == 400)
            func decision(_ session: String) async throws -> JSONValue? {
                let pre = #"{"hook_event_name":"PreToolUse","session_id":"\#(session)","tool_name":"sql.query","tool_input":{}}"#
                return try parseJSON(try await server.request(.post, "/v1/hooks/claude-code?agent=ks-bot", body: Array(pre.utf8),
                                                              contentType: "application/json").body)["hookSpecificOutput"]?["permissionDecision"]
            }
            #expect(try await decision("loop-1") == "deny")
            #expect(try await decision("other") == nil)
            // The 1 s cool-down passes on the wall clock with no further event: probes may go.
            try await Task.sleep(for: .milliseconds(1300))
            #expect(try await decision("loop-1") == nil)
            let later = try parseJSON(try await server.request(.get, "/v1/agents/ks-bot/breaker?session=loop-1").body)
            #expect(later["state"] == "half_open" && later["retry_after_s"] == .null, "\(later)")
            #expect(try await server.stop() == 0)
        }
    }
}
