import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore

/// "Accept recent behaviour as new baseline" (design.md § Baselines): the diff
/// first (`GET /agents/{agent}/rebaseline`), then an admin decision with a
/// CSRF token (`POST`). The form carries a digest of the proposal it showed;
/// if recent behaviour moved in between, the new diff is shown instead of
/// accepting something nobody saw.
extension Dashboard {
    func registerRebaseline(in router: inout Router) {
        router.get("/agents/{agent}/rebaseline") { request, parameters in
            let agent = try parameters.require("agent")
            return await self.page(request) { role in try await self.rebaselinePage(request, agent: agent, role: role, notice: nil) }
        }
        router.post("/agents/{agent}/rebaseline") { request, parameters in
            try await self.acceptRebaseline(request, agent: try parameters.require("agent"))
        }
    }

    /// A proposal learned from fewer calls than an agent normally learns from
    /// (or than the baseline it replaces) gives weak, wide bounds: say so.
    static func thinWarning(_ p: Rebaseline.Proposal, minCalls: Int) -> String? {
        let calls = p.proposed.toolCalls
        let reference = max(minCalls, min(p.current?.toolCalls ?? 0, Rebaseline.recentCalls))
        guard calls < reference else { return nil }
        return "This proposal rests on only \(PageFormat.int(calls)) tool calls (\(PageFormat.int(reference)) would be usual): "
            + "its rates and bounds will be rough, and detection for this agent weaker until it is replaced."
    }

    static func digest(_ b: Baseline) -> String { HexEncoding.encode(SHA256.hash(Array(b.fileText.utf8))) }

    func rebaselinePage(_ request: HTTPRequest, agent: String, role: DashboardAuth.Role,
                        notice: String?) async throws -> (template: String, context: TemplateContext) {
        guard let proposal = try await Rebaseline.propose(agent: agent, pipeline: pipeline, store: store) else {
            throw HTTPError(.notFound, message: "\(agent) has no stored tool calls to learn a baseline from")
        }
        let context: TemplateContext = [
            "title": .text("Accept recent behaviour as \(agent)'s baseline"),
            "agent": .text(agent),
            "agentURL": .text(DashboardURL.path("agents", agent)),
            "actionURL": .text(DashboardURL.path("agents", agent, "rebaseline")),
            "calls": .text(PageFormat.int(proposal.proposed.toolCalls)),
            "hasCurrent": .bool(proposal.current != nil),
            "diff": .text(proposal.diff),
            "digest": .text(Self.digest(proposal.proposed)),
            "canAct": .bool(role >= .admin),
            "notice": .text(notice ?? ""),
            "thin": .text(Self.thinWarning(proposal, minCalls: pipeline.withMonitor { $0.settings.minCalls }) ?? ""),
        ]
        return ("rebaseline", context)
    }

    func acceptRebaseline(_ request: HTTPRequest, agent: String) async throws -> HTTPResponse {
        let form = Self.form(request.body)
        do {
            try auth.authorizeAction(request, form: form, as: .admin)
        } catch {
            return errorPage(request, role: auth.role(of: request), status: error.status, message: error.message)
        }
        guard let proposal = try await Rebaseline.propose(agent: agent, pipeline: pipeline, store: store) else {
            return errorPage(request, role: .admin, status: .notFound, message: "\(agent) has no stored tool calls")
        }
        guard form.first(where: { $0.name == "digest" })?.value == Self.digest(proposal.proposed) else {
            return await page(request) { role in
                try await self.rebaselinePage(request, agent: agent, role: role,
                                              notice: "Recent behaviour changed since the diff was shown; review the new diff.")
            }
        }
        let actor = auth.isOpen ? AuditActor(name: "anonymous", role: "open") : AuditActor(name: "dashboard", role: "admin")
        try await Rebaseline.accept(proposal, by: actor, pipeline: pipeline, now: clock.now())
        return Self.redirect(DashboardURL.path("agents", agent))
    }
}
