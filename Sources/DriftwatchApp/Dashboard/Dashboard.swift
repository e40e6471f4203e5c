import DriftwatchCore
import Foundation
public import DriftwatchHTTP
public import DriftwatchStore

/// The HTML dashboard (spec §4 `GET /`, design.md § Dashboard): server-rendered pages over
/// the store and the detection state, with no JavaScript and no external assets.
///
/// Routes: `/` overview, `/agents/{agent}`, `/sessions/{session}`, `/alerts`, `/webhooks`,
/// `/audit`, `/agents/{agent}/breaker` (POST, admin + CSRF), `/login` (GET form, POST token),
/// `/logout` (POST), `/static/driftwatch.css`.
/// Every response carries a strict Content-Security-Policy, `nosniff` and `no-referrer`.
public struct Dashboard: Sendable {
    public let templates: TemplateSet
    public let auth: DashboardAuth
    public let pipeline: IngestPipeline
    public let store: any DatabaseWriter
    public let metrics: ServiceMetrics
    public let clock: WallClock
    /// Whether the overview asks the browser to reload itself every 10 s.
    public var overviewRefreshSeconds: Int? = 10
    /// Shown in the open-mode banner.
    public var listenDescription = "this machine"
    /// Extra lines on the overview (the demo's schedule).
    public var notice: [String] = []
    /// How many webhooks are configured (shown on the deliveries page).
    public var configuredWebhooks = 0

    public init(templates: TemplateSet, auth: DashboardAuth, pipeline: IngestPipeline, store: any DatabaseWriter,
                metrics: ServiceMetrics, clock: WallClock) {
        self.templates = templates
        self.auth = auth
        self.pipeline = pipeline
        self.store = store
        self.metrics = metrics
        self.clock = clock
    }

    public static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"

    /// Adds the dashboard's routes.
    public func register(in router: inout Router) {
        router.get("/") { request, _ in await self.page(request) { role in try await self.overview(request, role: role) } }
        router.get("/agents/{agent}") { request, parameters in
            let agent = try parameters.require("agent")
            return await self.page(request) { role in try await self.agentPage(request, agent: agent, role: role) }
        }
        router.get("/sessions/{session}") { request, parameters in
            let session = try parameters.require("session")
            return await self.page(request) { role in try await self.sessionPage(request, session: session, role: role) }
        }
        router.get("/alerts") { request, _ in await self.page(request) { role in try await self.alertsPage(request, role: role) } }
        router.get("/webhooks") { request, _ in await self.page(request) { role in try await self.webhooksPage(request, role: role) } }
        router.get("/audit") { request, _ in await self.page(request) { role in try await self.auditPage(request, role: role) } }
        router.post("/agents/{agent}/breaker") { request, parameters in
            let agent = try parameters.require("agent")
            return await self.breakerAction(request, agent: agent)
        }
        registerRebaseline(in: &router)
        router.get("/login") { request, _ in self.loginForm(request, error: nil) }
        router.post("/login") { request, _ in self.login(request) }
        router.post("/logout") { request, _ in self.logout(request) }
        router.get("/static/driftwatch.css") { _, _ in
            Self.secured(HTTPResponse(status: .ok, headers: ["Content-Type": "text/css; charset=utf-8",
                                                             "Cache-Control": "max-age=300"],
                                      body: self.templates.stylesheet))
        }
    }

    // MARK: - Response plumbing

    /// Adds the security headers every dashboard response carries.
    static func secured(_ response: HTTPResponse) -> HTTPResponse {
        var r = response
        try? r.headers.set("Content-Security-Policy", contentSecurityPolicy)
        try? r.headers.set("X-Content-Type-Options", "nosniff")
        try? r.headers.set("Referrer-Policy", "no-referrer")
        try? r.headers.set("X-Frame-Options", "DENY")
        if r.headers["Cache-Control"] == nil { try? r.headers.set("Cache-Control", "no-store") }
        return r
    }

    static func redirect(_ location: String, setCookie: String? = nil) -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        try? headers.set("Location", location)
        if let setCookie { try? headers.set("Set-Cookie", setCookie) }
        return secured(HTTPResponse(status: .seeOther, headers: headers))
    }

    /// Runs a page body for a reader, redirecting to the login form without a session
    /// and rendering errors as an HTML page (never a blank one).
    func page(_ request: HTTPRequest,
              _ body: (DashboardAuth.Role) async throws -> (template: String, context: TemplateContext)) async -> HTTPResponse {
        guard let role = auth.role(of: request) else {
            return Self.redirect(DashboardURL.path("/login", query: [("next", request.target)]))
        }
        do {
            let (template, context) = try await body(role)
            return Self.secured(.html(templates.render(template, frame(context, request: request, role: role))))
        } catch let error as HTTPError {
            return errorPage(request, role: role, status: error.status, message: error.message)
        } catch {
            return errorPage(request, role: role, status: .internalServerError, message: "the page could not be built: \(error)")
        }
    }

    func errorPage(_ request: HTTPRequest, role: DashboardAuth.Role?, status: HTTPStatus, message: String) -> HTTPResponse {
        let context: TemplateContext = ["title": .text("\(status.code) \(status.reasonPhrase)"), "message": .text(message)]
        return Self.secured(.html(templates.render("error", frame(context, request: request, role: role)), status: status))
    }

    /// What every page's header and footer need.
    func frame(_ page: TemplateContext, request: HTTPRequest, role: DashboardAuth.Role?) -> TemplateContext {
        var c = page
        c["open"] = .bool(auth.isOpen)
        c["listen"] = .text(listenDescription)
        c["loggedIn"] = .bool(!auth.isOpen && role != nil)
        c["role"] = .text(role?.rawValue ?? "")
        c["csrf"] = .text(auth.csrfToken(for: request))
        c["self"] = .text(DashboardURL.reencoded(request.target))
        c["generatedAt"] = .text(PageFormat.clockTime(clock.now()))
        return c
    }

    // MARK: - Login

    func loginForm(_ request: HTTPRequest, error: String?, status: HTTPStatus = .ok) -> HTTPResponse {
        if auth.isOpen { return Self.redirect("/") }
        let next = DashboardURL.localRedirect(request.queryValue("next") ?? Self.form(request.body).first { $0.name == "next" }?.value)
        let context: TemplateContext = ["title": "Log in", "next": .text(next), "error": .text(error ?? "")]
        return Self.secured(.html(templates.render("login", frame(context, request: request, role: nil)), status: status))
    }

    /// `POST /login` with `token` (viewer or admin; an ingest token cannot read).
    func login(_ request: HTTPRequest) -> HTTPResponse {
        if auth.isOpen { return Self.redirect("/") }
        let form = Self.form(request.body)
        let token = form.first { $0.name == "token" }?.value ?? ""
        let granted = auth.access.roles(for: token)
        let role: DashboardAuth.Role? = granted.contains(.admin) ? .admin : granted.contains(.viewer) ? .viewer : nil
        guard let role else {
            let reason = granted.isEmpty ? "That token is not valid." : "That is an ingest token: it can send events but not read the dashboard."
            return loginForm(request, error: reason, status: .unauthorized)
        }
        let next = DashboardURL.localRedirect(form.first { $0.name == "next" }?.value)
        return Self.redirect(next, setCookie: auth.setCookie(auth.issue(role)))
    }

    /// `POST /logout`, a state change: needs the CSRF token.
    func logout(_ request: HTTPRequest) -> HTTPResponse {
        do {
            try auth.authorizeAction(request, form: Self.form(request.body), as: .viewer)
        } catch {
            return errorPage(request, role: auth.role(of: request), status: error.status, message: error.message)
        }
        return Self.redirect("/login", setCookie: DashboardAuth.clearCookie)
    }

    /// Decodes an `application/x-www-form-urlencoded` body; malformed pairs are skipped.
    static func form(_ body: [UInt8]) -> [(name: String, value: String)] {
        guard body.count <= 64 * 1024 else { return [] }
        return HTTPRequest(method: .get, target: "/?" + String(decoding: body.map { $0 == UInt8(ascii: "?") ? UInt8(ascii: "_") : $0 },
                                                                as: UTF8.self)).query
    }
}

extension Dashboard {
    /// The dashboard `serve` runs: templates from `configuration.dashboards`, cookie key
    /// from the admin token (or random), over the service's pipeline and store.
    /// As with baselines, the default directory may be absent (the service then runs
    /// without a dashboard and says so); a named one must exist, and a broken template is
    /// always a start-up error.
    /// - Throws: `ServiceError.data` naming the template file and line at fault.
    static func load(settings: ServeSettings, routes: ServiceRoutes,
                     log: @Sendable (String) -> Void) throws(ServiceError) -> Dashboard? {
        let directory = settings.configuration.dashboards
        var isDirectory: ObjCBool = false
        if !settings.dashboardsDirectoryIsExplicit,
           !(FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue) {
            log("driftwatch: no \(directory)/ directory here, so the HTML dashboard is off (pass --dashboards DIR)")
            return nil
        }
        let templates: TemplateSet
        do {
            templates = try TemplateSet(directory: settings.configuration.dashboards)
        } catch {
            throw .data("dashboard: \(error)")
        }
        var dashboard = Dashboard(templates: templates, auth: DashboardAuth(access: routes.access), pipeline: routes.pipeline,
                                  store: routes.store, metrics: routes.metrics, clock: routes.clock)
        dashboard.listenDescription = settings.listen.description
        dashboard.notice = settings.dashboardNotice
        dashboard.configuredWebhooks = settings.configuration.webhooks.count
        return dashboard
    }
}
