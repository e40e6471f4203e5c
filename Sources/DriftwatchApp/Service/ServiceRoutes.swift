import DriftwatchCore
public import DriftwatchHTTP
public import DriftwatchStore

/// The HTTP API of `serve` (spec §4), as a `Router` over the pipeline and the store.
/// Handlers are plain functions of the request, so tests call them without sockets.
public struct ServiceRoutes: Sendable {
    public let pipeline: IngestPipeline
    public let store: any DatabaseWriter
    public let metrics: ServiceMetrics
    public let access: AccessControl
    public let maxLineBytes: Int
    /// `limits.max_body_bytes`: the server applies it to bodies as received, and the
    /// ingest routes again to what a gzip body decompresses to.
    public let maxBodyBytes: Int
    public let breakerCheck: BreakerCheck
    public let clock: WallClock
    /// The HTML dashboard (`GET /` and below), when its templates are loaded.
    public var dashboard: Dashboard?
    /// Why there is no dashboard, when `serve` started without one: `GET /` then says so,
    /// where the operator looks, rather than only in the start-up log.
    public var dashboardOffReason: String?

    /// Most per-line errors listed in a `POST /v1/events` reply; the rest are counted.
    public static let maxListedErrors = 100
    /// `Retry-After` of an ingest refused because the store cannot be written.
    public static let storageFaultRetryAfterSeconds = 5

    public init(pipeline: IngestPipeline, store: any DatabaseWriter, metrics: ServiceMetrics, access: AccessControl,
                maxLineBytes: Int, maxBodyBytes: Int = HTTPLimits.defaultMaxBodyBytes, clock: WallClock = .system,
                breakerCheck: @escaping BreakerCheck = { _, _, _ in .allow }) {
        self.pipeline = pipeline
        self.store = store
        self.metrics = metrics
        self.access = access
        self.maxLineBytes = maxLineBytes
        self.maxBodyBytes = maxBodyBytes
        self.clock = clock
        self.breakerCheck = breakerCheck
    }

    public var router: Router {
        var router = Router()
        router.post("/v1/events") { request, _ in try await self.postEvents(request) }
        router.post("/v1/traces") { request, _ in try await self.postTraces(request) }
        router.post("/v1/hooks/claude-code") { request, _ in try await self.postClaudeCodeHook(request) }
        router.get("/v1/agents") { request, _ in try await self.getAgents(request) }
        router.get("/v1/agents/{agent}") { request, parameters in
            try await self.getAgent(request, agent: try parameters.require("agent"))
        }
        router.get("/v1/alerts") { request, _ in try await self.getAlerts(request) }
        router.get("/metrics") { request, _ in try await self.getMetrics(request) }
        router.get("/healthz") { _, _ in await self.getHealth() }
        registerKillSwitchRoutes(&router)
        if let dashboard {
            dashboard.register(in: &router)
        } else if let reason = dashboardOffReason {
            let text = "driftwatch: the HTML dashboard is off: \(reason). Restart serve with --dashboards DIR "
                + "(the repository's dashboards/ directory) to have it; the API under /v1/ is up.\n"
            router.get("/") { _, _ in .text(text, status: .notFound) }
        }
        return router
    }

    // MARK: - Ingest

    /// `POST /v1/events`: NDJSON, one object or an array; 202 after the batch commits.
    public func postEvents(_ request: HTTPRequest) async throws -> HTTPResponse {
        try access.authorize(request, as: .ingest)
        let receivedNS = clock.now()
        let decoded = IngestBody.decode(try ingestBody(request), contentType: request.headers["Content-Type"],
                                        maxLineBytes: maxLineBytes)
        metrics.recordRejected(decoded.rejected.map(\.error.category))
        let outcome = try await submit(decoded.events, receivedNS: receivedNS)
        var members: [JSONMember] = [
            JSONMember("accepted", .number(Double(decoded.events.count))),
            JSONMember("duplicates", .number(Double(outcome.duplicates))),
            JSONMember("rejected", .number(Double(decoded.rejected.count))),
            JSONMember("errors", .array(decoded.rejected.prefix(Self.maxListedErrors).map { r in
                .object([JSONMember("line", .number(Double(r.line))), JSONMember("error", .string(r.error.description))])
            })),
        ]
        if decoded.rejected.count > Self.maxListedErrors {
            members.append(JSONMember("errors_not_listed", .number(Double(decoded.rejected.count - Self.maxListedErrors))))
        }
        if decoded.breakerChecks > 0 {
            members.append(JSONMember("breaker_checks_ignored", .number(Double(decoded.breakerChecks))))
        }
        return .json(JSONValue.object(members).jsonString, status: .accepted)
    }

    /// `POST /v1/traces`: OTLP/HTTP with JSON encoding; spans that fail are reported
    /// in `partialSuccess` as the OTLP specification describes, the rest are stored.
    public func postTraces(_ request: HTTPRequest) async throws -> HTTPResponse {
        try access.authorize(request, as: .ingest)
        let contentType = request.headers["Content-Type"]?.lowercased() ?? "application/json"
        guard contentType.hasPrefix("application/json") else {
            throw HTTPError(.unsupportedMediaType, message: contentType.contains("protobuf")
                ? "OTLP protobuf is not supported: configure the exporter with encoding: json (Content-Type: application/json)"
                : "expected OTLP/HTTP JSON (Content-Type: application/json), got \(contentType)")
        }
        let body = try ingestBody(request)
        let receivedNS = clock.now()
        let root: JSONValue
        do {
            root = try JSONScanner.parse(body)
        } catch {
            metrics.recordRejected(["invalid_json"])
            throw HTTPError(.badRequest, message: "invalid OTLP JSON: \(error)")
        }
        let batch: OTLPTraces.Batch
        do {
            batch = try OTLPTraces.decodeBatch(root)
        } catch {
            metrics.recordRejected([error.category])
            throw HTTPError(.badRequest, message: "invalid OTLP trace export: \(error)")
        }
        metrics.recordRejected(batch.rejected.map(\.category))
        _ = try await submit(batch.events, receivedNS: receivedNS)
        guard !batch.rejected.isEmpty else { return .json("{}") }
        let shown = batch.rejected.prefix(10).map(\.description).joined(separator: "; ")
        let more = batch.rejected.count > 10 ? " (and \(batch.rejected.count - 10) more)" : ""
        return .json(JSONValue.object([JSONMember("partialSuccess", .object([
            JSONMember("rejectedSpans", .number(Double(batch.rejected.count))),
            JSONMember("errorMessage", .string(shown + more)),
        ]))]).jsonString)
    }

    /// `POST /v1/hooks/claude-code?agent=NAME`: records Post* events; answers a
    /// `PreToolUse` from the breaker check.
    public func postClaudeCodeHook(_ request: HTTPRequest) async throws -> HTTPResponse {
        try access.authorize(request, as: .ingest)
        let agent = request.queryValue("agent") ?? DecodeOptions().claudeCodeAgent
        let body = try ingestBody(request)
        let receivedNS = clock.now()
        let payload: JSONValue
        do {
            payload = try JSONScanner.parse(body)
        } catch {
            metrics.recordRejected(["invalid_json"])
            throw HTTPError(.badRequest, message: "invalid hook payload: \(error)")
        }
        let decoded: DecodedLine
        do {
            decoded = try ClaudeCodeHook.decode(payload, options: DecodeOptions(claudeCodeAgent: agent))
        } catch {
            metrics.recordRejected([error.category])
            throw HTTPError(.badRequest, message: "invalid hook payload: \(error)")
        }
        switch decoded {
        case .preToolUse(let agent, let tool, let session):
            switch await breakerCheck(agent, tool, session) {
            case .allow:
                return .json("{}")
            case .deny(let reason):
                return .json(JSONValue.object([JSONMember("hookSpecificOutput", .object([
                    JSONMember("hookEventName", "PreToolUse"),
                    JSONMember("permissionDecision", "deny"),
                    JSONMember("permissionDecisionReason", .string(reason)),
                ]))]).jsonString)
            }
        case .event(let event):
            _ = try await submit([event], receivedNS: receivedNS)
            return .json("{}")
        case .events(let events):
            _ = try await submit(events, receivedNS: receivedNS)
            return .json("{}")
        }
    }

    /// The request body with its `Content-Encoding` removed, for the three ingest routes:
    /// unchanged without one, decompressed for gzip (what an OpenTelemetry Collector's
    /// `otlphttp` exporter sends by default). 415 for other codings, 400 naming what is
    /// corrupt (counted as a rejected `invalid_gzip` body), 413 past `limits.max_body_bytes`.
    private func ingestBody(_ request: HTTPRequest) throws(HTTPError) -> [UInt8] {
        do {
            return try request.decodedBody(maxBytes: maxBodyBytes)
        } catch {
            if error.status == .badRequest { metrics.recordRejected(["invalid_gzip"]) }
            if error.status == .contentTooLarge {
                throw HTTPError(.contentTooLarge, message: error.message + "; see limits.max_body_bytes",
                                headers: error.headers)
            }
            throw error
        }
    }

    private func submit(_ events: [Event], receivedNS: Int64) async throws(HTTPError) -> IngestPipeline.Outcome {
        do {
            return try await pipeline.submit(events, receivedNS: receivedNS)
        } catch let error as IngestPipeline.SubmitError {
            // Nothing of this request was acknowledged: the client retries it whole
            // (duplicates by call_id are then counted once). A storage fault lasts longer
            // than a full queue, so clients are asked to back off further.
            let retryAfter = if case .storeNotWritable = error { Self.storageFaultRetryAfterSeconds } else { 1 }
            throw HTTPError(.serviceUnavailable, message: error.description, headers: ["Retry-After": "\(retryAfter)"])
        } catch {
            throw HTTPError(.serviceUnavailable, message: "\(error)", headers: ["Retry-After": "1"])
        }
    }

    // MARK: - Read API

    /// Most agents `GET /v1/agents` lists.
    public static let maxListedAgents = 10_000

    /// `GET /v1/agents`: every agent that has sent events, and every agent with a loaded
    /// baseline that has not yet (zero counters), as `GET /v1/agents/{agent}` finds both;
    /// by name, at most `maxListedAgents`.
    public func getAgents(_ request: HTTPRequest) async throws -> HTTPResponse {
        try access.authorize(request, as: .viewer)
        let limit = Self.maxListedAgents
        var counters = try await store.read { db in try AgentStore.all(in: db, limit: limit) }
        let baselined = pipeline.withMonitor { $0.agentsWithLoadedBaselines }
        // Past a full page of stored agents, a baselined name sorting after the last one
        // would stand in for stored agents that were cut; the page ends where the store's does.
        let last = counters.count == limit ? counters.last?.agent : nil
        let stored = Set(counters.map(\.agent))
        // Byte order, as SQLite's ORDER BY agent sorts.
        func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
        let silent = baselined.filter { agent in !stored.contains(agent) && (last.map { precedes(agent, $0) } ?? true) }
        if !silent.isEmpty {
            counters = (counters + silent.map { AgentCounters(agent: $0) }).sorted { precedes($0.agent, $1.agent) }
            counters.removeLast(max(0, counters.count - limit))
        }
        let states = pipeline.withMonitor { monitor in
            counters.map { c in (monitor.isLearning(c.agent), monitor.baseline(for: c.agent).map(Self.baselineSummary)) }
        }
        let agents = zip(counters, states).map { c, s in Self.agentJSON(c, learning: s.0, baseline: s.1) }
        return .json(JSONValue.object([JSONMember("agents", .array(agents))]).jsonString)
    }

    /// `GET /v1/agents/{agent}`.
    public func getAgent(_ request: HTTPRequest, agent: String) async throws -> HTTPResponse {
        try access.authorize(request, as: .viewer)
        let counters = try await store.read { db in try AgentStore.get(agent, in: db) }
        await pipeline.caughtUp()
        let (learning, baseline) = pipeline.withMonitor { monitor in
            (monitor.isLearning(agent), monitor.baseline(for: agent).map { Self.baselineSummary($0, tools: 50) })
        }
        guard counters != nil || baseline != nil else {
            throw HTTPError(.notFound, message: "no agent named \(agent) has sent events or has a baseline")
        }
        return .json(Self.agentJSON(counters ?? AgentCounters(agent: agent), learning: learning, baseline: baseline).jsonString)
    }

    static func agentJSON(_ c: AgentCounters, learning: Bool, baseline: JSONValue?) -> JSONValue {
        .object([
            JSONMember("agent", .string(c.agent)),
            JSONMember("state", .string(learning ? "learning" : "monitoring")),
            JSONMember("events", .number(Double(c.events))),
            JSONMember("tool_calls", .number(Double(c.toolCalls))),
            JSONMember("errors", .number(Double(c.errors))),
            JSONMember("cost_usd", .number(c.costUSD)),
            JSONMember("tokens_in", .number(Double(c.tokensIn))),
            JSONMember("tokens_out", .number(Double(c.tokensOut))),
            JSONMember("first_seen", c.events > 0 ? .string(RFC3339.format(c.firstSeenNS)) : .null),
            JSONMember("last_seen", c.events > 0 ? .string(RFC3339.format(c.lastSeenNS)) : .null),
            JSONMember("baseline", baseline ?? .null),
        ])
    }

    static func baselineSummary(_ b: Baseline) -> JSONValue { baselineSummary(b, tools: 10) }

    /// The baseline's size and its most used tools with their shares.
    static func baselineSummary(_ b: Baseline, tools limit: Int) -> JSONValue {
        let total = max(1, b.tools.values.reduce(0) { $0 + $1.calls })
        let top = b.tools.sorted { $0.value.calls != $1.value.calls ? $0.value.calls > $1.value.calls : $0.key < $1.key }
            .prefix(limit)
        return .object([
            JSONMember("events", .number(Double(b.events))),
            JSONMember("tool_calls", .number(Double(b.toolCalls))),
            JSONMember("first_ts", b.firstTS.map { .string(RFC3339.format($0)) } ?? .null),
            JSONMember("last_ts", b.lastTS.map { .string(RFC3339.format($0)) } ?? .null),
            JSONMember("tool_count", .number(Double(b.tools.count))),
            JSONMember("top_tools", .array(top.map { name, profile in
                .object([JSONMember("tool", .string(name)), JSONMember("calls", .number(Double(profile.calls))),
                         JSONMember("share", .number((Double(profile.calls) / Double(total) * 1e4).rounded() / 1e4))])
            })),
        ])
    }

    /// `GET /v1/alerts?agent=&kind=&severity=&since=&limit=`, newest first.
    public func getAlerts(_ request: HTTPRequest) async throws -> HTTPResponse {
        try access.authorize(request, as: .viewer)
        let query = try Self.alertQuery(request.query)
        let alerts = try await store.read { db in try AlertStore.query(query, in: db) }
        return .json(JSONValue.object([JSONMember("alerts", .array(alerts.map(\.json)))]).jsonString)
    }

    /// Parses and validates the `/v1/alerts` query. An empty value is no filter: spec §4
    /// writes the route as `?agent=&kind=&severity=&since=&limit=`, and an HTML form sends
    /// its unset fields that way. A name it does not know is refused, empty or not.
    /// - Throws: `HTTPError` 400 naming the parameter and what it accepts.
    public static func alertQuery(_ parameters: [(name: String, value: String)]) throws(HTTPError) -> AlertQuery {
        var query = AlertQuery()
        var seen: Set<String> = []
        for (name, value) in parameters {
            guard seen.insert(name).inserted else {
                throw HTTPError(.badRequest, message: "query parameter \(name) is given more than once")
            }
            if value.isEmpty, ["agent", "kind", "severity", "since", "limit"].contains(name) { continue }
            switch name {
            case "agent":
                guard !value.isEmpty, value.utf8.count <= EventDecoder.maxAgentBytes else {
                    throw HTTPError(.badRequest, message: "agent must be 1–\(EventDecoder.maxAgentBytes) bytes")
                }
                query.agent = value
            case "kind":
                let families = Set(Alert.Kind.allCases.map(\.family))
                guard Alert.Kind(rawValue: value) != nil || families.contains(value) else {
                    throw HTTPError(.badRequest, message: "kind must be an alert kind such as drift.new_tool or a family ("
                        + families.sorted().joined(separator: ", ") + ")")
                }
                query.kind = value
            case "severity":
                guard Alert.Severity(rawValue: value) != nil else {
                    throw HTTPError(.badRequest, message: "severity must be warning or critical")
                }
                query.severity = value
            case "since":
                guard let ts = RFC3339.parse(value) else {
                    throw HTTPError(.badRequest, message: "since must be an RFC 3339 timestamp like 2026-11-20T10:00:00Z")
                }
                query.sinceNS = ts
            case "limit":
                guard let limit = Int(value), (1...AlertQuery.maxLimit).contains(limit) else {
                    throw HTTPError(.badRequest, message: "limit must be an integer from 1 to \(AlertQuery.maxLimit)")
                }
                query.limit = limit
            default:
                throw HTTPError(.badRequest, message: "unknown query parameter \(name) (agent, kind, severity, since, limit)")
            }
        }
        return query
    }

    // MARK: - Operations

    /// `GET /metrics`: Prometheus text exposition format 0.0.4.
    public func getMetrics(_ request: HTTPRequest) async throws -> HTTPResponse {
        try access.authorize(request, as: .viewer)
        let agents = try await store.read { db in try AgentStore.count(in: db) }
        let detection = pipeline.withMonitor { m in
            MetricsExposition.Detection(liveAgents: m.agentCount, openSessions: m.openSessionCount, agentsSetAside: m.agentsSetAside)
        }
        let text = MetricsExposition.render(metrics.snapshot, queueDepth: pipeline.queueDepth, agents: agents, detection: detection)
        return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                            body: Array(text.utf8))
    }

    /// `GET /healthz`: 200 `{"status":"ok"}` when a heartbeat write commits and ingest
    /// batches are not failing; otherwise 503 with `status: "unavailable"`, a `reason`
    /// (`disk_full`, `read_only`, `io_error`, `store_error`), `since` and an `error`
    /// message. Open to all (probes). See ``StoreHealth`` for how the two are combined.
    public func getHealth() async -> HTTPResponse {
        let now = clock.now()
        let fault: StorageFault?
        do {
            try await store.write { db in
                try db.execute("UPDATE heartbeat SET ts_ns = ? WHERE id = 1", [.integer(now)])
            }
            fault = nil
        } catch {
            guard let storageFault = StorageFault(error) else {
                return Self.unhealthy(reason: "store_error", since: nil, message: "the store does not accept writes: \(error)")
            }
            fault = storageFault
        }
        switch pipeline.storeHealth.heartbeat(fault, nowNS: now) {
        case .writable:
            return .json(#"{"status":"ok"}"#)
        case .faulted(let fault, let since):
            return Self.unhealthy(reason: fault.kind.rawValue, since: since,
                                  message: "\(fault.summary); ingest is refused with 503 until it recovers (\(fault.detail))")
        }
    }

    private static func unhealthy(reason: String, since: Int64?, message: String) -> HTTPResponse {
        .json(JSONValue.object([
            JSONMember("status", "unavailable"),
            JSONMember("reason", .string(reason)),
            JSONMember("since", since.map { .string(RFC3339.format($0)) } ?? .null),
            JSONMember("error", .string(message)),
        ]).jsonString, status: .serviceUnavailable)
    }
}
