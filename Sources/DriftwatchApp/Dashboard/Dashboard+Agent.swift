import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore

extension Dashboard {
    /// Tools shown in the tool-mix chart and the transition table.
    static let chartTools = 14
    static let heatTools = 8

    /// `GET /agents/{agent}`.
    func agentPage(_ request: HTTPRequest, agent: String, role: DashboardAuth.Role) async throws -> (template: String, context: TemplateContext) {
        let now = clock.now()
        let (counters, recent, alerts) = try await store.read { db in
            (try AgentStore.get(agent, in: db), try DashboardQueries.recentEvents(agent: agent, in: db),
             try AlertStore.query(AlertQuery(agent: agent, limit: 20), in: db))
        }
        let oldest = recent.last?.tsNS ?? now
        let sessionAlerts = try await store.read { db in
            try DashboardQueries.sessionAlertCounts(agent: agent, since: oldest, in: db)
        }
        let (baseline, learning, breaker) = pipeline.withMonitor { m in
            (m.baseline(for: agent), m.isLearning(agent), m.breakerStatus(agent: agent, at: m.eventTime(agent: agent, wallClock: now)))
        }
        guard counters != nil || baseline != nil else {
            throw HTTPError(.notFound, message: "No agent with this name has sent events or has a baseline.")
        }
        let c = counters ?? AgentCounters(agent: agent)
        let chronological = Array(recent.reversed())
        let toolCalls = chronological.filter { $0.type == "tool_call" && $0.tool != nil }

        var context: TemplateContext = [
            "title": .text(agent),
            "agent": .text(agent),
            "alertsHref": .text(DashboardURL.path("/alerts", query: [("agent", agent)])),
            "rebaselineHref": .text(DashboardURL.path("agents", agent, "rebaseline")),
            "breaker": .text(Self.breakerLabel(breaker.state)),
            "breakerClass": .text("state-" + breaker.state.rawValue),
            "breakerSince": .text(breaker.since.map { PageFormat.dateTime($0) } ?? ""),
            "breakerReason": .text(breaker.reason ?? ""),
            "breakerRetry": .text(breaker.retryAfterSeconds.map { "\($0) s" } ?? ""),
            "breakerBlocks": .bool(breaker.blocks),
            "mode": .text(breaker.mode.rawValue),
            "learning": .bool(learning),
            "events": .text(PageFormat.grouped(c.events)),
            "toolCalls": .text(PageFormat.grouped(c.toolCalls)),
            "errors": .text(PageFormat.grouped(c.errors)),
            "spend": .text(PageFormat.usd(c.costUSD)),
            "firstSeen": .text(c.events > 0 ? PageFormat.dateTime(c.firstSeenNS) : "never"),
            "lastSeen": .text(c.events > 0 ? PageFormat.ago(c.lastSeenNS, now: now) : "never"),
            "recentCount": .text(PageFormat.int(toolCalls.count)),
            "recentSpan": .text(chronological.count > 1 ? PageFormat.duration(chronological.last!.tsNS - chronological[0].tsNS) : "—"),
        ]

        context.values.merge(breakerControls(agent: agent, role: role).values) { _, new in new }

        // Tool mix: baseline shares vs the recent calls'.
        var recentCounts: [String: Int] = [:]
        for e in toolCalls { recentCounts[e.tool!, default: 0] += 1 }
        let baseTotal = Double(max(1, baseline?.tools.values.reduce(0) { $0 + $1.calls } ?? 0))
        let recentTotal = Double(max(1, toolCalls.count))
        var names = Set(recentCounts.keys)
        if let baseline { names.formUnion(baseline.tools.keys) }
        let pairs = names.map { name in
            SVGChart.Pair(label: name, baseline: Double(baseline?.tools[name]?.calls ?? 0) / baseTotal,
                          recent: Double(recentCounts[name] ?? 0) / recentTotal,
                          isNew: baseline != nil && baseline?.tools[name] == nil)
        }.sorted { a, b in
            if a.isNew != b.isNew { return a.isNew }
            let ma = max(a.baseline, a.recent), mb = max(b.baseline, b.recent)
            return ma != mb ? ma > mb : a.label < b.label
        }
        if !pairs.isEmpty {
            context["toolMix"] = .markup(SVGChart.pairedBars(Array(pairs.prefix(Self.chartTools)),
                                                             title: "Tool mix: baseline share vs the last \(toolCalls.count) calls"))
            if pairs.count > Self.chartTools {
                context["toolMixMore"] = .text("\(pairs.count - Self.chartTools) rarer tools not drawn.")
            }
        }

        // Transitions within sessions, over the recent calls.
        var transitions: [String: [String: Int]] = [:]
        var previous: [String: String] = [:]
        for e in toolCalls {
            let key = e.session ?? ""
            if let p = previous[key] { transitions[p, default: [:]][e.tool!, default: 0] += 1 }
            previous[key] = e.tool!
        }
        let heatNames = recentCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(Self.heatTools).map(\.key)
        if heatNames.count > 1 {
            context["hasHeat"] = true
            context["heatHeader"] = .list(heatNames.map { ["tool": .text($0)] })
            context["heatRows"] = .list(heatNames.map { from in
                let row = transitions[from] ?? [:]
                let total = Double(max(1, row.values.reduce(0, +)))
                return ["tool": .text(from), "cells": .list(heatNames.map { to in
                    let n = row[to] ?? 0
                    let share = Double(n) / total
                    let unseen = n > 0 && baseline != nil && baseline?.transitions[from]?[to] == nil
                    let level = n == 0 ? 0 : min(5, 1 + Int(share * 5))
                    return ["count": .text(n > 0 ? PageFormat.int(n) : ""),
                            "class": .text("heat-\(level)" + (unseen ? " unseen" : "")),
                            "title": .text("\(from) → \(to): \(n) of \(Int(total)) (\(PageFormat.percent(share)))"
                                + (unseen ? "; never seen in the baseline" : ""))]
                })]
            })
        }

        // Argument profiles from the baseline.
        if let baseline {
            let tools = baseline.tools.sorted { $0.value.calls != $1.value.calls ? $0.value.calls > $1.value.calls : $0.key < $1.key }
            context["argTools"] = .list(tools.prefix(20).map { name, profile in
                let paths = profile.paths.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }
                return ["tool": .text(name), "calls": .text(PageFormat.int(profile.calls)),
                        "errorRate": .text(PageFormat.percent(Double(profile.errors) / Double(max(1, profile.calls)))),
                        "paths": .list(paths.prefix(12).map { path, p in
                            let classes = p.classes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                            let shown = classes.prefix(4).map { "\($0.key) \(PageFormat.percent(Double($0.value) / Double(max(1, p.count))))" }
                            var range = ""
                            if let lo = p.positiveMin, let hi = p.positiveMax {
                                range = lo == hi ? PageFormat.fixed(lo, lo == lo.rounded() ? 0 : 2)
                                    : "\(PageFormat.fixed(lo, lo == lo.rounded() ? 0 : 2)) – \(PageFormat.fixed(hi, hi == hi.rounded() ? 0 : 2))"
                            }
                            return ["path": .text(path), "seen": .text(PageFormat.percent(Double(p.count) / Double(max(1, profile.calls)))),
                                    "classes": .text(shown.joined(separator: ", ") + (classes.count > 4 ? ", …" : "") + (p.open ? " (free-form)" : "")),
                                    "range": .text(range)]
                        }),
                        "morePaths": .text(paths.count > 12 ? "\(paths.count - 12) more paths" : "")]
            })
            context["baselineCalls"] = .text(PageFormat.int(baseline.toolCalls))
            context["baselineTools"] = .text(PageFormat.int(baseline.tools.count))
            context["baselineCallsPerHour"] = .text(PageFormat.int(Int((baseline.rate.callsPerMinute.mean * 60).rounded())))
        }

        // Spend over the span of the recent events.
        if chronological.count > 1 {
            let start = chronological[0].tsNS
            let end = chronological.last!.tsNS
            let buckets = 48
            let width = max(1, (end - start) / Int64(buckets) + 1)
            var spend = [Double](repeating: 0, count: buckets)
            for e in chronological { spend[min(buckets - 1, Int((e.tsNS - start) / width))] += e.costUSD ?? 0 }
            context["spendChart"] = .markup(SVGChart.columns(
                spend, title: "Spend per \(PageFormat.duration(width)) over the last \(chronological.count) events",
                leftLabel: PageFormat.dateTime(start), rightLabel: PageFormat.dateTime(end), valueLabel: PageFormat.usd))
            context["spendBucket"] = .text(PageFormat.duration(width))
        }

        context["alerts"] = .list(alerts.map { alertRow($0, now: now) })
        context["hasAlerts"] = .bool(!alerts.isEmpty)

        // Recent sessions.
        struct SessionLine { var first: Int64; var last: Int64; var calls = 0; var errors = 0; var cost = 0.0 }
        var sessions: [String: SessionLine] = [:]
        for e in chronological {
            guard let s = e.session else { continue }
            var line = sessions[s] ?? SessionLine(first: e.tsNS, last: e.tsNS)
            line.last = e.tsNS
            if e.type == "tool_call" { line.calls += 1 }
            if e.status != "ok" { line.errors += 1 }
            line.cost += e.costUSD ?? 0
            sessions[s] = line
        }
        context["hasSessions"] = .bool(!sessions.isEmpty)
        context["sessions"] = .list(sessions.sorted { $0.value.last > $1.value.last }.prefix(20).map { id, s in
            ["session": .text(id), "href": .text(DashboardURL.path("sessions", id)),
             "started": .text(PageFormat.dateTime(s.first)), "duration": .text(PageFormat.duration(s.last - s.first)),
             "calls": .text(PageFormat.int(s.calls)), "errors": .text(s.errors > 0 ? PageFormat.int(s.errors) : ""),
             "cost": .text(PageFormat.usd(s.cost)),
             "alerts": .text(sessionAlerts[id].map(PageFormat.int) ?? "")]
        })
        return ("agent", context)
    }

    /// One alert as a table row (agent and alerts pages).
    func alertRow(_ a: StoredAlert, now: Int64) -> TemplateContext {
        var row: TemplateContext = [
            "time": .text(PageFormat.dateTime(a.tsNS)),
            "ago": .text(PageFormat.ago(a.tsNS, now: now)),
            "agent": .text(a.agent),
            "agentHref": .text(DashboardURL.path("agents", a.agent)),
            "kind": .text(a.kind),
            "severity": .text(a.severity),
            "severityClass": .text(a.severity == "critical" ? "sev-critical" : "sev-warning"),
            "message": .text(HTMLText.truncated(a.message, to: 600)),
            "evidence": .text(HTMLText.truncated(a.evidence, to: 1200)),
        ]
        if let s = a.session {
            row["session"] = .text(s)
            row["sessionHref"] = .text(DashboardURL.path("sessions", s))
        }
        if let score = a.score, let threshold = a.threshold {
            row["score"] = .text("\(PageFormat.fixed(score, 2)) / \(PageFormat.fixed(threshold, 2))")
        }
        return row
    }
}
