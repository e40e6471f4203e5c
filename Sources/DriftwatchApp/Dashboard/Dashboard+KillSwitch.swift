import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore

/// The kill-switch pages (design.md § Dashboard, § Circuit breakers): webhook deliveries,
/// the audit log with its chain's verification, and the agent page's breaker controls.
extension Dashboard {
    /// Rows the deliveries and audit pages show (newest first).
    static let killSwitchRows = 200
    /// Longest operator reason accepted by the breaker form (as the API: it is audited).
    static let maxReasonBytes = 1024

    /// `GET /webhooks?state=`: counts per state and the newest deliveries.
    func webhooksPage(_ request: HTTPRequest, role: DashboardAuth.Role) async throws -> (template: String, context: TemplateContext) {
        let now = clock.now()
        let state = request.queryValue("state").flatMap(OutboxRow.State.init(rawValue:))
        let limit = Self.killSwitchRows
        let (rows, counts) = try await store.read { db in
            (try OutboxStore.recent(state: state, limit: limit, in: db), try OutboxStore.countsByState(in: db))
        }
        let states: [OutboxRow.State] = [.pending, .delivered, .dead]
        let context: TemplateContext = [
            "title": "Webhook deliveries",
            "states": .list([["label": "all", "href": "/webhooks", "count": .text(PageFormat.int(counts.values.reduce(0, +))),
                              "current": .bool(state == nil)]]
                + states.map { s in
                    ["label": .text(s.rawValue), "href": .text(DashboardURL.path("/webhooks", query: [("state", s.rawValue)])),
                     "count": .text(PageFormat.int(counts[s.rawValue] ?? 0)), "current": .bool(state == s),
                     "class": .text("delivery-" + s.rawValue)]
                }),
            "filtered": .bool(state != nil),
            "stateName": .text(state?.rawValue ?? ""),
            "deliveries": .list(rows.map { deliveryRow($0, now: now) }),
            "hasDeliveries": .bool(!rows.isEmpty),
            "limited": .bool(rows.count == limit),
            "limit": .text(PageFormat.int(limit)),
            "configured": .text(PageFormat.int(configuredWebhooks)),
        ]
        return ("webhooks", context)
    }

    func deliveryRow(_ r: OutboxRow, now: Int64) -> TemplateContext {
        var row: TemplateContext = [
            "id": .text(String(r.id)),
            "state": .text(r.state.rawValue),
            "stateClass": .text("delivery-" + r.state.rawValue),
            "agent": .text(r.agent),
            "agentHref": .text(DashboardURL.path("agents", r.agent)),
            "type": .text(r.eventType),
            "eventID": .text(r.eventID),
            "webhook": .text(Self.displayURL(r.webhookURL)),
            "attempts": .text(PageFormat.int(r.attempts)),
            "created": .text(PageFormat.dateTime(r.createdNS)),
            "createdAgo": .text(PageFormat.ago(r.createdNS, now: now)),
            "error": .text(HTMLText.truncated(r.lastError ?? "", to: 400)),
        ]
        if r.state == .pending {
            row["next"] = .text(r.nextAttemptNS <= now ? "due now" : "in " + PageFormat.duration(r.nextAttemptNS - now))
        }
        if let t = r.lastAttemptNS { row["lastAttempt"] = .text(PageFormat.dateTime(t)) }
        if let t = r.deliveredNS { row["delivered"] = .text(PageFormat.dateTime(t)) }
        return row
    }

    /// A webhook URL without user info or query (either may hold a credential).
    static func displayURL(_ url: String) -> String {
        var rest = Substring(url)
        var scheme = ""
        if let range = rest.firstRange(of: "://") {
            scheme = String(rest[..<range.upperBound])
            rest = rest[range.upperBound...]
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let path = rest[authorityEnd...].prefix { $0 != "?" && $0 != "#" }
        return HTMLText.truncated(scheme + authority + path, to: 200)
    }

    /// `GET /audit?subject=`: the chain's verification and the newest rows.
    func auditPage(_ request: HTTPRequest, role: DashboardAuth.Role) async throws -> (template: String, context: TemplateContext) {
        let now = clock.now()
        let subject = request.queryValue("subject").map { String($0.prefix(EventDecoder.maxAgentBytes)) } ?? ""
        let limit = Self.killSwitchRows
        let (rows, verifier) = try await store.read { db in
            (try AuditStore.recent(limit: limit, subject: subject.isEmpty ? nil : subject, in: db), try AuditStore.verify(in: db))
        }
        var context: TemplateContext = [
            "title": "Audit log",
            "subject": .text(subject),
            "filtered": .bool(!subject.isEmpty),
            "rows": .list(rows.map { r in
                var row: TemplateContext = [
                    "id": .text(String(r.id)),
                    "time": .text(PageFormat.dateTime(r.tsNS)),
                    "ago": .text(PageFormat.ago(r.tsNS, now: now)),
                    "actor": .text(r.actor),
                    "role": .text(r.role),
                    "action": .text(r.action),
                    "subject": .text(r.subject),
                    "detail": .text(HTMLText.truncated(r.detail, to: 600)),
                    "hash": .text(String(r.hash.prefix(12))),
                    "broken": .bool(verifier.firstBreak?.id == r.id),
                ]
                if !r.subject.isEmpty {
                    row["subjectHref"] = .text(DashboardURL.path("/audit", query: [("subject", r.subject)]))
                }
                return row
            }),
            "hasRows": .bool(!rows.isEmpty),
            "limited": .bool(rows.count == limit),
            "limit": .text(PageFormat.int(limit)),
            "verifiedCount": .text(PageFormat.int(verifier.count)),
        ]
        if let broken = verifier.firstBreak {
            context["chainBroken"] = .text(broken.description)
            context["brokenID"] = .text(String(broken.id))
        } else {
            context["chainOK"] = true
        }
        return ("audit", context)
    }

    /// The agent page's breaker controls: shown to admins only.
    func breakerControls(agent: String, role: DashboardAuth.Role) -> TemplateContext {
        ["canAct": .bool(role == .admin),
         "breakerAction": .text(DashboardURL.path("agents", agent, "breaker")),
         "maxReason": .text(String(Self.maxReasonBytes))]
    }

    /// `POST /agents/{agent}/breaker` (form: `action` trip|reset, `reason`, `csrf`): admin
    /// and CSRF checked, then the same audited path as `POST /v1/agents/{agent}/breaker`;
    /// answers 303 back to the agent page.
    func breakerAction(_ request: HTTPRequest, agent: String) async -> HTTPResponse {
        let form = Self.form(request.body)
        let role = auth.role(of: request)
        do {
            try auth.authorizeAction(request, form: form, as: .admin)
        } catch {
            return errorPage(request, role: role, status: error.status, message: error.message)
        }
        if let problem = ServiceRoutes.agentNameProblem(agent) {
            return errorPage(request, role: role, status: .badRequest, message: problem)
        }
        let action = form.first { $0.name == "action" }?.value ?? ""
        guard action == "trip" || action == "reset" else {
            return errorPage(request, role: role, status: .badRequest, message: "action must be trip or reset")
        }
        var reason = (form.first { $0.name == "reason" }?.value ?? "").trimmingSpaces
        if reason.isEmpty { reason = action == "trip" ? "tripped from the dashboard" : "reset from the dashboard" }
        guard reason.utf8.count <= Self.maxReasonBytes else {
            return errorPage(request, role: role, status: .badRequest,
                             message: "the reason must be at most \(Self.maxReasonBytes) bytes (it is audited)")
        }
        let actor = auth.isOpen ? AuditActor(name: "anonymous", role: "open") : AuditActor(name: "dashboard:admin", role: "admin")
        do {
            _ = try await BreakerControl(pipeline: pipeline, clock: clock).operate(agent: agent, trip: action == "trip",
                                                                                   reason: reason, by: actor)
        } catch {
            return errorPage(request, role: role, status: .internalServerError, message: "the breaker could not be changed: \(error)")
        }
        return Self.redirect(DashboardURL.path("agents", agent))
    }
}
