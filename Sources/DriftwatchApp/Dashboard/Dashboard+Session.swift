import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore

extension Dashboard {
    /// Characters of a call's arguments shown inline (the rest behind "more").
    static let argsPreview = 240
    static let argsMax = 4000

    /// `GET /sessions/{session}`: the calls in time order with alerts in place.
    func sessionPage(_ request: HTTPRequest, session: String, role: DashboardAuth.Role) async throws -> (template: String, context: TemplateContext) {
        let now = clock.now()
        let events = try await store.read { db in
            try DashboardQueries.sessionEvents(session, limit: DashboardQueries.sessionEvents + 1, in: db)
        }
        guard !events.isEmpty else {
            throw HTTPError(.notFound, message: "No events are stored for this session (it may have expired under retention).")
        }
        let shown = Array(events.prefix(DashboardQueries.sessionEvents))
        let agents = Array(Set(shown.map(\.agent))).sorted()
        let from = shown[0].tsNS
        let to = shown.last!.tsNS
        let alerts = try await store.read { db in
            try agents.prefix(10).flatMap { agent in
                try DashboardQueries.sessionAlerts(agent: agent, session: session, fromNS: from, toNS: to + 3600 * 1_000_000_000, in: db)
            }
        }
        var alertsBySeq: [Int64: [StoredAlert]] = [:]
        var unplaced: [StoredAlert] = []
        let seqs = Set(shown.map(\.seq))
        for a in alerts {
            if let seq = a.seq, seqs.contains(seq) { alertsBySeq[seq, default: []].append(a) } else { unplaced.append(a) }
        }

        var cumulative: [Double] = []
        var total = 0.0
        var alertIndexes = Set<Int>()
        var rows: [TemplateContext] = []
        var errors = 0
        for (i, e) in shown.enumerated() {
            total += e.costUSD ?? 0
            cumulative.append(total)
            if e.status != "ok" { errors += 1 }
            let placed = alertsBySeq[e.seq] ?? []
            if !placed.isEmpty { alertIndexes.insert(i) }
            let args = e.args ?? ""
            var row: TemplateContext = [
                "n": .text(String(i + 1)),
                "time": .text(PageFormat.clockTime(e.tsNS)),
                "offset": .text("+" + PageFormat.duration(e.tsNS - from)),
                "tool": .text(e.type == "llm_call" ? "" : (e.tool ?? "")),
                "modelCall": .bool(e.type == "llm_call"),
                "model": .text(e.model ?? ""),
                "status": .text(e.status),
                "statusClass": .text(e.status == "ok" ? "status-ok" : "status-bad"),
                "latency": .text(e.latencyMS.map(PageFormat.millis) ?? ""),
                "cost": .text(e.costUSD.map(PageFormat.usd) ?? ""),
                "cumulative": .text(PageFormat.usd(total)),
                "tokens": .text(e.tokensIn.map { "\(PageFormat.grouped($0)) in / \(PageFormat.grouped(e.tokensOut ?? 0)) out" } ?? ""),
                "reasoning": .text(HTMLText.truncated(e.reasoning ?? "", to: 4096)),
                "labels": .text(HTMLText.truncated(e.labels ?? "", to: 600)),
                "alerts": .list(placed.map { alertRow($0, now: now) }),
                "agent": .text(agents.count > 1 ? e.agent : ""),
            ]
            if args.count > Self.argsPreview {
                row["argsShort"] = .text(String(args.prefix(Self.argsPreview)) + "…")
                row["argsFull"] = .text(HTMLText.truncated(args, to: Self.argsMax))
            } else {
                row["args"] = .text(args)
            }
            rows.append(row)
        }
        let context: TemplateContext = [
            "title": .text("Session " + session),
            "session": .text(session),
            "agents": .list(agents.map { ["agent": .text($0), "href": .text(DashboardURL.path("agents", $0))] }),
            "calls": .list(rows),
            "count": .text(PageFormat.int(shown.count)),
            "more": .bool(events.count > shown.count),
            "limit": .text(PageFormat.int(DashboardQueries.sessionEvents)),
            "errors": .text(PageFormat.int(errors)),
            "spend": .text(PageFormat.usd(total)),
            "duration": .text(PageFormat.duration(to - from)),
            "started": .text(PageFormat.dateTime(from)),
            "alertCount": .text(PageFormat.int(alerts.count)),
            "unplacedAlerts": unplaced.isEmpty ? .bool(false) : .context(["alerts": .list(unplaced.map { alertRow($0, now: now) })]),
            "costChart": .markup(SVGChart.cumulative(cumulative, alertsAt: alertIndexes,
                                                     title: "Cumulative cost over the session's calls (red: an alert was raised)",
                                                     valueLabel: PageFormat.usd)),
        ]
        return ("session", context)
    }
}
