import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore

extension Dashboard {
    /// Most agents listed on the overview (ranked by risk, so the ones cut are the quiet ones).
    static let overviewMaxAgents = 300

    /// One agent's line on the overview.
    struct AgentLine {
        var counters: AgentCounters
        var breaker: BreakerStatus
        var learning: Bool
        var hour: DashboardQueries.Activity
        /// Hours the activity window covers (at most 1).
        var windowHours: Double
        var callsPerHour: Double { Double(hour.calls) / windowHours }
        var costPerHour: Double { hour.costUSD / windowHours }
        var baselineCallsPerHour: Double?
        var baselineCostPerHour: Double?
        var warnings: Int
        var criticals: Int

        /// Higher is worse: an open breaker first, then critical and warning alerts of the
        /// last hour, then activity far above the baseline.
        var risk: Double {
            var r = 0.0
            switch breaker.state {
            case .open: r += 10_000
            case .halfOpen: r += 5_000
            case .closed: break
            }
            r += Double(criticals) * 100 + Double(warnings) * 10
            if let b = baselineCallsPerHour, b > 0 { r += min(callsPerHour / b, 50) }
            if let b = baselineCostPerHour, b > 0 { r += min(costPerHour / b, 50) }
            return r
        }
    }

    /// `GET /`: agents ranked by risk, fleet totals, ingest rate.
    func overview(_ request: HTTPRequest, role: DashboardAuth.Role) async throws -> (template: String, context: TemplateContext) {
        let now = clock.now()
        let hourAgo = now - 3600 * 1_000_000_000
        let (counters, activity, alerts, lastMinute) = try await store.read { db in
            (try AgentStore.all(in: db), try DashboardQueries.activity(receivedSince: hourAgo, in: db),
             try DashboardQueries.alertCounts(since: hourAgo, in: db),
             try DashboardQueries.eventCount(receivedSince: now - 60 * 1_000_000_000, in: db))
        }
        let hour = activity.byAgent
        let windowStart = max(hourAgo, activity.windowStartNS ?? now)
        // At least a minute, so a fresh store does not extrapolate from a few seconds.
        let windowHours = max(Double(now - windowStart) / 3.6e12, 1.0 / 60)
        let lines: [AgentLine] = pipeline.withMonitor { monitor in
            counters.map { c in
                let baseline = monitor.baseline(for: c.agent)
                let a = alerts[c.agent]
                return AgentLine(counters: c, breaker: monitor.breakerStatus(agent: c.agent, at: monitor.eventTime(agent: c.agent, wallClock: now)),
                                 learning: monitor.isLearning(c.agent), hour: hour[c.agent] ?? .init(), windowHours: windowHours,
                                 baselineCallsPerHour: baseline.map { $0.rate.callsPerMinute.mean * 60 },
                                 baselineCostPerHour: baseline.map { $0.rate.costPerMinute.mean * 60 },
                                 warnings: a?.warning ?? 0, criticals: a?.critical ?? 0)
            }
        }
        let ranked = lines.sorted { a, b in
            let ra = a.risk, rb = b.risk
            return ra != rb ? ra > rb : a.counters.lastSeenNS != b.counters.lastSeenNS
                ? a.counters.lastSeenNS > b.counters.lastSeenNS : a.counters.agent < b.counters.agent
        }
        let shown = ranked.prefix(Self.overviewMaxAgents)
        let rows: [TemplateContext] = shown.map { line in
            let c = line.counters
            var row: TemplateContext = [
                "agent": .text(c.agent),
                "href": .text(DashboardURL.path("agents", c.agent)),
                "breaker": .text(Self.breakerLabel(line.breaker.state)),
                "breakerClass": .text("state-" + line.breaker.state.rawValue),
                "mode": .text(line.breaker.mode.rawValue),
                "learning": .bool(line.learning),
                "calls": .text(PageFormat.int(Int(line.callsPerHour.rounded()))),
                "cost": .text(PageFormat.usd(line.costPerHour)),
                "warnings": .text(line.warnings > 0 ? PageFormat.int(line.warnings) : ""),
                "criticals": .text(line.criticals > 0 ? PageFormat.int(line.criticals) : ""),
                "lastSeen": .text(c.events > 0 ? PageFormat.ago(c.lastSeenNS, now: now) : "never"),
                "lastSeenExact": .text(c.events > 0 ? RFC3339.format(c.lastSeenNS) : ""),
            ]
            if let b = line.baselineCallsPerHour {
                row["callsBaseline"] = .text(PageFormat.int(Int(b.rounded())))
                row["callsHot"] = .bool(b > 0 && line.callsPerHour > 3 * b)
            }
            if let b = line.baselineCostPerHour {
                row["costBaseline"] = .text(PageFormat.usd(b))
                row["costHot"] = .bool(b > 0 && line.costPerHour > 3 * b)
            }
            return row
        }
        let openBreakers = lines.filter { $0.breaker.state != .closed }.count
        var context: TemplateContext = [
            "title": "Overview",
            "agents": .list(rows),
            "hasAgents": .bool(!rows.isEmpty),
            "agentCount": .text(PageFormat.int(lines.count)),
            "truncated": .text(lines.count > shown.count ? "Showing the \(shown.count) riskiest of \(PageFormat.int(lines.count)) agents." : ""),
            "events": .text(PageFormat.grouped(lines.reduce(0) { $0 + $1.counters.events })),
            "spend": .text(PageFormat.usd(lines.reduce(0) { $0 + $1.counters.costUSD })),
            "window": .text(windowHours >= 0.99 ? "the last hour" : "the last \(PageFormat.duration(now - windowStart))"),
            "windowRows": .text(PageFormat.grouped(DashboardQueries.activityMaxRows)),
            "hourCalls": .text(PageFormat.int(lines.reduce(0) { $0 + $1.hour.calls })),
            "hourSpend": .text(PageFormat.usd(lines.reduce(0) { $0 + $1.hour.costUSD })),
            "hourAlerts": .text(PageFormat.int(lines.reduce(0) { $0 + $1.warnings + $1.criticals })),
            "hourCriticals": .text(PageFormat.int(lines.reduce(0) { $0 + $1.criticals })),
            "openBreakers": .text(PageFormat.int(openBreakers)),
            "anyOpen": .bool(openBreakers > 0),
            "ingestRate": .text(PageFormat.fixed(Double(lastMinute) / 60, 1)),
            "notice": .list(notice.map { ["line": .text($0)] }),
            "hasNotice": .bool(!notice.isEmpty),
        ]
        if let seconds = overviewRefreshSeconds, request.queryValue("refresh") != "off" {
            context["refresh"] = .text(String(seconds))
            context["refreshToggle"] = .text("/?refresh=off")
            context["refreshToggleLabel"] = .text("stop auto-refresh")
        } else {
            context["refreshToggle"] = .text("/")
            context["refreshToggleLabel"] = .text("auto-refresh every \(overviewRefreshSeconds ?? 10) s")
        }
        return ("overview", context)
    }

    static func breakerLabel(_ state: CircuitBreaker.State) -> String {
        switch state {
        case .closed: "closed"
        case .open: "OPEN"
        case .halfOpen: "half-open"
        }
    }
}
