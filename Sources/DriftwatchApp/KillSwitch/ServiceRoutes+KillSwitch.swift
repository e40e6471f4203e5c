import DriftwatchCore
public import DriftwatchHTTP
import DriftwatchStore

/// The kill-switch routes (spec §4): breaker status and manual trip/reset, webhook
/// deliveries (dead letters included) and the audit log.
extension ServiceRoutes {
    /// Most rows `GET /v1/webhooks/deliveries` and `GET /v1/audit` return.
    public static let maxListedRows = 1000

    public func registerKillSwitchRoutes(_ router: inout Router) {
        router.get("/v1/agents/{agent}/breaker") { request, parameters in
            try await self.getBreaker(request, agent: try parameters.require("agent"))
        }
        router.post("/v1/agents/{agent}/breaker") { request, parameters in
            try await self.postBreaker(request, agent: try parameters.require("agent"))
        }
        router.get("/v1/webhooks/deliveries") { request, _ in try await self.getDeliveries(request) }
        router.get("/v1/audit") { request, _ in try await self.getAudit(request) }
    }

    var breakerControl: BreakerControl { BreakerControl(pipeline: pipeline, clock: clock) }

    /// Why `agent` (from a URL path) cannot name an agent, by the rules the event decoder
    /// applies to `agent` (1–128 bytes, no control characters), or nil. Checked before a
    /// breaker is operated, so a name no event could carry never gets a breaker or audit row.
    static func agentNameProblem(_ agent: String) -> String? {
        guard !agent.isEmpty, agent.utf8.count <= EventDecoder.maxAgentBytes else {
            return "agent must be 1–\(EventDecoder.maxAgentBytes) bytes"
        }
        guard !agent.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            return "agent must not contain control characters"
        }
        return nil
    }

    /// `GET /v1/agents/{agent}/breaker[?session=ID]`: `{"state","mode","held_by_operator","since","reason","retry_after_s","known"}`
    /// of the breaker governing the agent's calls, in that session if one is named (then
    /// with `"session"` when the session's own breaker is the one that governs).
    public func getBreaker(_ request: HTTPRequest, agent: String) async throws -> HTTPResponse {
        try access.authorize(request, as: .viewer)
        var session: String?
        for (name, value) in request.query {
            guard name == "session" else { throw HTTPError(.badRequest, message: "unknown query parameter \(name) (session)") }
            session = value.isEmpty ? nil : value
        }
        return .json(await breakerControl.status(agent: agent, session: session).json.jsonString)
    }

    /// `POST /v1/agents/{agent}/breaker` `{"action":"trip"|"reset","reason":"…"}`: admin; audited.
    public func postBreaker(_ request: HTTPRequest, agent: String) async throws -> HTTPResponse {
        try access.authorize(request, as: .admin)
        if let problem = Self.agentNameProblem(agent) { throw HTTPError(.badRequest, message: problem) }
        let body: JSONValue
        do { body = try JSONScanner.parse(request.body) } catch {
            throw HTTPError(.badRequest, message: "expected a JSON object {\"action\":\"trip\"|\"reset\",\"reason\":\"…\"}: \(error)")
        }
        guard let members = body.objectValue else {
            throw HTTPError(.badRequest, message: "expected a JSON object {\"action\":\"trip\"|\"reset\",\"reason\":\"…\"}")
        }
        var action: String?
        var reason: String?
        for m in members {
            switch m.key {
            case "action": action = m.value.stringValue
            case "reason": reason = m.value.stringValue
            default: throw HTTPError(.badRequest, message: "unknown field \(m.key) (action, reason)")
            }
        }
        guard let action, action == "trip" || action == "reset" else {
            throw HTTPError(.badRequest, message: "action must be \"trip\" or \"reset\"")
        }
        guard let reason, !reason.isEmpty, reason.utf8.count <= 1024 else {
            throw HTTPError(.badRequest, message: "reason must be a string of 1–1024 bytes (it is audited)")
        }
        let actor = access.isOpen ? AuditActor(name: "anonymous", role: "open") : AuditActor(name: "token:admin", role: "admin")
        let (status, changed) = try await breakerControl.operate(agent: agent, trip: action == "trip", reason: reason, by: actor)
        var json = status.json.objectValue ?? []
        json.append(JSONMember("changed", .bool(changed)))
        return .json(JSONValue.object(json).jsonString)
    }

    /// `GET /v1/webhooks/deliveries?state=&agent=&limit=`: newest first; `state=dead` lists dead letters.
    public func getDeliveries(_ request: HTTPRequest) async throws -> HTTPResponse {
        try access.authorize(request, as: .viewer)
        var state: OutboxRow.State?
        var agent: String?
        var limit = 100
        for (name, value) in request.query {
            // An empty value is no filter, as on /v1/alerts (spec §4 writes `?agent=&…`).
            if value.isEmpty, ["state", "agent", "limit"].contains(name) { continue }
            switch name {
            case "state":
                guard let s = OutboxRow.State(rawValue: value) else {
                    throw HTTPError(.badRequest, message: "state must be pending, delivered or dead")
                }
                state = s
            case "agent": agent = value
            case "limit": limit = try Self.limit(value)
            default: throw HTTPError(.badRequest, message: "unknown query parameter \(name) (state, agent, limit)")
            }
        }
        let (rows, counts) = try await store.read { [state, agent, limit] db in
            (try OutboxStore.recent(state: state, agent: agent, limit: limit, in: db), try OutboxStore.countsByState(in: db))
        }
        return .json(JSONValue.object([
            JSONMember("counts", .object(counts.keys.sorted().map { JSONMember($0, .number(Double(counts[$0] ?? 0))) })),
            JSONMember("deliveries", .array(rows.map(\.json))),
        ]).jsonString)
    }

    /// `GET /v1/audit?subject=&limit=`: newest first, with the chain's hashes.
    public func getAudit(_ request: HTTPRequest) async throws -> HTTPResponse {
        try access.authorize(request, as: .viewer)
        var subject: String?
        var limit = 100
        for (name, value) in request.query {
            if value.isEmpty, ["subject", "limit"].contains(name) { continue }
            switch name {
            case "subject": subject = value
            case "limit": limit = try Self.limit(value)
            default: throw HTTPError(.badRequest, message: "unknown query parameter \(name) (subject, limit)")
            }
        }
        let rows = try await store.read { [subject, limit] db in try AuditStore.recent(limit: limit, subject: subject, in: db) }
        return .json(JSONValue.object([JSONMember("audit", .array(rows.map { r in
            .object([
                JSONMember("id", .number(Double(r.id))), JSONMember("ts", .string(RFC3339.format(r.tsNS))),
                JSONMember("actor", .string(r.actor)), JSONMember("role", .string(r.role)),
                JSONMember("action", .string(r.action)), JSONMember("subject", .string(r.subject)),
                JSONMember("detail", (try? JSONScanner.parse(Array(r.detail.utf8))) ?? .string(r.detail)),
                JSONMember("prev_hash", .string(r.prevHash)), JSONMember("hash", .string(r.hash)),
            ])
        }))]).jsonString)
    }

    static func limit(_ value: String) throws(HTTPError) -> Int {
        guard let n = Int(value), (1...maxListedRows).contains(n) else {
            throw HTTPError(.badRequest, message: "limit must be an integer from 1 to \(maxListedRows)")
        }
        return n
    }
}
