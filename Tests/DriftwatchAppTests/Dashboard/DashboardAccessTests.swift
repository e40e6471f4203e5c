import Foundation
@testable import DriftwatchApp
@testable import DriftwatchCore
import DriftwatchHTTP
import Testing

/// Login, signed cookies, roles and CSRF (design.md § Security).
struct DashboardAccessTests {
    static let viewer = "viewer-token-0123456789"
    static let admin = "admin-token-0123456789ab"
    static let ingest = "ingest-token-0123456789"
    static var tokens: Configuration.Tokens {
        var t = Configuration.Tokens()
        t.viewer = viewer
        t.admin = admin
        t.ingest = ingest
        return t
    }

    static func cookie(of response: HTTPResponse) -> String? {
        guard let header = response.headers["Set-Cookie"], header.hasPrefix(DashboardAuth.cookieName + "=") else { return nil }
        return String(header.dropFirst(DashboardAuth.cookieName.count + 1).prefix { $0 != ";" })
    }

    @Test func pagesRedirectToLoginAndLoginSetsAStrictSignedCookie() async throws {
        try await withDashboard(tokens: Self.tokens) { router, _, _, _ in
            let anonymous = try await router.call(request(.get, "/alerts?kind=drift"))
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers["Location"] == "/login?next=%2Falerts%3Fkind%3Ddrift")
            let form = try await router.call(request(.get, "/login?next=%2Falerts"))
            #expect(form.status == .ok && form.text.contains("type=\"password\"") && !form.text.contains("Open dashboard"))

            let login = try await router.call(request(.post, "/login", form: [("token", Self.viewer), ("next", "/alerts")]))
            #expect(login.status == .seeOther && login.headers["Location"] == "/alerts")
            let setCookie = try #require(login.headers["Set-Cookie"])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/"))
            #expect(!setCookie.contains(Self.viewer))
            let cookie = try #require(Self.cookie(of: login))
            #expect(cookie.hasPrefix("viewer."))
            let page = try await router.call(request(.get, "/", cookie: cookie))
            #expect(page.status == .ok && page.text.contains("Log out"))
        }
    }

    @Test func wrongOrIngestTokensAndForgedCookiesAreRefused() async throws {
        try await withDashboard(tokens: Self.tokens) { router, dashboard, _, _ in
            let wrong = try await router.call(request(.post, "/login", form: [("token", "nope")]))
            #expect(wrong.status == .unauthorized && wrong.text.contains("not valid") && wrong.headers["Set-Cookie"] == nil)
            let ingest = try await router.call(request(.post, "/login", form: [("token", Self.ingest)]))
            #expect(ingest.status == .unauthorized && ingest.text.contains("ingest token"))

            let viewer = dashboard.auth.issue(.viewer)
            let forged = "admin." + viewer.split(separator: ".").dropFirst().joined(separator: ".")
            #expect(try await router.call(request(.get, "/", cookie: forged)).status == .seeOther)
            #expect(try await router.call(request(.get, "/", cookie: "admin.99999999999.00")).status == .seeOther)
            // An open redirect through `next` is not possible.
            let offsite = try await router.call(request(.post, "/login", form: [("token", Self.admin), ("next", "//evil.example/")]))
            #expect(offsite.headers["Location"] == "/")
        }
    }

    @Test func cookiesExpire() {
        let clock = Clock()
        let auth = DashboardAuth(access: AccessControl(tokens: Self.tokens), sessionLifetimeSeconds: 60, now: { clock.now })
        let cookie = auth.issue(.admin)
        #expect(auth.verify(cookie) == .admin)
        clock.now += 61
        #expect(auth.verify(cookie) == nil)
    }

    final class Clock: @unchecked Sendable {
        var now: Int64 = 1_700_000_000
    }

    @Test func logoutNeedsTheCSRFTokenAndClearsTheCookie() async throws {
        try await withDashboard(tokens: Self.tokens) { router, dashboard, _, _ in
            let cookie = dashboard.auth.issue(.viewer)
            let noToken = try await router.call(request(.post, "/logout", cookie: cookie, form: []))
            #expect(noToken.status == .forbidden && noToken.headers["Set-Cookie"] == nil)
            let badToken = try await router.call(request(.post, "/logout", cookie: cookie, form: [("csrf", String(repeating: "0", count: 64))]))
            #expect(badToken.status == .forbidden)
            // The page's form carries the right token.
            let page = try await router.call(request(.get, "/", cookie: cookie)).text
            let csrf = try #require(page.components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.prefix(64))
            let out = try await router.call(request(.post, "/logout", cookie: cookie, form: [("csrf", String(csrf))]))
            #expect(out.status == .seeOther && out.headers["Location"] == "/login")
            #expect(out.headers["Set-Cookie"]?.contains("Max-Age=0") == true)
        }
    }

    @Test func viewerCannotActAndAdminNeedsCSRF() async throws {
        try await withDashboard(tokens: Self.tokens) { _, dashboard, _, _ in
            let auth = dashboard.auth
            let viewerCookie = auth.issue(.viewer)
            let viewerRequest = request(.post, "/x", cookie: viewerCookie)
            #expect(throws: HTTPError.self) {
                try auth.authorizeAction(viewerRequest, form: [("csrf", auth.csrfToken(for: viewerRequest))], as: .admin)
            }
            do {
                try auth.authorizeAction(viewerRequest, form: [("csrf", auth.csrfToken(for: viewerRequest))], as: .admin)
            } catch let error as HTTPError {
                #expect(error.status == .forbidden)
            }
            let adminRequest = request(.post, "/x", cookie: auth.issue(.admin))
            #expect(throws: HTTPError.self) { try auth.authorizeAction(adminRequest, form: [], as: .admin) }
            // A CSRF token belongs to one session: the viewer's does not work for the admin's cookie.
            #expect(throws: HTTPError.self) {
                try auth.authorizeAction(adminRequest, form: [("csrf", auth.csrfToken(for: viewerRequest))], as: .admin)
            }
            try auth.authorizeAction(adminRequest, form: [("csrf", auth.csrfToken(for: adminRequest))], as: .admin)
            // Nobody at all: 401.
            do {
                try auth.authorizeAction(request(.post, "/x"), form: [], as: .viewer)
                Issue.record("anonymous action allowed")
            } catch let error as HTTPError {
                #expect(error.status == .unauthorized)
            }
            // A script with the admin bearer token needs no CSRF token (browsers never send that header themselves).
            var scripted = request(.post, "/x")
            try scripted.headers.add("Authorization", "Bearer \(Self.admin)")
            try auth.authorizeAction(scripted, form: [], as: .admin)
        }
    }

    @Test func openModeNeedsNoLoginButStillChecksCSRF() async throws {
        try await withDashboard { router, dashboard, _, _ in
            let page = try await router.call(request(.get, "/"))
            #expect(page.status == .ok && page.text.contains("Open dashboard") && !page.text.contains("Log out"))
            #expect(try await router.call(request(.get, "/login")).status == .seeOther)
            let auth = dashboard.auth
            #expect(throws: HTTPError.self) { try auth.authorizeAction(request(.post, "/x"), form: [], as: .admin) }
            try auth.authorizeAction(request(.post, "/x"), form: [("csrf", auth.csrfToken(for: request(.post, "/x")))], as: .admin)
        }
    }
}
