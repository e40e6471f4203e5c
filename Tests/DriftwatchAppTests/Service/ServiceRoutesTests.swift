import Foundation
@testable import DriftwatchApp
@testable import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore
import Testing

/// The API handlers called directly (no sockets): ingest formats, per-line errors,
/// idempotency, token roles, query validation, OTLP and Claude Code, metrics.
struct ServiceRoutesTests {
    @Test func ndjsonBodyIsAcknowledgedWithPerLineErrorsAfterCommit() async throws {
        try await withRoutes { routes, _, store in
            let body = """
                {"agent":"a","tool":"t","call_id":"1"}
                not json
                {"agent":"a","tool":"t","cost_usd":"x"}

                {"agent":"a","tool":"t","args":{"s":"\u{FF}"}}
                {"agent":"a","tool":"t","call_id":"2"}
                """
            var bytes = Array(body.utf8)
            // Line 5 carries a raw invalid UTF-8 byte inside a string.
            let marker = Array("\u{FF}".utf8)
            if let range = bytes.firstRange(of: marker) { bytes.replaceSubrange(range, with: [0xFF]) }
            let response = try await routes.postEvents(post("/v1/events", bytes))
            #expect(response.status == .accepted)
            let json = try parseJSON(response.body)
            #expect(json["accepted"] == 2 && json["rejected"] == 3 && json["duplicates"] == 0)
            let errors = try #require(json["errors"]?.arrayValue)
            #expect(errors.map { $0["line"] } == [2, 3, 5])
            #expect(errors[1]["error"]?.stringValue?.contains("cost_usd") == true)
            #expect(errors[2]["error"]?.stringValue?.contains("UTF-8") == true)
            // 202 means committed: the rows are there as soon as the reply is.
            #expect(try await store.read { try EventStore.count(in: $0) } == 2)
        }
    }

    @Test func jsonArrayAndPrettyPrintedObjectAreAccepted() async throws {
        try await withRoutes { routes, _, store in
            let array = #"[{"agent":"a","tool":"t"}, 7, {"agent":"b","tool":"u"}]"#
            let r1 = try parseJSON(try await routes.postEvents(post("/v1/events", Array(array.utf8),
                                                                     contentType: "application/json")).body)
            #expect(r1["accepted"] == 2 && r1["rejected"] == 1)
            #expect(r1["errors"]?.arrayValue?.first?["line"] == 2)
            let pretty = "{\n  \"agent\": \"c\",\n  \"tool\": \"t\"\n}\n"
            let r2 = try parseJSON(try await routes.postEvents(post("/v1/events", Array(pretty.utf8),
                                                                     contentType: "application/json")).body)
            #expect(r2["accepted"] == 1 && r2["rejected"] == 0)
            #expect(try await store.read { try AgentStore.all(in: $0) }.map(\.agent) == ["a", "b", "c"])
        }
    }

    @Test func aRetriedRequestIsAcknowledgedButStoredAndDetectedOnce() async throws {
        try await withRoutes { routes, pipeline, store in
            let body = Array(#"{"agent":"a","tool":"t","call_id":"c-1"}"#.utf8)
            _ = try await routes.postEvents(post("/v1/events", body))
            let again = try parseJSON(try await routes.postEvents(post("/v1/events", body)).body)
            #expect(again["accepted"] == 1 && again["duplicates"] == 1)
            #expect(try await store.read { try AgentStore.get("a", in: $0) }?.events == 1)
            #expect(try await store.read { try EventStore.count(in: $0) } == 1)
            _ = pipeline
        }
    }

    @Test func errorListIsCappedAndTheRestCounted() async throws {
        try await withRoutes { routes, _, _ in
            let body = Array(String(repeating: "nope\n", count: 150).utf8)
            let json = try parseJSON(try await routes.postEvents(post("/v1/events", body)).body)
            #expect(json["rejected"] == 150)
            #expect(json["errors"]?.arrayValue?.count == ServiceRoutes.maxListedErrors)
            #expect(json["errors_not_listed"] == 50)
        }
    }

    @Test func tokensGateEachRoleAndHealthStaysOpen() async throws {
        var configuration = Configuration()
        configuration.tokens = .init(ingest: "ingest-token-0123456789", viewer: "viewer-token-0123456789",
                                     admin: "admin-token-01234567890")
        try await withRoutes(configuration: configuration) { routes, _, _ in
            let body = Array(#"{"agent":"a","tool":"t"}"#.utf8)
            func status(_ r: HTTPRequest, _ handler: (HTTPRequest) async throws -> HTTPResponse) async throws -> Int {
                try await respond { try await handler(r) }.status.code
            }
            let none = try await respond { try await routes.postEvents(post("/v1/events", body)) }
            #expect(none.status == .unauthorized)
            #expect(none.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true)
            #expect(try await status(post("/v1/events", body, token: "wrong-token-0123456789"), routes.postEvents) == 401)
            #expect(try await status(post("/v1/events", body, token: "viewer-token-0123456789"), routes.postEvents) == 403)
            #expect(try await status(post("/v1/events", body, token: "ingest-token-0123456789"), routes.postEvents) == 202)
            #expect(try await status(post("/v1/events", body, token: "admin-token-01234567890"), routes.postEvents) == 202)
            #expect(try await status(get("/v1/alerts", token: "ingest-token-0123456789"), routes.getAlerts) == 403)
            #expect(try await status(get("/v1/alerts", token: "viewer-token-0123456789"), routes.getAlerts) == 200)
            #expect(try await status(get("/metrics", token: "admin-token-01234567890"), routes.getMetrics) == 200)
            #expect(try await status(get("/metrics"), routes.getMetrics) == 401)
            #expect(await routes.getHealth().status == .ok)
        }
    }

    /// With only an admin token, nothing is left open: the other roles take the admin
    /// token, and the 401 says so instead of asking for a token that does not exist.
    @Test func aRoleWithoutItsOwnTokenTakesTheAdminTokenAndSaysSo() async throws {
        var configuration = Configuration()
        configuration.tokens = .init(admin: "admin-token-01234567890")
        try await withRoutes(configuration: configuration) { routes, _, _ in
            let body = Array(#"{"agent":"a","tool":"t"}"#.utf8)
            let none = try await respond { try await routes.postEvents(post("/v1/events", body)) }
            #expect(none.status == .unauthorized)
            let message = try parseJSON(none.body)["error"]?.stringValue ?? ""
            #expect(message.contains("admin token (no ingest token is configured)"), "\(message)")
            #expect(try await respond { try await routes.postEvents(post("/v1/events", body, token: "admin-token-01234567890")) }
                .status == .accepted)
        }
    }

    @Test(arguments: ["limit=0", "limit=abc", "limit=1001", "severity=fatal", "kind=drift.nope", "kind=nope",
                      "since=yesterday", "colour=red", "colour=", "limit=5&limit=6", "agent=&agent=x"])
    func badAlertQueriesAre400(_ query: String) async throws {
        try await withRoutes { routes, _, _ in
            let response = try await respond { try await routes.getAlerts(get("/v1/alerts?" + query)) }
            #expect(response.status == .badRequest)
            #expect(try parseJSON(response.body)["error"]?.stringValue?.isEmpty == false)
        }
    }

    /// Spec §4 writes the filters as `?agent=&kind=&severity=&since=&limit=`: an empty
    /// value is no filter (as an HTML form sends an unset field), not a bad one.
    @Test func emptyAlertFiltersAreAbsent() async throws {
        let (_, baseline) = trainedAgent(name: "billing-bot")
        try await withRoutes(baselines: [baseline]) { routes, _, _ in
            let burst = #"{"agent":"billing-bot","tool":"db.drop_table","session":"s-x","call_id":"x1"}"#
            _ = try await routes.postEventsDetected(post("/v1/events", Array(burst.utf8)))
            let all = try await routes.getAlerts(get("/v1/alerts"))
            let empty = try await respond { try await routes.getAlerts(get("/v1/alerts?agent=&kind=&severity=&since=&limit=")) }
            #expect(empty.status == .ok, "\(String(decoding: empty.body, as: UTF8.self))")
            #expect(empty.body == all.body)
            #expect(try parseJSON(all.body)["alerts"]?.arrayValue?.isEmpty == false)
            let some = try parseJSON(try await routes.getAlerts(get("/v1/alerts?agent=billing-bot&kind=&limit=1")).body)
            #expect(some["alerts"]?.arrayValue?.count == 1)
            #expect(try ServiceRoutes.alertQuery([("agent", ""), ("since", ""), ("limit", "")]) == AlertQuery())
        }
    }

    @Test func emptyDeliveryAndAuditFiltersAreAbsent() async throws {
        try await withRoutes { routes, _, _ in
            _ = try await routes.postBreaker(post("/v1/agents/a/breaker", Array(#"{"action":"trip","reason":"r"}"#.utf8)), agent: "a")
            for (empty, plain, handler) in [
                ("/v1/webhooks/deliveries?state=&agent=&limit=", "/v1/webhooks/deliveries", routes.getDeliveries),
                ("/v1/audit?subject=&limit=", "/v1/audit", routes.getAudit),
            ] as [(String, String, (HTTPRequest) async throws -> HTTPResponse)] {
                let response = try await respond { try await handler(get(empty)) }
                #expect(response.status == .ok, "\(empty): \(String(decoding: response.body, as: UTF8.self))")
                #expect(response.body == (try await handler(get(plain))).body, "\(empty)")
            }
            let audit = try parseJSON(try await routes.getAudit(get("/v1/audit?subject=")).body)
            #expect(audit["audit"]?.arrayValue?.isEmpty == false, "the trip is listed: \(audit)")
        }
    }

    /// `GET /v1/agents` lists what `GET /v1/agents/{agent}` finds: an agent with a loaded
    /// baseline appears before its first event, with zero counters.
    @Test func agentsListsBaselinedAgentsThatHaveSentNothingYet() async throws {
        let (_, quiet) = trainedAgent(name: "quiet-bot")
        let (_, zed) = trainedAgent(name: "zed-bot")
        try await withRoutes(baselines: [zed, quiet]) { routes, _, _ in
            _ = try await routes.postEvents(post("/v1/events", Array(#"{"agent":"busy-bot","tool":"t"}"#.utf8)))
            _ = try await routes.postEvents(post("/v1/events", Array(#"{"agent":"zed-bot","tool":"sql.query"}"#.utf8)))
            let agents = try #require(try parseJSON(try await routes.getAgents(get("/v1/agents")).body)["agents"]?.arrayValue)
            #expect(agents.compactMap { $0["agent"]?.stringValue } == ["busy-bot", "quiet-bot", "zed-bot"])
            let q = agents[1]
            #expect(q["events"] == 0 && q["tool_calls"] == 0 && q["state"] == "monitoring")
            #expect(q["first_seen"] == .null && q["baseline"]?["tool_count"] == .number(Double(quiet.tools.count)))
            #expect(agents[2]["events"] == 1)
            let one = try parseJSON(try await routes.getAgent(get("/v1/agents/quiet-bot"), agent: "quiet-bot").body)
            #expect(one["agent"] == "quiet-bot" && one["events"] == 0 && one["state"] == q["state"])
        }
    }

    /// Without templates `serve` still answers `/`, saying why there is no dashboard
    /// (before, the reason was only on stderr and `/` was a bare 404).
    @Test func theRootSaysWhyTheDashboardIsOff() async throws {
        try await withRoutes { routes, _, _ in
            var off = routes
            off.dashboardOffReason = "no dashboards/ directory in /srv"
            let response = try await off.router.call(get("/"))
            #expect(response.status == .notFound)
            let text = String(decoding: response.body, as: UTF8.self)
            #expect(text.contains("no dashboards/ directory in /srv") && text.contains("--dashboards DIR"), "\(text)")
            #expect(try await off.router.call(get("/v1/alerts")).status == .ok)
        }
    }

    @Test func alertsFromAMisbehavingBurstAreQueryable() async throws {
        let (_, baseline) = trainedAgent(name: "billing-bot")
        try await withRoutes(baselines: [baseline]) { routes, _, _ in
            let burst = #"{"agent":"billing-bot","tool":"db.drop_table","session":"s-x","call_id":"x1"}"#
            _ = try await routes.postEventsDetected(post("/v1/events", Array(burst.utf8)))
            let all = try parseJSON(try await routes.getAlerts(get("/v1/alerts?agent=billing-bot&kind=drift")).body)
            let kinds = try #require(all["alerts"]?.arrayValue).compactMap { $0["kind"]?.stringValue }
            #expect(kinds.contains("drift.new_tool"))
            let none = try parseJSON(try await routes.getAlerts(get("/v1/alerts?agent=other")).body)
            #expect(none["alerts"]?.arrayValue?.isEmpty == true)
            let agent = try parseJSON(try await routes.getAgent(get("/v1/agents/billing-bot"), agent: "billing-bot").body)
            #expect(agent["state"] == "monitoring")
            #expect(agent["baseline"]?["tool_count"] == .number(Double(baseline.tools.count)))
            let missing = try await respond { try await routes.getAgent(get("/v1/agents/ghost"), agent: "ghost") }
            #expect(missing.status == .notFound)
        }
    }

    @Test func aBaselineLearnedOnlineIsSavedWhenItFreezes() async throws {
        var configuration = Configuration()
        configuration.detection.minCalls = 50
        try await withRoutes(configuration: configuration) { routes, pipeline, store in
            var agent = SyntheticAgent(name: "learner", seed: 7)
            _ = try await routes.postEventsDetected(post("/v1/events", ndjson(agent.calls(40))))
            #expect(try await store.read { try BaselineStore.loadAll(in: $0) }.isEmpty)
            _ = try await routes.postEventsDetected(post("/v1/events", ndjson(agent.calls(40))))
            let saved = try await store.read { try BaselineStore.loadAll(in: $0) }
            #expect(saved.map(\.agent) == ["learner"])
            #expect(pipeline.withMonitor { $0.baseline(for: "learner") } == saved.first)
        }
    }

    @Test func otlpJSONIsStoredAndProtobufIsRefusedWith415() async throws {
        try await withRoutes { routes, _, store in
            let protobuf = try await respond {
                try await routes.postTraces(post("/v1/traces", [0x0A, 0x01], contentType: "application/x-protobuf"))
            }
            #expect(protobuf.status == .unsupportedMediaType)
            #expect(String(decoding: protobuf.body, as: UTF8.self).contains("encoding: json"))
            let ok = try await routes.postTraces(post("/v1/traces", Array(otlpExport.utf8), contentType: "application/json"))
            #expect(ok.status == .ok)
            let counters = try await store.read { try AgentStore.get("otel-agent", in: $0) }
            #expect(counters?.toolCalls == 1)
            let bad = try await respond { try await routes.postTraces(post("/v1/traces", Array("{".utf8), contentType: "application/json")) }
            #expect(bad.status == .badRequest)
        }
    }

    @Test func claudeCodeHookRecordsPostToolUseAndAsksTheBreakerOnPreToolUse() async throws {
        try await withRoutes(breakerCheck: { agent, tool, _ in
            tool == "Bash" ? .deny(reason: "\(agent) breaker open") : .allow
        }) { routes, _, store in
            let post1 = #"{"hook_event_name":"PostToolUse","session_id":"s1","tool_name":"Read","tool_input":{"file_path":"/x"},"tool_use_id":"tu1"}"#
            let r1 = try await routes.postClaudeCodeHook(post("/v1/hooks/claude-code?agent=dev-bot", Array(post1.utf8),
                                                              contentType: "application/json"))
            #expect(r1.status == .ok && r1.body == Array("{}".utf8))
            #expect(try await store.read { try AgentStore.get("dev-bot", in: $0) }?.events == 1)
            let pre = #"{"hook_event_name":"PreToolUse","session_id":"s1","tool_name":"Bash","tool_input":{"command":"ls"}}"#
            let denied = try parseJSON(try await routes.postClaudeCodeHook(
                post("/v1/hooks/claude-code?agent=dev-bot", Array(pre.utf8), contentType: "application/json")).body)
            #expect(denied["hookSpecificOutput"]?["permissionDecision"] == "deny")
            #expect(denied["hookSpecificOutput"]?["permissionDecisionReason"] == "dev-bot breaker open")
            let preRead = pre.replacingOccurrences(of: "Bash", with: "Read")
            let allowed = try await routes.postClaudeCodeHook(post("/v1/hooks/claude-code", Array(preRead.utf8)))
            #expect(allowed.body == Array("{}".utf8))
            let bad = try await respond { try await routes.postClaudeCodeHook(post("/v1/hooks/claude-code", Array("[1]".utf8))) }
            #expect(bad.status == .badRequest)
        }
    }

    @Test func aFullQueueAnswers503WithRetryAfter() async throws {
        var configuration = Configuration()
        configuration.limits.maxQueuedEvents = 1000
        try await withRoutes(configuration: configuration, startWriter: false) { routes, pipeline, _ in
            let first = Array(String(repeating: "{\"agent\":\"a\",\"tool\":\"t\"}\n", count: 800).utf8)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Queued, not committed: the writer is not running yet.
                group.addTask { _ = try await routes.postEvents(post("/v1/events", first)) }
                while pipeline.queueDepth == 0 { await Task.yield() }
                let second = Array(String(repeating: "{\"agent\":\"a\",\"tool\":\"t\"}\n", count: 300).utf8)
                let refused = try await respond { try await routes.postEvents(post("/v1/events", second)) }
                #expect(refused.status == .serviceUnavailable)
                #expect(refused.headers["Retry-After"] == "1")
                // Now let the writer drain the first request.
                group.addTask { await pipeline.run() }
                pipeline.finish()
                try await group.waitForAll()
            }
        }
    }

    @Test func metricsExpositionEscapesLabelsAndEndsEveryFamily() {
        var snapshot = ServiceMetrics.Snapshot()
        snapshot.eventsTotal = 3
        snapshot.rejectedByReason = ["in\"valid\\\n": 2]
        snapshot.alertsByKind = ["drift.new_tool": 1]
        let text = MetricsExposition.render(snapshot, queueDepth: 4, agents: 2,
                                           detection: .init(liveAgents: 2, openSessions: 7, agentsSetAside: 1))
        #expect(text.contains("driftwatch_events_total 3\n"))
        #expect(text.contains(#"driftwatch_rejected_lines_total{reason="in\"valid\\\n"} 2"#))
        #expect(text.contains("driftwatch_alerts_total{kind=\"drift.new_tool\"} 1\n"))
        #expect(text.contains("driftwatch_batch_commit_seconds_bucket{le=\"+Inf\"} 0\n"))
        #expect(text.contains("driftwatch_queue_depth 4\ndriftwatch_agents") == false)
        #expect(text.contains("driftwatch_queue_depth 4\n") && text.contains("driftwatch_agents 2\n"))
        #expect(text.contains("driftwatch_open_sessions 7\n") && text.contains("driftwatch_agents_set_aside_total 1\n"))
        #expect(text.hasSuffix("\n"))
    }
}

/// A minimal OTLP/JSON export: one agent invocation with one tool span beneath it.
let otlpExport = """
    {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"otel-svc"}}]},
    "scopeSpans":[{"spans":[
    {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"invoke_agent",
     "startTimeUnixNano":"1763632800000000000","endTimeUnixNano":"1763632801000000000",
     "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"invoke_agent"}},
                   {"key":"gen_ai.agent.name","value":{"stringValue":"otel-agent"}}]},
    {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"00f067aa0ba902b7","parentSpanId":"b7ad6b7169203331",
     "name":"execute_tool search","startTimeUnixNano":"1763632800100000000","endTimeUnixNano":"1763632800200000000",
     "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},
                   {"key":"gen_ai.tool.name","value":{"stringValue":"search"}},
                   {"key":"gen_ai.tool.call.id","value":{"stringValue":"call-1"}}]}
    ]}]}]}
    """
