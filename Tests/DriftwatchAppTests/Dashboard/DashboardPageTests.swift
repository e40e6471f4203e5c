import Foundation
@testable import DriftwatchApp
import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore
import Testing

/// Every dashboard route rendered with realistic fleet data and with hostile agent output.
struct DashboardPageTests {
    static let hostileRoutes = [
        "/",
        "/?refresh=off",
        "/agents/" + DashboardURL.encode(Hostile.agent),
        "/sessions/" + DashboardURL.encode(Hostile.session),
        "/alerts",
        "/alerts?agent=" + DashboardURL.encode(Hostile.agent),
        "/alerts?q=" + DashboardURL.encode(Hostile.script) + "&kind=" + DashboardURL.encode(Hostile.img),
        "/alerts?kind=drift&severity=critical&period=1h",
        "/alerts?before=" + DashboardURL.encode(Hostile.title),
        "/agents/" + DashboardURL.encode(Hostile.long.prefix(100) + Hostile.rtl),
        "/sessions/" + DashboardURL.encode(Hostile.img),
    ]

    @Test func everyRouteRendersHostileAgentOutputEscaped() async throws {
        try await withDashboard { router, _, pipeline, store in
            try await seedRealisticAndHostile(pipeline, store)
            for target in Self.hostileRoutes {
                let response = try await router.call(request(.get, target))
                #expect(response.status == .ok || response.status == .notFound, "\(target): \(response.status)")
                #expect(response.headers["Content-Security-Policy"] == Dashboard.contentSecurityPolicy, "\(target)")
                #expect(response.headers["X-Content-Type-Options"] == "nosniff")
                #expect(response.headers["Referrer-Policy"] == "no-referrer")
                expectNoInjection(response.text, target)
            }
        }
    }

    @Test func hostilePayloadsAreShownAsVisibleText() async throws {
        try await withDashboard { router, _, pipeline, store in
            try await seedRealisticAndHostile(pipeline, store)
            let session = try await router.call(request(.get, "/sessions/" + DashboardURL.encode(Hostile.session)))
            #expect(session.status == .ok)
            let html = session.text
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
            #expect(html.contains("invoice[U+202E]fdp.exe"))
            #expect(html.contains("a\u{2400}b"))
            #expect(html.contains("&lt;/title&gt;&lt;h1&gt;pwned"))
            // The agent link is percent-encoded, the session id shown as text.
            #expect(html.contains("href=\"/agents/%3Cscript%3Ealert%281%29%3C%2Fscript%3E\""))
            #expect(html.contains("<h1 class=\"name\">javascript:alert(1)</h1>"))
            // Alerts appear in place, escaped.
            #expect(html.contains("inline-alert"))
            let agent = try await router.call(request(.get, "/agents/" + DashboardURL.encode(Hostile.agent)))
            #expect(agent.text.contains("href=\"/sessions/javascript%3Aalert%281%29\""))
        }
    }

    @Test func pagesShowRealisticFleetData() async throws {
        try await withDashboard { router, _, pipeline, store in
            let names = try await seedRealisticAndHostile(pipeline, store)
            let overview = try await router.call(request(.get, "/")).text
            for agent in names {
                #expect(overview.contains("href=\"/agents/\(agent)\""))
            }
            #expect(overview.contains("<meta http-equiv=\"refresh\" content=\"10\">"))
            #expect(overview.contains("Open dashboard"))
            #expect(!(try await router.call(request(.get, "/?refresh=off")).text.contains("http-equiv")))

            let agent = try await router.call(request(.get, "/agents/" + names[0]))
            #expect(agent.status == .ok)
            #expect(agent.text.contains("<svg"))            // tool mix and spend charts
            #expect(agent.text.contains("table class=\"heat\""))
            #expect(agent.text.contains("Recent sessions"))

            let sessionID = names[0] + "-s00001"
            let session = try await router.call(request(.get, "/sessions/" + sessionID))
            #expect(session.status == .ok)
            #expect(session.text.contains("<polyline"))

            let alerts = try await router.call(request(.get, "/alerts?severity=critical"))
            #expect(alerts.text.contains("sev-critical"))
            #expect(!alerts.text.contains("sev-warning\">warning"))
        }
    }

    @Test func alertsPaginateWithACursorAndSearchText() async throws {
        try await withDashboard { router, _, _, store in
            var alerts: [Alert] = []
            for i in 0..<120 {
                let kind: Alert.Kind = i % 2 == 0 ? .loopRepeat : .driftArgs
                let message = i == 77 ? "needle in a haystack" : "alert \(i)"
                let ts: Int64 = testNow - Int64(i) * 1_000_000_000
                alerts.append(Alert(ts: ts, agent: "a\(i % 3)", session: "s\(i)", kind: kind, severity: .warning, score: 1,
                                    threshold: 1, message: message, evidence: .object([]), seq: Int64(i)))
            }
            let batch = alerts
            _ = try await store.write { db in try AlertStore.insert(batch, in: db) }
            let first = try await router.call(request(.get, "/alerts")).text
            #expect(first.components(separatedBy: "<tr>").count - 2 == DashboardQueries.alertsPerPage)  // + the header row
            let next = try #require(first.components(separatedBy: "<a href=\"").first { $0.hasPrefix("/alerts?before=") }?
                .prefix { $0 != "\"" })
            let second = try await router.call(request(.get, String(next).replacingAmp)).text
            #expect(second.contains("alert 50") && !second.contains(">alert 49<") && second.contains("« newest"))
            let found = try await router.call(request(.get, "/alerts?q=NEEDLE")).text
            #expect(found.contains("needle in a haystack") && !found.contains("alert 76"))
            let family = try await router.call(request(.get, "/alerts?kind=drift&agent=a1")).text
            #expect(!family.contains("<code>loop.repeat</code>") && family.contains("<code>drift.args</code>"))
        }
    }

    @Test func unknownAgentAndSessionAreHTMLNotFoundPages() async throws {
        try await withDashboard { router, _, _, _ in
            for target in ["/agents/nobody", "/sessions/none"] {
                let response = try await router.call(request(.get, target))
                #expect(response.status == .notFound)
                #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
                #expect(response.text.contains("Back to the overview"))
            }
            let css = try await router.call(request(.get, "/static/driftwatch.css"))
            #expect(css.status == .ok && css.headers["Content-Type"] == "text/css; charset=utf-8" && !css.body.isEmpty)
        }
    }
}

extension String {
    var replacingAmp: String { components(separatedBy: "&amp;").joined(separator: "&") }
}
