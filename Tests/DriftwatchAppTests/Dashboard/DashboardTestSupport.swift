import Foundation
@testable import DriftwatchApp
@testable import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore
import Testing

/// The repository's `dashboards/` directory (the templates that ship).
let shippedDashboards: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("dashboards").path
}()

let testNow: Int64 = 1_700_000_000_000_000_000

/// A dashboard over the test pipeline and store, its routes in a router.
func withDashboard(
    tokens: Configuration.Tokens = Configuration.Tokens(),
    now: @escaping @Sendable () -> Int64 = { testNow / 1_000_000_000 },
    _ body: (Router, Dashboard, IngestPipeline, any DatabaseWriter) async throws -> Void
) async throws {
    var configuration = Configuration()
    configuration.tokens = tokens
    try await withRoutes(configuration: configuration, clock: WallClock { testNow }) { routes, pipeline, store in
        let templates = try TemplateSet(directory: shippedDashboards)
        let dashboard = Dashboard(templates: templates,
                                  auth: DashboardAuth(access: routes.access, now: now, randomKey: Array(repeating: 7, count: 32)),
                                  pipeline: pipeline, store: store, metrics: routes.metrics, clock: routes.clock)
        var router = Router()
        dashboard.register(in: &router)
        try await body(router, dashboard, pipeline, store)
    }
}

extension Router {
    /// Responds as the server would (a thrown `HTTPError` becomes its response).
    func call(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            return try await respond(to: request)
        } catch let error as HTTPError {
            return error.response
        }
    }
}

func request(_ method: HTTPMethod, _ target: String, cookie: String? = nil, form: [(String, String)]? = nil) -> HTTPRequest {
    var headers = HTTPHeaders()
    if let cookie { try? headers.add("Cookie", "theme=dark; \(DashboardAuth.cookieName)=\(cookie)") }
    var body: [UInt8] = []
    if let form {
        try? headers.add("Content-Type", "application/x-www-form-urlencoded")
        body = Array(form.map { DashboardURL.encode($0.0) + "=" + DashboardURL.encode($0.1) }.joined(separator: "&").utf8)
    }
    return HTTPRequest(method: method, target: target, headers: headers, body: body)
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// The payloads an attacker plants in agent output (design.md § Dashboard).
enum Hostile {
    static let script = "<script>alert(1)</script>"
    static let img = "\"><img src=x onerror=alert(1)>"
    static let jsURL = "javascript:alert(1)"
    static let title = "</title><h1>pwned"
    static let rtl = "invoice\u{202E}fdp.exe"
    static let nul = "a\u{0}b"
    static let long = String(repeating: "<b>x</b>", count: 1300)  // ~10 KB

    static let agent = script
    static let tool = img
    static let session = jsURL
    static let all = [script, img, jsURL, title, rtl, nul]
}

/// Fails the test if `html` contains anything a hostile string could have become.
func expectNoInjection(_ html: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let lower = html.lowercased()
    #expect(!lower.contains("<script"), "\(label): raw <script", sourceLocation: sourceLocation)
    #expect(!lower.contains("<img"), "\(label): raw <img", sourceLocation: sourceLocation)
    #expect(!lower.contains("<h1>pwned"), "\(label): raw </title> break-out", sourceLocation: sourceLocation)
    #expect(!lower.contains("<b>x</b>"), "\(label): raw long markup", sourceLocation: sourceLocation)
    let head = lower.components(separatedBy: "</head>")[0]
    #expect(head.components(separatedBy: "</title>").count == 2, "\(label): extra </title> in the head", sourceLocation: sourceLocation)
    #expect(!html.unicodeScalars.contains { $0.value == 0 || (0x202A...0x202E).contains($0.value) || (0x2066...0x2069).contains($0.value) },
            "\(label): raw NUL or bidi override", sourceLocation: sourceLocation)
    // Every link and form target is a local path without a scheme.
    for attribute in ["href=\"", "action=\"", "src=\""] {
        for part in html.components(separatedBy: attribute).dropFirst() {
            let value = part.prefix { $0 != "\"" }
            #expect(value.hasPrefix("/") && !value.hasPrefix("//"), "\(label): \(attribute)\(value)", sourceLocation: sourceLocation)
            #expect(!value.lowercased().contains("javascript:"), "\(label): \(attribute)\(value)", sourceLocation: sourceLocation)
        }
    }
    // No attribute value is broken out of: a quote before `onerror=` would have been escaped.
    #expect(!lower.contains("\" onerror=") && !lower.contains("' onerror="),
            "\(label): attribute break-out", sourceLocation: sourceLocation)
}

/// Stores realistic events from the simulated fleet, and hostile ones with their alerts.
@discardableResult
func seedRealisticAndHostile(_ pipeline: IngestPipeline, _ store: any DatabaseWriter) async throws -> [String] {
    var generator = FleetGenerator(agents: 4, seed: 20)
    var bytes: [UInt8] = []
    for _ in 0..<1500 { generator.next(into: &bytes) }
    var events: [Event] = []
    for line in bytes.split(separator: UInt8(ascii: "\n")) {
        var e = try EventDecoder.decodeEvent(String(decoding: line, as: UTF8.self))
        e.ts = testNow - 3_000_000_000_000 + Int64(events.count) * 1_000_000_000
        events.append(e)
    }
    _ = try await pipeline.submit(events, receivedNS: testNow - 60_000_000_000)

    var hostile: [Event] = []
    for (i, payload) in (Hostile.all + [Hostile.long]).enumerated() {
        hostile.append(Event(agent: Hostile.agent, tool: i == 0 ? Hostile.tool : payload, ts: testNow - 1_000_000_000 * Int64(30 - i),
                             session: Hostile.session, callID: "h\(i)",
                             args: .object([JSONMember(payload, .string(payload)), JSONMember("url", .string(Hostile.jsURL))]),
                             status: i == 2 ? payload : "ok", costUSD: 0.01, latencyMS: 12, model: payload,
                             reasoning: payload, labels: .object([JSONMember("note", .string(payload))])))
    }
    _ = try await pipeline.submit(hostile, receivedNS: testNow - 1_000_000_000)
    await pipeline.settled()
    let alerts = Hostile.all.enumerated().map { i, payload in
        Alert(ts: testNow - 1_000_000_000 * Int64(30 - i), agent: Hostile.agent, session: Hostile.session,
              kind: i % 2 == 0 ? .driftArgs : .loopRepeat, severity: i == 0 ? .critical : .warning, score: 9, threshold: 3,
              message: "The agent wrote " + payload + Hostile.long.prefix(200),
              evidence: .object([JSONMember("seen", .string(payload))]), seq: 1500 + Int64(i) + 1)
    }
    _ = try await store.write { db in try AlertStore.insert(alerts, in: db) }
    return generator.agents.map(\.name)
}
