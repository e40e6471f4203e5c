import Foundation
@testable import DriftwatchApp
@testable import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore
import Testing

/// "Accept recent behaviour as new baseline": the diff first, admin + CSRF to
/// accept, escaped like every page, audited.
struct DashboardRebaselineTests {
    @Test func diffFirstThenOnlyAnAdminWithTheFormsTokenAccepts() async throws {
        try await withDashboard(tokens: DashboardAccessTests.tokens) { router, dashboard, pipeline, store in
            let agents = try await seedRealisticAndHostile(pipeline, store)
            let agent = try #require(agents.first)
            let admin = dashboard.auth.issue(.admin), viewer = dashboard.auth.issue(.viewer)
            let path = DashboardURL.path("agents", agent, "rebaseline")

            let page = try await router.call(request(.get, path, cookie: viewer))
            #expect(page.status == .ok && page.text.contains("What would change"))
            #expect(page.text.contains("needs the admin role") && !page.text.contains("name=\"digest\""))

            let adminPage = try await router.call(request(.get, path, cookie: admin))
            let digest = try #require(adminPage.text.firstMatch(of: /name="digest" value="([0-9a-f]{64})"/)?.1).description
            let csrf = dashboard.auth.csrfToken(for: request(.get, "/", cookie: admin))

            let byViewer = try await router.call(request(.post, path, cookie: viewer, form: [("csrf", csrf), ("digest", digest)]))
            #expect(byViewer.status == .forbidden)
            let noCSRF = try await router.call(request(.post, path, cookie: admin, form: [("digest", digest)]))
            #expect(noCSRF.status == .forbidden)
            let stale = try await router.call(request(.post, path, cookie: admin, form: [("csrf", csrf), ("digest", String(repeating: "0", count: 64))]))
            #expect(stale.status == .ok && stale.text.contains("changed since the diff was shown"))
            #expect(try await store.read { db in try AuditStore.latest(action: "baseline.accepted", subject: agent, in: db) } == nil)

            let accepted = try await router.call(request(.post, path, cookie: admin, form: [("csrf", csrf), ("digest", digest)]))
            #expect(accepted.status == .seeOther && accepted.headers["Location"] == DashboardURL.path("agents", agent))
            #expect(pipeline.withMonitor { $0.baseline(for: agent) } != nil)
            #expect(try await store.read { db in try AuditStore.latest(action: "baseline.accepted", subject: agent, in: db) }?.role == "admin")
        }
    }

    @Test func hostileAgentDataInTheDiffIsEscaped() async throws {
        try await withDashboard { router, _, pipeline, store in
            _ = try await seedRealisticAndHostile(pipeline, store)
            let page = try await router.call(request(.get, DashboardURL.path("agents", Hostile.agent, "rebaseline")))
            #expect(page.status == .ok)
            for payload in Hostile.all { #expect(!page.text.contains(payload) || payload.allSatisfy { !"<>\"'&".contains($0) }) }
            #expect(!page.text.contains("<script"))
        }
    }
}
