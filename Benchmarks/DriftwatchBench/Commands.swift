#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import DriftwatchApp
import DriftwatchCore

// MARK: - generate

func runGenerate(_ o: Options) throws {
    let agents = try o.int("--agents", 100)
    let events = try o.int("--events", 100_000)
    let seed = try o.seed()
    if let a = o.string("--anomalies"), a != "none" {
        throw UsageError("--anomalies: only \"none\" is supported (this generator writes clean streams)")
    }
    guard let path = o.string("--out") else { throw UsageError("generate needs --out FILE (- for stdout)") }
    let out = path == "-" ? OutputStream(fd: STDOUT_FILENO) : try OutputStream(creating: path)
    let t0 = now()
    var gen = FleetGenerator(agents: agents, seed: seed)
    var buf: [UInt8] = []
    buf.reserveCapacity(5 << 20)
    var bytes = 0
    for _ in 0..<events {
        gen.next(into: &buf)
        if buf.count >= 4 << 20 {
            bytes += buf.count
            try out.write(buf)
            buf.removeAll(keepingCapacity: true)
        }
    }
    bytes += buf.count
    try out.write(buf)
    try out.flush()
    let dt = now() - t0
    let counts = gen.agents.map(\.events)
    var byPersona: [String: Int] = [:]
    for a in gen.agents { byPersona[gen.personas[a.persona].name, default: 0] += 1 }
    printError("wrote \(group(events)) events (\(fmt(Double(bytes) / 1e6)) MB) for \(agents) agents in \(fmt(dt, 2)) s "
        + "(\(group(Int(Double(events) / dt))) events/s)")
    printError("agents by persona: " + byPersona.keys.sorted().map { "\($0) \(byPersona[$0]!)" }.joined(separator: ", "))
    printError("events per agent: \(stats(counts)); sessions: \(group(gen.agents.map(\.sessions).reduce(0, +)))")
}

// MARK: - false-alarms

/// One false incident: the distinct (agent, family, session for loop/cost) key, as score.py counts them.
struct IncidentKey: Hashable, Comparable {
    let agent: String
    let family: String
    let session: String
    static func < (a: IncidentKey, b: IncidentKey) -> Bool {
        (a.agent, a.family, a.session) < (b.agent, b.family, b.session)
    }
}

func runFalseAlarms(_ o: Options) throws {
    let agents = try o.int("--agents", 100)
    let events = try o.int("--events", 500_000)
    let seed = try o.seed()
    let learn = try o.double("--learn", 0.4, range: 0.05...0.95)
    let maxList = try o.int("--max-list", 500)
    let train = Int((Double(events) * learn / (1 - learn)).rounded())
    say("false-alarms: \(agents) agents, seed \(seed); learn on the first \(group(train)) events (\(fmt(learn * 100, 0))% of the stream), "
        + "monitor the next \(group(events))")
    let t0 = now()
    var gen = FleetGenerator(agents: agents, seed: seed)
    var trainSessions = Set<String>()
    let (baselines, trainPerAgent) = withUnsafeMutablePointer(to: &trainSessions) { learnBaselines(&gen, count: train, sessions: $0) }
    let t1 = now()
    var monitor = Monitor(settings: DetectionSettings(), baselines: baselines)
    var alerts: [Alert] = []
    var all: [Alert] = []
    var testPerAgent: [String: Int] = [:]
    var buf: [UInt8] = []
    var seq: Int64 = 0
    for _ in 0..<events {
        buf.removeAll(keepingCapacity: true)
        gen.next(into: &buf)
        let decoded = buf.withUnsafeBytes { decodeLine(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
        for e in decoded {
            seq += 1
            testPerAgent[e.agent, default: 0] += 1
            alerts.removeAll(keepingCapacity: true)
            monitor.process(e, seq: seq, receivedAt: e.ts, into: &alerts)
            all.append(contentsOf: alerts)
        }
    }
    let t2 = now()
    let unbaselined = testPerAgent.keys.filter { trainPerAgent[$0] == nil }.count
    say("training events per agent: \(stats(Array(trainPerAgent.values))) (\(baselines.count) baselines)")
    say("test events per agent: \(stats(Array(testPerAgent.values))); agents seen in test: \(testPerAgent.count)"
        + (unbaselined > 0 ? ", \(unbaselined) without a baseline (learning live)" : ""))
    say("time: generate+learn \(fmt(t1 - t0, 1)) s, generate+monitor \(fmt(t2 - t1, 1)) s")

    let detections = all.filter { $0.kind.family != "breaker" }
    var firstOf: [IncidentKey: Alert] = [:]
    var alertsOf: [IncidentKey: Int] = [:]
    for a in detections {
        let fam = a.kind.family
        let key = IncidentKey(agent: a.agent, family: fam, session: fam == "loop" || fam == "cost" ? (a.session ?? "") : "")
        if firstOf[key] == nil { firstOf[key] = a }
        alertsOf[key, default: 0] += 1
    }
    // A session that began in the training part is seen by the monitor only
    // from the middle (its early, cheap calls are missing): an artefact of
    // cutting one stream in two, counted separately.
    func straddles(_ k: IncidentKey) -> Bool { !k.session.isEmpty && trainSessions.contains(k.session) }
    let cut = firstOf.keys.filter(straddles).count
    let perK = Double(firstOf.count) * 100_000 / Double(seq)
    let perKClean = Double(firstOf.count - cut) * 100_000 / Double(seq)
    say("")
    say("events monitored: \(group(Int(seq))), agents: \(agents)")
    say("alerts: \(detections.count) (breaker transitions excluded: \(all.count - detections.count))")
    say("false incidents: \(firstOf.count) = \(fmt(perK, 2)) per 100,000 events (target <= 1)")
    say("  of which \(cut) on sessions that began in the training part (seen only from their middle); "
        + "without those: \(firstOf.count - cut) = \(fmt(perKClean, 2)) per 100,000 events")
    var byFamily: [String: Int] = [:]
    for k in firstOf.keys where !straddles(k) { byFamily[k.family, default: 0] += 1 }
    say("  by family (without those): " + byFamily.keys.sorted().map { "\($0) \(byFamily[$0]!)" }.joined(separator: ", "))
    var byKind: [String: [Alert]] = [:]
    for a in detections { byKind[a.kind.rawValue, default: []].append(a) }
    if !byKind.isEmpty {
        say("")
        say("alerts by kind:")
        for k in byKind.keys.sorted() {
            let list = byKind[k]!
            let agentsHit = Set(list.map(\.agent)).count
            say("  \(k): \(list.count) alerts on \(agentsHit) agents")
            for a in list.prefix(3) { say("    e.g. [\(a.severity.rawValue)] \(a.message)") }
        }
    }
    if !firstOf.isEmpty {
        say("")
        say("false incidents (first alert of each; kind, agent, session, alerts in incident, message):")
        let keys = firstOf.keys.sorted { (firstOf[$0]!.seq, $0) < (firstOf[$1]!.seq, $1) }
        for key in keys.prefix(maxList) {
            let a = firstOf[key]!
            say("  \(a.kind.rawValue)\t\(a.agent)\t\(a.session ?? "-")\(straddles(key) ? " (began in training)" : "")\t\(alertsOf[key]!)\tseq \(a.seq) at \(RFC3339.format(a.ts))\t\(a.message)")
        }
        if keys.count > maxList { say("  … \(keys.count - maxList) more (raise --max-list)") }
    }
}

// MARK: - replay

func runReplay(_ o: Options) throws {
    let agents = try o.int("--agents", 1000)
    let events = try o.int("--events", 1_000_000)
    let seed = try o.seed()
    let learn = try o.double("--learn", 0.4, range: 0.05...0.95)
    let repeats = try o.int("--repeats", 3)
    var baselines: [Baseline] = []
    var data: [UInt8] = []
    var source: String
    if let file = o.string("--file") {
        data = try FileInput.readAll(file, limit: 1 << 34)
        if let dir = o.string("--baselines") { baselines = try BaselineFiles.loadAll(from: dir) }
        source = "\(file), \(baselines.count) baselines loaded" + (baselines.isEmpty ? " (agents learn their first 1,000 calls live)" : "")
    } else {
        let train = Int((Double(events) * learn / (1 - learn)).rounded())
        var gen = FleetGenerator(agents: agents, seed: seed)
        let t0 = now()
        baselines = learnBaselines(&gen, count: train).baselines
        data.reserveCapacity(events * 340)
        for _ in 0..<events { gen.next(into: &data) }
        source = "generated: \(agents) agents, seed \(seed), baselines learned from the preceding \(group(train)) events "
            + "(setup \(fmt(now() - t0, 1)) s)"
    }
    let mb = Double(data.count) / 1e6
    say("replay benchmark: \(source)")
    say("input: \(fmt(mb, 1)) MB in memory; one thread; \(repeats) runs each, best and median")
    let initial = Monitor(settings: DetectionSettings(), baselines: baselines)

    var lines = 0
    var eventCount = 0
    var alertCount = 0
    var alertBytes = 0

    /// Splits `data` in 1 MiB chunks like `FileInput`, calling `body` per line.
    func forEachLine(_ body: (UnsafeRawBufferPointer) -> Void) {
        var splitter = LineSplitter()
        data.withUnsafeBytes { all in
            var off = 0
            while off < all.count {
                let end = min(all.count, off + FileInput.chunkSize)
                splitter.feed(UnsafeRawBufferPointer(rebasing: all[off..<end])) { line in
                    if case .line(let b) = line { body(b) }
                }
                off = end
            }
        }
        splitter.finish { line in if case .line(let b) = line { body(b) } }
    }

    func report(_ name: String, _ times: [Double], events n: Int, bytes: Double?) {
        let s = times.sorted()
        let best = s[0], median = s[s.count / 2]
        var line = "\(name): best \(group(Int(Double(n) / best))) events/s"
        if let bytes { line += " (\(fmt(bytes / best, 1)) MB/s)" }
        line += ", median \(group(Int(Double(n) / median))) events/s"
        if let bytes { line += " (\(fmt(bytes / median, 1)) MB/s)" }
        line += "; runs " + times.map { fmt($0, 3) + " s" }.joined(separator: ", ")
        say(line)
    }

    // Full path: split + decode + all detectors + alerts serialised to a discarded buffer.
    var full: [Double] = []
    for _ in 0..<repeats {
        var monitor = initial
        var alerts: [Alert] = []
        var sink = JSONWriter(capacity: 1 << 20)
        var seq: Int64 = 0
        lines = 0
        alertCount = 0
        alertBytes = 0
        let t = now()
        forEachLine { bytes in
            lines += 1
            guard let decoded = try? EventDecoder.decode(bytes) else { return }
            decoded.forEachEvent { e in
                guard let ts = e.ts else { return }
                seq += 1
                alerts.removeAll(keepingCapacity: true)
                monitor.process(e, seq: seq, receivedAt: ts, into: &alerts)
                for a in alerts {
                    sink.write(a.json)
                    sink.bytes.append(0x0A)
                    alertCount += 1
                }
                if sink.bytes.count > 1 << 20 {
                    alertBytes += sink.bytes.count
                    sink.bytes.removeAll(keepingCapacity: true)
                }
            }
        }
        full.append(now() - t)
        alertBytes += sink.bytes.count
        eventCount = Int(seq)
    }
    say("lines \(group(lines)), events \(group(eventCount)), alerts \(group(alertCount)) (\(group(alertBytes)) bytes serialised)")
    report("full replay (decode + detect + serialise)", full, events: eventCount, bytes: mb)

    var dec: [Double] = []
    for _ in 0..<repeats {
        var n = 0
        let t = now()
        forEachLine { bytes in
            (try? EventDecoder.decode(bytes))?.forEachEvent { _ in n += 1 }
        }
        dec.append(now() - t)
        precondition(n >= eventCount)
    }
    report("decode only (split + decode)", dec, events: eventCount, bytes: mb)

    var decoded: [Event] = []
    decoded.reserveCapacity(eventCount)
    forEachLine { bytes in
        (try? EventDecoder.decode(bytes))?.forEachEvent { if $0.ts != nil { decoded.append($0) } }
    }
    var proc: [Double] = []
    for _ in 0..<repeats {
        var monitor = initial
        var alerts: [Alert] = []
        var sink = JSONWriter(capacity: 1 << 20)
        let t = now()
        for (i, e) in decoded.enumerated() {
            alerts.removeAll(keepingCapacity: true)
            monitor.process(e, seq: Int64(i + 1), receivedAt: e.ts, into: &alerts)
            for a in alerts {
                sink.write(a.json)
                sink.bytes.append(0x0A)
            }
            if sink.bytes.count > 1 << 20 { sink.bytes.removeAll(keepingCapacity: true) }
        }
        proc.append(now() - t)
    }
    report("process only (pre-decoded events, detect + serialise)", proc, events: decoded.count, bytes: nil)
}

// MARK: - memory

func runMemory(_ o: Options) throws {
    let agents = try o.int("--agents", 10_000)
    let events = try o.int("--events", 1_000_000)
    let seed = try o.seed()
    let learnText = o.string("--learn") ?? "0.4"
    guard let learn = Double(learnText), learn >= 0, learn < 0.95 else { throw UsageError("--learn must be in 0..<0.95") }
    let rss0 = procStatusKB("VmRSS") ?? 0
    let t0 = now()
    var gen = FleetGenerator(agents: agents, seed: seed)
    let rssGen = procStatusKB("VmRSS") ?? 0
    var baselines: [Baseline] = []
    let train = Int((Double(events) * learn / (1 - learn)).rounded())
    if train > 0 { baselines = learnBaselines(&gen, count: train).baselines }
    let rssBefore = procStatusKB("VmRSS") ?? 0
    let hwmBefore = procStatusKB("VmHWM") ?? 0
    var monitor = Monitor(settings: DetectionSettings(), baselines: baselines)
    var alerts: [Alert] = []
    var buf: [UInt8] = []
    var seq: Int64 = 0
    var alertCount = 0
    let t1 = now()
    for _ in 0..<events {
        buf.removeAll(keepingCapacity: true)
        gen.next(into: &buf)
        let decoded = buf.withUnsafeBytes { decodeLine(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
        for e in decoded {
            seq += 1
            alerts.removeAll(keepingCapacity: true)
            monitor.process(e, seq: seq, receivedAt: e.ts, into: &alerts)
            alertCount += alerts.count
        }
    }
    let t2 = now()
    let rssAfter = procStatusKB("VmRSS") ?? 0
    let hwm = procStatusKB("VmHWM") ?? 0
    let mode = train > 0
        ? "baselines learned from the preceding \(group(train)) events (\(baselines.count) agents), then frozen"
        : "no baselines: every agent learns live (default min 1,000 calls)"
    say("memory: \(group(agents)) agents, \(group(Int(seq))) events streamed (generated line by line, not held in memory); \(mode)")
    say("agents tracked by the monitor: \(group(monitor.agentCount)), still learning: "
        + "\(group(monitor.agentNames.filter { monitor.isLearning($0) }.count)), alerts: \(group(alertCount)); "
        + "open sessions \(group(monitor.openSessionCount)); set aside at the caps (max_agents \(group(monitor.settings.maxAgents)), "
        + "max_open_sessions \(group(monitor.settings.maxOpenSessions))): \(group(monitor.agentsSetAside))")
    say("RSS at start \(fmt(Double(rss0) / 1024)) MiB; after building the generator \(fmt(Double(rssGen) / 1024)) MiB; "
        + "before the monitor \(fmt(Double(rssBefore) / 1024)) MiB (peak so far \(fmt(Double(hwmBefore) / 1024)) MiB)")
    say("RSS after replay \(fmt(Double(rssAfter) / 1024)) MiB; peak RSS (VmHWM) \(fmt(Double(hwm) / 1024)) MiB")
    let tracked = Double(max(1, monitor.agentCount))
    let perAgent = Double(rssAfter - rssBefore) / tracked
    let withBaselines = Double(rssAfter - rssGen) / tracked
    say("per agent tracked: live state ≈ (RSS after − RSS before monitor) / agents = \(fmt(perAgent, 1)) KiB; "
        + "with its baseline ≈ (RSS after − RSS after generator) / agents = \(fmt(withBaselines, 1)) KiB; "
        + "peak RSS / agents = \(fmt(Double(hwm) / Double(agents), 1)) KiB")
    say("time: setup \(fmt(t1 - t0, 1)) s, replay \(fmt(t2 - t1, 1)) s (\(group(Int(Double(seq) / (t2 - t1)))) events/s incl. generation)")
    withExtendedLifetime(monitor) {}
    if !baselines.isEmpty { measureBaselineAndSessionCosts(baselines) }
}

/// Bytes per loaded baseline and per open session, each measured in isolation as the
/// growth of RSS after `malloc_trim` (without it, RSS would not show memory that the first
/// phase freed and this one reuses): a fresh
/// monitor is given up to 200 of the learned baselines and one call per agent (which
/// compiles each baseline into its detection model), then every one of those agents opens
/// 1,000 sessions with one call each, all within the idle window so none is swept.
private func measureBaselineAndSessionCosts(_ all: [Baseline]) {
    let baselines = Array(all.sorted { $0.toolCalls > $1.toolCalls }.prefix(200))
    let fileBytes = baselines.reduce(0) { $0 + PrettyJSON.format($1.json).utf8.count }
    let heap0 = trimmedRSSKB()
    var monitor = Monitor(settings: DetectionSettings(), baselines: baselines)
    var alerts: [Alert] = []
    var seq: Int64 = 0
    let start: EventTime = 1_800_000_000 * RFC3339.nanosPerSecond
    func call(_ b: Baseline, session: String, at ts: EventTime) {
        let tool = b.tools.max { ($0.value.calls, $1.key) < ($1.value.calls, $0.key) }?.key ?? "tool"
        seq += 1
        alerts.removeAll(keepingCapacity: true)
        monitor.process(Event(agent: b.agent, tool: tool, ts: ts, session: session), seq: seq, into: &alerts)
    }
    for b in baselines { call(b, session: "warm-up", at: start) }
    let heap1 = trimmedRSSKB()
    let perAgent = 1_000
    for i in 0..<perAgent {
        for b in baselines { call(b, session: "s-\(i)", at: start + EventTime(i) * 1_000_000) }
    }
    let heap2 = trimmedRSSKB()
    let sessions = perAgent * baselines.count
    say("per baseline (\(baselines.count) of the largest): \(fmt(Double(fileBytes) / Double(baselines.count) / 1024, 1)) KiB as a file; "
        + "≈ \(fmt(Double(heap1 - heap0) / Double(baselines.count), 1)) KiB in memory once loaded and compiled into its detection model")
    say("per open session: ≈ \(group((heap2 - heap1) * 1024 / sessions)) bytes (\(group(sessions)) sessions open at once, one call each)")
    withExtendedLifetime(monitor) {}
}

/// `demo-fleet`: the demo's fleet on its compressed time scale, as NDJSON, for
/// `driftwatch baseline learn … --out baselines/demo`.
func runDemoFleet(_ o: Options) throws {
    let events = try o.int("--events", 200_000)
    guard let path = o.string("--out") else { throw UsageError("demo-fleet needs --out FILE (- for stdout)") }
    let out = path == "-" ? OutputStream(fd: STDOUT_FILENO) : try OutputStream(creating: path)
    var fleet = DemoFleet(origin: 1_793_520_000_000_000_000)
    for _ in 0..<events { try out.write(Array((fleet.nextLine() + "\n").utf8)) }
    try out.flush()
    printError("wrote \(events) demo-fleet events to \(path); agents: \(fleet.agentsByPersona.values.flatMap { $0 }.sorted().joined(separator: ", "))")
}
