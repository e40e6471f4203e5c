#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import DriftwatchApp
import DriftwatchCore
import DriftwatchHTTP
import DriftwatchStore

/// `dashboard`: fills a store with a simulated fleet (events, alerts, counters, learned
/// baselines) and prints the median render time of every dashboard page.
func runDashboard(_ o: Options) async throws {
    let agents = try o.int("--agents", 1000)
    let events = try o.int("--events", 1_000_000)
    let repeats = try o.int("--repeats", 9)
    let path = o.string("--db") ?? "/tmp/driftwatch-dashboard-bench-\(getpid()).db"
    let templatesDirectory = o.string("--dashboards") ?? "dashboards"
    defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
    let store = try DatabasePool(path: path, configuration: DriftwatchService.storeConfiguration(Configuration()),
                                 migrator: Schema.migrator)

    say("filling \(path) with \(group(events)) events from \(agents) agents …")
    let t0 = now()
    var gen = FleetGenerator(agents: agents, seed: 42)
    var monitor = Monitor()
    var buf: [UInt8] = []
    var lastTS: Int64 = 0
    var seq: Int64 = 0
    var sessionsByAgent: [String: String] = [:]
    var done = 0
    var alertCount = 0
    while done < events {
        let n = min(20_000, events - done)
        buf.removeAll(keepingCapacity: true)
        for _ in 0..<n { gen.next(into: &buf) }
        var batch: [Event] = []
        for line in buf.split(separator: UInt8(ascii: "\n")) {
            batch.append(try EventDecoder.decodeEvent(String(decoding: line, as: UTF8.self)))
        }
        let records = batch.map { EventRecord($0, receivedNS: $0.ts ?? 0, redact: false) }
        var alerts: [Alert] = []
        var tallies: [String: AgentTally] = [:]
        for (e, r) in zip(batch, records) {
            seq += 1
            monitor.process(e, seq: seq, into: &alerts)
            tallies[r.agent, default: AgentTally()].add(r)
            lastTS = max(lastTS, r.tsNS)
            if let s = r.session { sessionsByAgent[r.agent] = s }
        }
        alertCount += alerts.count
        let (a, t) = (alerts, tallies)
        try await store.write { db in
            _ = try EventStore.append(records, in: db)
            try AlertStore.insert(a, in: db)
            try AgentStore.add(t, updatedNS: 0, in: db)
        }
        done += n
    }
    // A clean fleet raises few alerts: add 100,000 spread over the agents and the time span,
    // so the alert pages are measured on a busy table.
    let alertsToAdd = try o.int("--alerts", 100_000)
    let names = gen.agents.map(\.name)
    let kinds = Alert.Kind.allCases.filter { !$0.rawValue.hasPrefix("breaker") }
    var extra: [Alert] = []
    for i in 0..<alertsToAdd {
        let agent = names[(i * 7919) % names.count]
        let kind = kinds[i % kinds.count]
        extra.append(Alert(ts: lastTS - Int64(alertsToAdd - i) * 100_000_000, agent: agent,
                           session: kind.isSessionScoped ? sessionsByAgent[agent] : nil, kind: kind,
                           severity: i % 5 == 0 ? .critical : .warning, score: 5, threshold: 3,
                           message: "\(agent): synthetic \(kind.rawValue) alert number \(i) for the benchmark.",
                           evidence: .object([]), seq: Int64(i)))
        if extra.count == 10_000 || i == alertsToAdd - 1 {
            let batch = extra
            extra.removeAll()
            _ = try await store.write { db in try AlertStore.insert(batch, in: db) }
        }
    }
    alertCount += alertsToAdd
    say("filled in \(fmt(now() - t0)) s: \(group(alertCount)) alerts")

    let metrics = ServiceMetrics()
    let clockNow = lastTS
    let clock = WallClock { clockNow }
    let pipeline = IngestPipeline(store: store, monitor: monitor, persistedBaselines: [], batchSize: 1024,
                                  maxQueuedEvents: 1024, redact: false, metrics: metrics, clock: clock, log: { _ in })
    let dashboard = Dashboard(templates: try TemplateSet(directory: templatesDirectory),
                              auth: DashboardAuth(access: AccessControl(tokens: Configuration().tokens)),
                              pipeline: pipeline, store: store, metrics: metrics, clock: clock)
    var router = Router()
    dashboard.register(in: &router)

    let busiest = gen.agents.max { $0.events < $1.events }!.name
    let session = sessionsByAgent[busiest] ?? "none"
    let firstAlerts = try await router.respond(to: HTTPRequest(method: .get, target: "/alerts"))
    let body = String(decoding: firstAlerts.body, as: UTF8.self)
    let next = body.split(separator: "\"").first { $0.hasPrefix("/alerts?before=") }.map(String.init) ?? "/alerts"
    let pages = [
        ("overview", "/"),
        ("agent (busiest)", DashboardURL.path("agents", busiest)),
        ("session", DashboardURL.path("sessions", session)),
        ("alerts", "/alerts"),
        ("alerts page 2", next.replacingAll("&amp;", with: "&")),
        ("alerts by agent", DashboardURL.path("/alerts", query: [("agent", busiest)])),
        ("alerts search", "/alerts?q=number%2012345&kind=loop&period=24h"),
        ("alerts search, no match", "/alerts?q=no-such-words"),
    ]
    // Where the overview's time goes.
    let hourAgo = clockNow - 3_600_000_000_000
    for (label, body) in [
        ("  agents", { (db: Database) throws -> Void in _ = try AgentStore.all(in: db) }),
        ("  activity", { db in _ = try DashboardQueries.activity(receivedSince: hourAgo, in: db) }),
        ("  alert counts", { db in _ = try DashboardQueries.alertCounts(since: hourAgo, in: db) }),
        ("  ingest rate", { db in _ = try DashboardQueries.eventCount(receivedSince: clockNow - 60_000_000_000, in: db) }),
    ] as [(String, (Database) throws -> Void)] {
        let t = now()
        try store.readSync { db in try body(db) }
        say(label.padding(20) + " " + fmt((now() - t) * 1000, 2).leftPad(9))
    }
    let names1000 = gen.agents.map(\.name)
    let tm = now()
    _ = pipeline.withMonitor { m in names1000.map { m.breakerStatus(agent: $0, at: clockNow).state.rawValue.count + (m.baseline(for: $0)?.toolCalls ?? 0) } }
    say("  monitor peeks".padding(20) + " " + fmt((now() - tm) * 1000, 2).leftPad(9))
    say("page                 median ms   min ms   bytes   (\(repeats) renders each; release build recommended)")
    for (name, target) in pages {
        var times: [Double] = []
        var size = 0
        var status = 0
        for _ in 0..<repeats {
            let t = now()
            let response = try await router.respond(to: HTTPRequest(method: .get, target: target))
            times.append((now() - t) * 1000)
            size = response.body.count
            status = response.status.code
        }
        times.sort()
        say(name.padding(20) + " " + fmt(times[times.count / 2], 2).leftPad(9) + " " + fmt(times[0], 2).leftPad(8)
            + " " + String(size).leftPad(7) + (status == 200 ? "" : "   status \(status)"))
    }
}

extension String {
    func replacingAll(_ a: String, with b: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: a) {
            out += rest[..<r.lowerBound] + b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
