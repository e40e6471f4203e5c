import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore

extension Dashboard {
    static let periods: [(value: String, label: String, seconds: Int64)] = [
        ("1h", "last hour", 3600), ("24h", "last 24 hours", 86_400), ("7d", "last 7 days", 7 * 86_400), ("all", "any time", 0),
    ]

    /// `GET /alerts?agent=&kind=&severity=&period=&q=&before=`: filters, text search, pages.
    /// Unknown or malformed values are ignored (a page, unlike the API, shows what it can).
    func alertsPage(_ request: HTTPRequest, role: DashboardAuth.Role) async throws -> (template: String, context: TemplateContext) {
        let now = clock.now()
        var filter = DashboardQueries.AlertFilter()
        let agent = String((request.queryValue("agent") ?? "").prefix(EventDecoder.maxAgentBytes))
        let kinds = Alert.Kind.allCases.map(\.rawValue)
        let families = Array(Set(Alert.Kind.allCases.map(\.family))).sorted()
        let kind = request.queryValue("kind").flatMap { kinds.contains($0) || families.contains($0) ? $0 : nil } ?? ""
        let severity = request.queryValue("severity").flatMap { $0 == "warning" || $0 == "critical" ? $0 : nil } ?? ""
        let period = request.queryValue("period").flatMap { p in Self.periods.contains { $0.value == p } ? p : nil } ?? "all"
        let text = String((request.queryValue("q") ?? "").prefix(200))
        filter.agent = agent.isEmpty ? nil : agent
        filter.kind = kind.isEmpty ? nil : kind
        filter.severity = severity.isEmpty ? nil : severity
        if let p = Self.periods.first(where: { $0.value == period }), p.seconds > 0 {
            filter.sinceNS = now - p.seconds * 1_000_000_000
        }
        filter.text = text.isEmpty ? nil : text
        if let before = request.queryValue("before") {
            let parts = before.split(separator: "-")
            if parts.count == 2, let ts = Int64(parts[0]), let rowid = Int64(parts[1]) { filter.before = (ts, rowid) }
        }
        let f = filter
        let page = try await store.read { db in try DashboardQueries.alerts(f, in: db) }
        let base: [(String, String)] = [("agent", agent), ("kind", kind), ("severity", severity),
                                        ("period", period == "all" ? "" : period), ("q", text)]
        var context: TemplateContext = [
            "title": "Alerts",
            "agent": .text(agent),
            "q": .text(text),
            "alerts": .list(page.alerts.map { alertRow($0, now: now) }),
            "hasAlerts": .bool(!page.alerts.isEmpty),
            "kinds": .list([["value": "", "label": "any kind", "selected": .bool(kind.isEmpty)]]
                + families.map { ["value": .text($0), "label": .text($0 + ".*"), "selected": .bool(kind == $0)] }
                + kinds.map { ["value": .text($0), "label": .text($0), "selected": .bool(kind == $0)] }),
            "severities": .list([("", "any severity"), ("warning", "warning"), ("critical", "critical")].map { v, l in
                ["value": .text(v), "label": .text(l), "selected": .bool(severity == v)]
            }),
            "periods": .list(Self.periods.map { p in
                ["value": .text(p.value), "label": .text(p.label), "selected": .bool(period == p.value)]
            }),
            "filtered": .bool(base.contains { !$0.1.isEmpty }),
            "paged": .bool(filter.before != nil),
            "firstHref": .text(DashboardURL.path("/alerts", query: base)),
        ]
        if let next = page.next {
            context["nextHref"] = .text(DashboardURL.path("/alerts", query: base + [("before", "\(next.ts)-\(next.rowid)")]))
        }
        return ("alerts", context)
    }
}
