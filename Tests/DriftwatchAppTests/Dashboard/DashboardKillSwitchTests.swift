import Foundation
@testable import DriftwatchApp
@testable import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore
import Testing

/// The webhook deliveries and audit log pages, and the agent page's breaker controls.
struct DashboardKillSwitchTests {
    /// One delivered, one pending (with an error) and one dead delivery per agent.
    static func seedDeliveries(_ store: any DatabaseWriter, agents: [String], error: String) async throws {
        _ = try await store.write { db in
            for (i, agent) in agents.enumerated() {
                let rows = ["delivered", "pending", "dead"].map { s in
                    NewOutboxRow(eventID: "evt-\(i)-\(s)", eventType: "breaker.open", agent: agent,
                                 webhookURL: "http://user:secret@127.0.0.1:9/hook?token=t0psecret", body: "{}")
                }
                try OutboxStore.insert(rows, createdNS: testNow - 120_000_000_000, in: db)
            }
            let all = try OutboxStore.recent(limit: 100, in: db)
            for row in all {
                if row.eventID.hasSuffix("delivered") {
                    try OutboxStore.markDelivered(id: row.id, attempts: 1, atNS: testNow - 119_000_000_000, in: db)
                } else if row.eventID.hasSuffix("pending") {
                    try OutboxStore.markRetry(id: row.id, attempts: 2, atNS: testNow - 60_000_000_000,
                                              nextAttemptNS: testNow + 30_000_000_000, error: error, in: db)
                } else {
                    try OutboxStore.markDead(id: row.id, attempts: 9, atNS: testNow - 1_000_000_000, error: error, in: db)
                }
            }
        }
    }

    static func seedAudit(_ store: any DatabaseWriter, subjects: [String], reason: String) async throws {
        _ = try await store.write { db in
            for (i, subject) in subjects.enumerated() {
                try AuditStore.append(tsNS: testNow - Int64(100 - i) * 1_000_000_000, actor: i % 2 == 0 ? "driftwatch" : reason,
                                      role: i % 2 == 0 ? "system" : "admin", action: "breaker.open", subject: subject,
                                      detail: .object([JSONMember("reason", .string(reason))]), in: db)
            }
        }
    }

    @Test func webhooksPageShowsDeliveriesByStateNewestFirst() async throws {
        try await withDashboard { router, _, pipeline, store in
            let names = try await seedRealisticAndHostile(pipeline, store)
            try await Self.seedDeliveries(store, agents: names, error: "HTTP 502 from the receiver")
            let page = try await router.call(request(.get, "/webhooks"))
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("href=\"/webhooks\"") && html.contains("Webhook deliveries"))
            #expect(html.contains("delivery-delivered\">delivered") && html.contains("delivery-pending\">pending")
                && html.contains("delivery-dead\">dead"))
            #expect(html.contains("HTTP 502 from the receiver") && html.contains("in 30.0 s"))
            #expect(html.contains("href=\"/agents/\(names[0])\""))
            // Newest first: the last agent's rows come before the first agent's.
            let last = try #require(html.range(of: "evt-\(names.count - 1)-dead"))
            let first = try #require(html.range(of: "evt-0-delivered"))
            #expect(last.lowerBound < first.lowerBound)
            // A webhook URL's credentials are never shown.
            #expect(!html.contains("secret@") && !html.contains("t0psecret") && html.contains("http://127.0.0.1:9/hook"))
            let dead = try await router.call(request(.get, "/webhooks?state=dead")).text
            #expect(dead.contains("evt-0-dead") && !dead.contains("evt-0-delivered") && !dead.contains("evt-0-pending"))
            // The nav links to both new pages everywhere.
            let overview = try await router.call(request(.get, "/")).text
            #expect(overview.contains("<a href=\"/webhooks\">Webhooks</a>") && overview.contains("<a href=\"/audit\">Audit log</a>"))
        }
    }

    @Test func webhooksPageIsBounded() async throws {
        try await withDashboard { router, _, _, store in
            try await Self.seedDeliveries(store, agents: (0..<80).map { "agent-\($0)" }, error: "timeout")
            let html = try await router.call(request(.get, "/webhooks")).text
            #expect(html.components(separatedBy: "<tr>").count - 2 == Dashboard.killSwitchRows)
            #expect(html.contains("Only the newest 200"))
        }
    }

    @Test func auditPageShowsRowsAndAVerifiedChain() async throws {
        try await withDashboard { router, _, _, store in
            try await Self.seedAudit(store, subjects: ["billing-01", "ops-02", "billing-01"], reason: "spend spike")
            let html = try await router.call(request(.get, "/audit")).text
            #expect(html.contains("Chain verified:</strong> all 3 rows"))
            #expect(html.contains("<code>breaker.open</code>") && html.contains("spend spike") && html.contains(">system<"))
            #expect(html.contains("href=\"/audit?subject=billing-01\""))
            let filtered = try await router.call(request(.get, "/audit?subject=ops-02")).text
            #expect(filtered.components(separatedBy: "<tr").count - 2 == 1)
        }
    }

    @Test func auditPageNamesTheFirstBrokenRow() async throws {
        try await withDashboard { router, _, _, store in
            try await Self.seedAudit(store, subjects: ["a", "b"], reason: "r")
            // A row slipped in behind driftwatch's back, not chained to the last one.
            _ = try await store.write { db in
                try db.execute("""
                    INSERT INTO audit (id, ts_ns, actor, role, action, subject, detail, prev_hash, hash)
                    VALUES (3, 1, 'mallory', 'admin', 'breaker.reset', 'a', '{}', ?, ?)
                    """, [.text(String(repeating: "0", count: 64)), .text(String(repeating: "1", count: 64))])
            }
            let html = try await router.call(request(.get, "/audit")).text
            #expect(html.contains("Chain broken at row 3:") && !html.contains("Chain verified"))
            #expect(html.contains("<tr class=\"broken\">"))
        }
    }

    @Test func hostilePayloadsOnTheNewPagesAreEscaped() async throws {
        try await withDashboard { router, _, pipeline, store in
            try await seedRealisticAndHostile(pipeline, store)
            for payload in Hostile.all + [Hostile.long] {
                try await Self.seedDeliveries(store, agents: [payload], error: payload)
                try await Self.seedAudit(store, subjects: [payload, payload], reason: payload)
            }
            _ = try await BreakerControl(pipeline: pipeline, clock: WallClock { testNow })
                .operate(agent: Hostile.agent, trip: true, reason: Hostile.img + Hostile.jsURL, by: AuditActor(name: Hostile.script, role: "admin"))
            for target in ["/webhooks", "/webhooks?state=dead", "/webhooks?state=" + DashboardURL.encode(Hostile.img),
                           "/audit", "/audit?subject=" + DashboardURL.encode(Hostile.script),
                           "/audit?subject=" + DashboardURL.encode(Hostile.img),
                           "/agents/" + DashboardURL.encode(Hostile.agent)] {
                let response = try await router.call(request(.get, target))
                #expect(response.status == .ok, "\(target)")
                #expect(response.headers["Content-Security-Policy"] == Dashboard.contentSecurityPolicy)
                expectNoInjection(response.text, target)
            }
            let audit = try await router.call(request(.get, "/audit")).text
            #expect(audit.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(audit.contains("href=\"/audit?subject=%3Cscript%3Ealert%281%29%3C%2Fscript%3E\""))
            let agent = try await router.call(request(.get, "/agents/" + DashboardURL.encode(Hostile.agent))).text
            #expect(agent.contains("action=\"/agents/%3Cscript%3Ealert%281%29%3C%2Fscript%3E/breaker\""))
            #expect(agent.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;javascript:alert(1)"))
        }
    }

    @Test func tripFormNeedsAdminAndCSRFThenOpensTheBreakerAndIsAudited() async throws {
        try await withDashboard(tokens: DashboardAccessTests.tokens) { router, dashboard, pipeline, store in
            let names = try await seedRealisticAndHostile(pipeline, store)
            let agent = names[0]
            let target = "/agents/\(agent)/breaker"
            let viewer = dashboard.auth.issue(.viewer)
            let admin = dashboard.auth.issue(.admin)
            func csrf(_ cookie: String) -> String { dashboard.auth.csrfToken(for: request(.get, "/", cookie: cookie)) }
            let status = { await BreakerControl(pipeline: pipeline, clock: WallClock { testNow }).status(agent: agent) }

            // Viewers see the state, not the forms, and cannot post.
            let viewerPage = try await router.call(request(.get, "/agents/\(agent)", cookie: viewer)).text
            #expect(viewerPage.contains("breaker</span>") && !viewerPage.contains("Trip breaker") && !viewerPage.contains(target))
            let byViewer = try await router.call(request(.post, target, cookie: viewer,
                                                         form: [("csrf", csrf(viewer)), ("action", "trip"), ("reason", "x")]))
            #expect(byViewer.status == .forbidden)
            // Nobody at all: 401.
            #expect(try await router.call(request(.post, target, form: [("action", "trip"), ("reason", "x")])).status == .unauthorized)
            // An admin without, or with someone else's, CSRF token.
            let missing = try await router.call(request(.post, target, cookie: admin, form: [("action", "trip"), ("reason", "x")]))
            #expect(missing.status == .forbidden && missing.text.contains("CSRF"))
            let wrong = try await router.call(request(.post, target, cookie: admin,
                                                      form: [("csrf", csrf(viewer)), ("action", "trip"), ("reason", "x")]))
            #expect(wrong.status == .forbidden)
            let bad = try await router.call(request(.post, target, cookie: admin,
                                                    form: [("csrf", csrf(admin)), ("action", "explode"), ("reason", "x")]))
            #expect(bad.status == .badRequest)
            #expect(await status().state != .open)
            let auditBefore = try await store.read { db in try AuditStore.recent(limit: 10, subject: agent, in: db) }
            #expect(auditBefore.isEmpty)

            // The admin page has both forms carrying the session's CSRF token.
            let adminPage = try await router.call(request(.get, "/agents/\(agent)", cookie: admin)).text
            #expect(adminPage.contains("Trip breaker") && adminPage.contains("Reset breaker")
                && adminPage.contains("action=\"\(target)\"") && adminPage.contains("value=\"\(csrf(admin))\""))

            let trip = try await router.call(request(.post, target, cookie: admin,
                                                     form: [("csrf", csrf(admin)), ("action", "trip"), ("reason", "deleting invoices")]))
            #expect(trip.status == .seeOther && trip.headers["Location"] == "/agents/\(agent)")
            #expect(await status().state == .open)
            let rows = try await store.read { db in try AuditStore.recent(limit: 10, subject: agent, in: db) }
            let row = try #require(rows.first { $0.action == "breaker.trip" })
            #expect(row.role == "admin" && row.actor == "dashboard:admin" && row.detail.contains("deleting invoices"))
            let chain = try await store.read { db in try AuditStore.verify(in: db) }
            #expect(chain.firstBreak == nil)
            let after = try await router.call(request(.get, "/agents/\(agent)", cookie: viewer)).text
            #expect(after.contains("state-open") && after.contains("deleting invoices"))
            let auditPage = try await router.call(request(.get, "/audit", cookie: viewer)).text
            #expect(auditPage.contains("<code>breaker.trip</code>") && auditPage.contains("dashboard:admin"))

            let reset = try await router.call(request(.post, target, cookie: admin,
                                                      form: [("csrf", csrf(admin)), ("action", "reset"), ("reason", "")]))
            #expect(reset.status == .seeOther)
            #expect(await status().state == .closed)
        }
    }
}
