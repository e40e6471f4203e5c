#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The pure core (design.md § Data flow): events in, alerts out, per-agent
/// state in between. No clock (event time only), no I/O, no globals, so
/// replay is deterministic and every detector is testable in isolation.
///
/// An agent with a baseline (loaded from a file) is monitored from its first
/// event. An agent without one is learned from its first `minCalls` tool calls
/// and then frozen; while it learns only the detectors with safe absolute
/// bounds run (configured budgets, blatant loops), and the baseline-relative
/// ones wait.
public struct Monitor: Sendable {
    public let settings: DetectionSettings
    /// Agent states, addressed through `agentIndex` so that they can be mutated in place.
    private var agents: [AgentState] = []
    private var agentIndex = StringMap<Int>()
    private var loaded: [String: Baseline]
    /// Baselines frozen online of agents set aside (`setAside`): such an agent resumes
    /// from its baseline (in `warn` mode, still unreviewed) instead of learning again.
    /// At most `maxAgents` of them; beyond that a set-aside agent learns again.
    private var parked: [String: Baseline] = [:]
    /// Per agent state, when it last had an event (an ordinal of `process` calls: event
    /// time comes from clients and could keep invented agents looking fresh).
    private var lastActive: [UInt64] = []
    private var processed: UInt64 = 0
    /// Open sessions over all agents.
    private var openSessions = 0
    /// Agents set aside so far because `maxAgents` or `maxOpenSessions` was reached.
    public private(set) var agentsSetAside = 0
    /// Counts that trigger the next `setAside`: the caps, or a quarter of a cap beyond
    /// what a pass could not free (agents under open breakers are kept), so that such a
    /// pass does not repeat on every event.
    private var agentTrigger: Int
    private var sessionTrigger: Int

    public init(settings: DetectionSettings = DetectionSettings(), baselines: [Baseline] = []) {
        self.settings = settings
        agentTrigger = settings.maxAgents
        sessionTrigger = settings.maxOpenSessions
        var map: [String: Baseline] = [:]
        for b in baselines { map[b.agent] = b }
        loaded = map
    }

    /// Agents with live detection state.
    public var agentCount: Int { agents.count }
    public var agentNames: [String] { agentIndex.pairs.map(\.key).sorted() }
    /// Open sessions tracked over all agents.
    public var openSessionCount: Int { openSessions }

    private func state(_ agent: String) -> AgentState? {
        agentIndex[agent].map { agents[$0] }
    }

    /// Agents with a baseline given at start (files, or the store's), whether or not they
    /// have sent an event yet, sorted.
    public var agentsWithLoadedBaselines: [String] { loaded.keys.sorted() }

    /// The frozen baseline of an agent, once it has one.
    public func baseline(for agent: String) -> Baseline? {
        state(agent)?.model?.baseline ?? loaded[agent] ?? parked[agent]
    }

    /// Whether the agent is still learning its baseline.
    public func isLearning(_ agent: String) -> Bool {
        state(agent).map { $0.model == nil } ?? (loaded[agent] == nil && parked[agent] == nil)
    }

    /// Processes one event.
    /// - Parameters:
    ///   - seq: the event's ordinal in the input or store (copied into alerts).
    ///   - receivedAt: event time to use when the event carries no `ts`.
    /// - Complexity: O(tracked tools + argument leaves) per event.
    public mutating func process(_ event: Event, seq: Int64, receivedAt: EventTime? = nil, into alerts: inout [Alert]) {
        // One lookup, then the state is mutated in place (moving it out of the
        // dictionary and back would copy every field per event).
        withState(event.agent) { state, settings in
            let ts = event.ts ?? receivedAt ?? state.lastTS
            if let receivedAt, ts >= state.lastTS { state.lastReceived = receivedAt }
            state.process(event, ts: ts, seq: seq, settings: settings, into: &alerts)
        }
    }

    public mutating func process(_ event: Event, seq: Int64, receivedAt: EventTime? = nil) -> [Alert] {
        var alerts: [Alert] = []
        process(event, seq: seq, receivedAt: receivedAt, into: &alerts)
        return alerts
    }

    private func makeState(_ agent: String) -> AgentState {
        let policy = settings.policy(for: agent)
        if let b = loaded[agent] ?? parked[agent] {
            let model = AgentModel(baseline: b, alpha: settings.alphaPerDetector, minEffectFactor: settings.minEffectFactor)
            return AgentState(model: model, policy: policy, approved: loaded[agent] != nil, breaker: settings.breaker)
        }
        return AgentState(learning: agent, policy: policy, breaker: settings.breaker)
    }

    /// Finds or makes the agent's state and lends it to `body`, with the settings
    /// (lent, where a capture of `self.settings` would copy them on every call).
    @inline(__always)
    private mutating func withState<T>(_ agent: String, _ body: (inout AgentState, DetectionSettings) -> T) -> T {
        processed += 1
        let index: Int
        if let i = agentIndex[agent] {
            index = i
        } else {
            if agents.count >= agentTrigger { setAside() }
            index = agents.count
            agentIndex[agent] = index
            agents.append(makeState(agent))
            parked[agent] = nil  // live again: its model holds the baseline
            lastActive.append(0)
        }
        lastActive[index] = processed
        let sessionsBefore = agents[index].sessions.count
        let result = body(&agents[index], settings)
        openSessions += agents[index].sessions.count - sessionsBefore
        if openSessions > sessionTrigger { setAside() }
        return result
    }

    /// Sets aside the least recently active agents — a quarter of the agent cap, and
    /// more while open sessions exceed three quarters of theirs — dropping their live
    /// state: sessions, incidents, tool-mix and rate statistics, a learning agent's
    /// partial baseline (it learns again if it returns). A baseline frozen online is
    /// kept (`parked`), and an agent whose breaker or a session breaker is not closed
    /// is never set aside, so no kill switch is lifted by memory pressure.
    /// Amortised: one pass of O(agents log agents) per quarter of the cap.
    private mutating func setAside() {
        let order = agents.indices.sorted { lastActive[$0] < lastActive[$1] }
        var drop = Set<Int>()
        var sessions = openSessions
        let agentTarget = settings.maxAgents * 3 / 4
        let sessionTarget = settings.maxOpenSessions * 3 / 4
        for i in order {
            guard agents.count - drop.count > agentTarget || sessions > sessionTarget else { break }
            guard agents[i].breaker.state == .closed, agents[i].sessionBreakers == 0 else { continue }
            drop.insert(i)
            sessions -= agents[i].sessions.count
        }
        defer {
            agentTrigger = max(settings.maxAgents, agents.count + settings.maxAgents / 4)
            sessionTrigger = max(settings.maxOpenSessions, openSessions + settings.maxOpenSessions / 4)
        }
        guard !drop.isEmpty else { return }
        var names = [String](repeating: "", count: agents.count)
        for (name, i) in agentIndex.pairs { names[i] = name }
        var keptAgents: [AgentState] = []
        var keptActive: [UInt64] = []
        keptAgents.reserveCapacity(agents.count - drop.count)
        agentIndex.removeAll()
        for (i, state) in agents.enumerated() {
            if drop.contains(i) {
                if let model = state.model, loaded[names[i]] == nil, parked.count < settings.maxAgents {
                    parked[names[i]] = model.baseline
                }
                continue
            }
            agentIndex[names[i]] = keptAgents.count
            keptAgents.append(state)
            keptActive.append(lastActive[i])
        }
        agents = keptAgents
        lastActive = keptActive
        openSessions = sessions
        agentsSetAside += drop.count
    }

    /// The agent's clock as of wall-clock time `now`: its newest event time plus the wall
    /// time since that event was received. Breakers count their cool-downs in event time,
    /// and an agent's events may run behind the wall clock (a backlog) or ahead of it (a
    /// skewed host); gates ask with this, so a cool-down lasts as long as configured
    /// either way. An unknown agent, or one whose events came with no receipt time, is at `now`.
    public func eventTime(agent: String, wallClock now: EventTime) -> EventTime {
        guard let s = state(agent), let received = s.lastReceived else { return now }
        return s.lastTS + max(0, now - received)
    }

    /// The breaker that governs the agent's calls as of event time `now`: its own, or with
    /// `session` that session's when the agent's does not block and the session's is not
    /// closed (a looping session is stopped without stopping the agent). An unknown agent
    /// or session is closed.
    public func breakerStatus(agent: String, session: String? = nil, at now: EventTime) -> BreakerStatus {
        guard let s = state(agent) else {
            return BreakerStatus(state: .closed, since: nil, reason: nil, retryAfterSeconds: nil,
                                 mode: settings.policy(for: agent).mode ?? (loaded[agent] != nil ? .enforce : .observe),
                                 known: loaded[agent] != nil || parked[agent] != nil)
        }
        let own = s.breakerStatus(at: now)
        guard !own.blocks, let session, let breaker = s.sessions[session]?.breaker else { return own }
        let scoped = BreakerStatus(breaker, at: now, mode: s.mode, session: session)
        return scoped.blocks || (own.state == .closed && scoped.state != .closed) ? scoped : own
    }

    /// Makes `baseline` the agent's approved baseline from now on (an
    /// operator accepted it): detection restarts against it, learning stops,
    /// open breakers and incidents stay as they are.
    public mutating func adoptBaseline(_ baseline: Baseline) {
        loaded[baseline.agent] = baseline
        parked[baseline.agent] = nil
        withState(baseline.agent) { $0.adopt(baseline, settings: $1) }
    }

    /// Puts a saved breaker back as it was (after a restart), for the agent or
    /// one of its sessions; no transition is reported, none happened.
    /// - Parameter savedAt: wall-clock time the breaker was saved (see ``eventTime(agent:wallClock:)``).
    public mutating func restoreBreaker(agent: String, session: String?, state: CircuitBreaker.State, since: EventTime,
                                        reason: String, cooldown: EventTime, heldByOperator: Bool = false, savedAt: EventTime? = nil)
    {
        withState(agent) { s, settings in
            let breaker = CircuitBreaker(settings: settings.breaker, restoring: state, since: since, reason: reason, cooldown: cooldown,
                                         heldByOperator: heldByOperator)
            if let savedAt, since >= s.lastTS { s.lastReceived = savedAt }
            s.lastTS = max(s.lastTS, since)
            guard let session else { s.breaker = breaker; return }
            if s.sessions[session]?.breaker == nil { s.sessionBreakers += 1 }
            s.sessions[session, default: SessionState()].breaker = breaker
            s.sessions[session]!.lastTS = max(s.sessions[session]!.lastTS, since)
        }
    }

    /// An operator opens the agent's breaker by hand (spec §4); returns the transition as an alert.
    public mutating func trip(agent: String, reason: String, at now: EventTime, seq: Int64) -> Alert? {
        withState(agent) { s, _ in s.manual(trip: true, reason: reason, at: now, seq: seq, agent: agent) }
    }

    /// An operator closes the agent's breaker by hand.
    public mutating func reset(agent: String, reason: String, at now: EventTime, seq: Int64) -> Alert? {
        withState(agent) { s, _ in s.manual(trip: false, reason: reason, at: now, seq: seq, agent: agent) }
    }
}

/// Everything driftwatch keeps about one agent.
struct AgentState: Sendable {
    var model: AgentModel?
    var builder: BaselineBuilder?
    let policy: AgentPolicy
    var lastTS: EventTime = 0
    /// Wall-clock receipt time of the event that set `lastTS`, when known (serve).
    var lastReceived: EventTime?
    var sessions = StringMap<SessionState>()
    var tools: ToolDriftDetector
    var rate = RateDetector()
    var incidents = IncidentLog()
    /// Argument novelty statistics, one per test of the model's `args`.
    var argsNovelty: [Double] = []
    /// Per novelty test, the last novel (session, value) counted.
    var argsLastNovel: [UInt64] = []
    /// When sessions last raised cost.session: two or more within the quiet
    /// period mean the cause is agent-wide (a pricier model, a longer prompt).
    var sessionCostAlerts: [(session: String, at: EventTime)] = []
    var sinceSweep = 0

    /// The agent's circuit breaker, and whether its baseline was approved (a
    /// file reviewed by people) rather than frozen online.
    var breaker: CircuitBreaker
    var approved = false
    /// Sessions that have a breaker; while none has, calls skip that lookup.
    var sessionBreakers = 0
    /// Configured tool classes by tool name, so that the globs are matched once per
    /// tool instead of on every call; at most `maxCachedToolClasses` names (an agent
    /// inventing tool names goes on being classified, just not cached).
    var toolClasses: [String: ToolClassifier.ToolClass?] = [:]
    static let maxCachedToolClasses = 256

    init(model: AgentModel, policy: AgentPolicy, approved: Bool, breaker: CircuitBreaker.Settings) {
        self.model = model
        self.policy = policy
        self.approved = approved
        self.breaker = CircuitBreaker(settings: breaker)
        tools = ToolDriftDetector(trackedTools: model.trackedCount)
        argsNovelty = Array(repeating: 0, count: model.argsTestCount)
        argsLastNovel = Array(repeating: 0, count: model.argsTestCount)
    }

    init(learning agent: String, policy: AgentPolicy, breaker: CircuitBreaker.Settings) {
        builder = BaselineBuilder(agent: agent)
        self.policy = policy
        self.breaker = CircuitBreaker(settings: breaker)
        tools = ToolDriftDetector(trackedTools: 0)
    }

    mutating func process(_ event: Event, ts: EventTime, seq: Int64, settings: DetectionSettings, into alerts: inout [Alert]) {
        lastTS = max(lastTS, ts)
        let breakersRun = mode != .observe
        if breakersRun { advanceBreakers(to: ts, session: event.session, agent: event.agent, seq: seq, into: &alerts) }
        let firstDetection = alerts.count
        let cost = event.costUSD ?? 0
        // One observation per event; for an `llm_call` (no tool) it only carries the
        // context that spend alerts name.
        let isCall = event.kind == .toolCall && event.tool != nil
        let tool = isCall ? event.tool! : ""
        let baselineTool = isCall ? model?.tools[tool] : nil
        let o = Observation(agent: event.agent, session: event.session, ts: ts, seq: seq, tool: tool,
                            toolIndex: baselineTool?.index, features: ArgsFeatures(tool: tool, args: isCall ? event.args : nil),
                            failed: isCall && event.isFailure, toolClass: isCall ? toolClass(tool, settings.toolClasses) : nil)

        // Session-scoped state (loops, session spend), mutated in place.
        var row = model?.unigramRow ?? 0
        var explainedByLoop = false
        var spendCounted = true
        if let id = event.session {
            let before = alerts.count
            // An open agent-wide spend incident explains a session's high spend too.
            let agentSpendIncident = incidents.isOpen(.costRate, at: ts, quiet: settings.quietPeriod)
            let outcome = sessions[id, default: SessionState()].observe(
                o, isCall: isCall, cost: cost, model: model, policy: policy,
                agentSpendIncident: agentSpendIncident, settings: settings, into: &alerts)
            row = outcome.previousTool ?? model?.startRow ?? row
            explainedByLoop = outcome.inLoopIncident
            if alerts[before...].contains(where: { $0.kind == .costSession }) {
                sessionCostAlerts.removeAll { $0.session == id || ts - $0.at >= settings.quietPeriod }
                sessionCostAlerts.append((id, ts))
                if sessionCostAlerts.count > 2 { sessionCostAlerts.removeFirst() }
            }
            let agentWide = sessionCostAlerts.count == 2 && ts - sessionCostAlerts[0].at < settings.quietPeriod
            // One runaway session is its own incident and stays out of the agent's
            // spend rate; several at once are the agent's, and count.
            spendCounted = outcome.spendCounted || agentWide
        }

        if isCall, let m = model {
            if let argsModel = baselineTool?.args {
                ArgsDriftDetector.observe(o, model: argsModel, sums: &argsNovelty, lastNovel: &argsLastNovel, threshold: m.argsThreshold, settings: settings,
                                          incidents: &incidents, into: &alerts)
            } else {
                ArgsDriftDetector.newTool(o, model: m, settings: settings, incidents: &incidents, into: &alerts)
            }
            // Calls of a session already in a loop incident are explained by
            // it; feeding them to the agent's tool-mix tests would raise the
            // same incident again as drift (design.md principle 5).
            if !explainedByLoop {
                tools.observe(o, row: row, model: m, settings: settings, incidents: &incidents, into: &alerts)
            }
        }
        rate.observe(ts: ts, isCall: isCall, spend: cost, countSpend: spendCounted, model: model, policy: policy,
                     context: o, settings: settings, incidents: &incidents, into: &alerts)

        if breakersRun {
            feedBreakers(alerts[firstDetection...], quietCall: isCall, at: ts, session: event.session,
                         agent: event.agent, seq: seq, into: &alerts)
        }

        if builder != nil {
            builder!.add(event, features: isCall ? o.features : nil, at: ts)  // in place: no copy of the learner's tables
            if builder!.baseline.toolCalls >= settings.minCalls {
                freeze(builder!.finish(), settings: settings)
            }
        }
        sinceSweep += 1
        if sinceSweep >= 1024 || sessions.count > settings.maxSessionsPerAgent { sweep(settings) }
    }

    mutating func toolClass(_ tool: String, _ classifier: ToolClassifier) -> ToolClassifier.ToolClass? {
        guard !classifier.rules.isEmpty else { return nil }
        if let cached = toolClasses[tool] { return cached }
        let toolClass = classifier.classify(tool)
        if toolClasses.count < Self.maxCachedToolClasses { toolClasses[tool] = toolClass }
        return toolClass
    }

    // MARK: Breakers

    /// The enforcement mode in force: configured, else `enforce` with an
    /// approved baseline (a reviewed file), `warn` with one frozen online
    /// (nobody has reviewed it yet), `observe` while learning (design.md § Circuit breakers).
    var mode: AgentPolicy.Mode { policy.mode ?? (model == nil ? .observe : approved ? .enforce : .warn) }

    func breakerStatus(at now: EventTime) -> BreakerStatus {
        BreakerStatus(breaker, at: now, mode: mode)
    }

    /// Cool-downs that ended by `ts` turn open breakers half-open, before the event is judged.
    private mutating func advanceBreakers(to ts: EventTime, session: String?, agent: String, seq: Int64, into alerts: inout [Alert]) {
        if let t = breaker.advance(to: ts) { alerts.append(Self.alert(t, agent: agent, session: nil, seq: seq, mode: mode)) }
        if sessionBreakers > 0, let id = session, let t = sessions[id]?.breaker?.advance(to: ts) {
            alerts.append(Self.alert(t, agent: agent, session: id, seq: seq, mode: mode))
        }
    }

    /// Feeds this event's detections to the breakers (session-scoped ones to
    /// the session's breaker), or counts a quiet call for half-open probes.
    private mutating func feedBreakers(_ detections: ArraySlice<Alert>, quietCall: Bool, at ts: EventTime, session: String?,
                                       agent: String, seq: Int64, into alerts: inout [Alert])
    {
        var transitions: [Alert] = []
        var agentAlerted = false
        var sessionAlerted = false
        for alert in detections where alert.kind.family != "breaker" {
            if alert.kind.isSessionScoped, let id = alert.session {
                sessionAlerted = true
                if sessions[id] != nil {
                    if sessions[id]!.breaker == nil {
                        sessions[id]!.breaker = CircuitBreaker(settings: breaker.settings)
                        sessionBreakers += 1
                    }
                    if let t = sessions[id]!.breaker!.record(alert, at: ts) {
                        transitions.append(Self.alert(t, agent: agent, session: id, seq: seq, mode: mode))
                    }
                }
            } else {
                agentAlerted = true
                if let t = breaker.record(alert, at: ts) { transitions.append(Self.alert(t, agent: agent, session: nil, seq: seq, mode: mode)) }
            }
        }
        if quietCall, !agentAlerted, !sessionAlerted, let t = breaker.quietCall(at: ts) {
            transitions.append(Self.alert(t, agent: agent, session: nil, seq: seq, mode: mode))
        }
        if quietCall, !sessionAlerted, sessionBreakers > 0, let id = session, let t = sessions[id]?.breaker?.quietCall(at: ts) {
            transitions.append(Self.alert(t, agent: agent, session: id, seq: seq, mode: mode))
        }
        alerts.append(contentsOf: transitions)
    }

    /// - Parameter ts: wall-clock time of the operator's action, which becomes the agent's clock.
    mutating func manual(trip: Bool, reason: String, at ts: EventTime, seq: Int64, agent: String) -> Alert? {
        if ts >= lastTS { lastReceived = ts }
        lastTS = max(lastTS, ts)
        let t = trip ? breaker.trip(at: ts, reason: "tripped by an operator: " + reason)
            : breaker.reset(at: ts, reason: "reset by an operator: " + reason)
        return t.map { Self.alert($0, agent: agent, session: nil, seq: seq, mode: mode, byOperator: true) }
    }

    /// A breaker transition as a `breaker.*` alert line (spec §2).
    /// - Parameter byOperator: a manual trip or reset; it acts (kill switch, blocking) in every mode.
    static func alert(_ t: CircuitBreaker.Transition, agent: String, session: String?, seq: Int64, mode: AgentPolicy.Mode,
                      byOperator: Bool = false) -> Alert {
        let scope = session.map { "session \($0) of \(agent)" } ?? agent
        let seconds = t.cooldown / RFC3339.nanosPerSecond
        let kind: Alert.Kind
        let message: String
        switch t.to {
        case .open:
            kind = .breakerOpen
            let effect = byOperator ? "calls should be blocked until an operator resets it, and the kill switch fires"
                : mode == .enforce ? "calls should be blocked for \(seconds) s and the kill switch fires"
                : "mode \(mode.rawValue): the kill switch is not fired"
            message = "The breaker for \(scope) opened (\(t.reason)); \(effect)."
        case .halfOpen:
            kind = .breakerHalfOpen
            message = "The breaker for \(scope) is half-open: \(t.reason)."
        case .closed:
            kind = .breakerClosed
            message = "The breaker for \(scope) closed: \(t.reason)."
        }
        var evidence: [JSONMember] = [
            JSONMember("scope", .string(session == nil ? "agent" : "session")),
            JSONMember("mode", .string(mode.rawValue)),
            JSONMember("from", .string(t.from.rawValue)), JSONMember("to", .string(t.to.rawValue)),
            JSONMember("reason", .string(t.reason)), JSONMember("cooldown_s", .number(Double(seconds))),
        ]
        if let id = t.alertID { evidence.append(JSONMember("alert_id", .string(id))) }
        if byOperator { evidence.append(JSONMember("by_operator", .bool(true))) }
        return Alert(ts: t.at, agent: agent, session: session, kind: kind, severity: t.to == .open ? .critical : .warning,
                     score: 1, threshold: 1, message: message, evidence: .object(evidence), seq: seq)
    }

    mutating func adopt(_ baseline: Baseline, settings: DetectionSettings) {
        freeze(baseline, settings: settings)
        approved = true
    }

    private mutating func freeze(_ baseline: Baseline, settings: DetectionSettings) {
        let m = AgentModel(baseline: baseline, alpha: settings.alphaPerDetector, minEffectFactor: settings.minEffectFactor)
        model = m
        builder = nil
        tools = ToolDriftDetector(trackedTools: m.trackedCount)
        argsNovelty = Array(repeating: 0, count: m.argsTestCount)
        argsLastNovel = Array(repeating: 0, count: m.argsTestCount)
        rate = RateDetector()
        // Sessions keep their loop and spend state but restart their tool
        // context, because indices now refer to the model's tools.
        sessions.updateValues { $0.previousTool = nil }
    }

    /// Drops sessions idle longer than `sessionIdle` and stale incidents; if
    /// still over the cap, drops the idlest sessions.
    private mutating func sweep(_ settings: DetectionSettings) {
        sinceSweep = 0
        let now = lastTS
        sessions.removeAll { now - $1.lastTS > settings.sessionIdle }
        if sessions.count > settings.maxSessionsPerAgent {
            // Keep the most recent three quarters, at least one (ties: the smaller id): drop what sorts after the last one kept.
            var order: [(ts: EventTime, id: String)] = []
            order.reserveCapacity(sessions.count)
            sessions.forEach { id, session in order.append((session.lastTS, id)) }
            order.sort { ($0.ts, $1.id) > ($1.ts, $0.id) }
            let last = order[max(1, settings.maxSessionsPerAgent * 3 / 4) - 1]
            sessions.removeAll { id, session in (session.lastTS, last.id) < (last.ts, id) }
        }
        incidents.prune(at: now)
        sessionBreakers = 0
        sessions.forEach { _, session in if session.breaker != nil { sessionBreakers += 1 } }
    }
}

/// One session's loop and spend state.
struct SessionState: Sendable {
    var lastTS: EventTime = 0
    var previousTool: Int?
    var calls = 0
    var spend = 0.0
    var loops = LoopDetector()
    var incidents = IncidentLog()
    /// Created on the session's first session-scoped alert.
    var breaker: CircuitBreaker?

    struct Outcome {
        /// The session's previous tracked tool before this call (the transition row).
        var previousTool: Int?
        /// The call is loop evidence (an identical repeat, or the session is in a
        /// loop incident): the agent's drift tests leave it out.
        var inLoopIncident: Bool
        /// Whether this event's spend counts towards the agent's spend rate.
        var spendCounted: Bool
    }

    /// Everything session-scoped for one event, in one in-place access.
    mutating func observe(_ o: Observation, isCall: Bool, cost: Double, model m: AgentModel?, policy: AgentPolicy,
                          agentSpendIncident: Bool, settings: DetectionSettings, into alerts: inout [Alert]) -> Outcome
    {
        lastTS = max(lastTS, o.ts)
        // Spend of a session already in a cost incident is that incident, not the agent's rate.
        let spendCounted = !hasCostIncident(at: o.ts, settings)
        let previous = previousTool
        if isCall {
            observeCall(o, model: m, settings: settings, into: &alerts)
            previousTool = o.toolIndex
        }
        observeSpend(cost, context: o, model: m, policy: policy, agentSpendIncident: agentSpendIncident, settings: settings,
                     into: &alerts)
        return Outcome(previousTool: previous, inLoopIncident: hasLoopIncident(at: o.ts, settings) || (isCall && loops.isRepeat),
                       spendCounted: spendCounted)
    }

    func hasCostIncident(at ts: EventTime, _ settings: DetectionSettings) -> Bool {
        incidents.isOpen(.costSession, at: ts, quiet: settings.quietPeriod)
    }

    func hasLoopIncident(at ts: EventTime, _ settings: DetectionSettings) -> Bool {
        !incidents.isEmpty && [Alert.Kind.loopRepeat, .loopCycle].contains { incidents.isOpen($0, at: ts, quiet: settings.quietPeriod) }
            || incidents.hasOpenSubject(of: .loopErrorRetry, at: ts, quiet: settings.quietPeriod)
    }

    mutating func observeCall(_ o: Observation, model m: AgentModel?, settings: DetectionSettings, into alerts: inout [Alert]) {
        calls += 1
        let limits: LoopDetector.Limits
        if let m {
            let repeatLimit = o.toolIndex.map { m.repeatLimit[$0] } ?? m.repeatLimitOther
            limits = .init(repeatLimit: repeatLimit, cycleLimit: m.cycleLimit, failureLimit: m.failureLimit,
                           calibrated: true, model: m)
        } else {
            limits = .init(repeatLimit: settings.learningRepeatLimit,
                           cycleLimit: (2...4).map { settings.learningCycleLimit * $0 }, failureLimit: settings.learningFailureLimit,
                           calibrated: false, model: nil)
        }
        loops.observe(o, limits: limits, settings: settings, incidents: &incidents, into: &alerts)
    }

    mutating func observeSpend(_ cost: Double, context o: Observation, model m: AgentModel?, policy: AgentPolicy,
                               agentSpendIncident: Bool, settings: DetectionSettings, into alerts: inout [Alert])
    {
        guard cost > 0 else { return }
        spend += cost
        let n = max(calls, 1)
        if let cap = policy.sessionBudgetUSD, spend > cap,
           incidents.admit(.costSession, subject: "budget", severity: .critical, at: o.ts, quiet: settings.quietPeriod)
        {
            let message = "Session \(o.session ?? "") of \(o.agent) has spent \(Format.usd(spend)), over its configured budget of \(Format.usd(cap))."
            alerts.append(o.alert(.costSession, .critical, score: spend, threshold: cap, message: message, evidence: [
                "usd": .number(Alert.rounded(spend)), "calls": .number(Double(calls)), "budget_usd": .number(cap),
            ]))
        }
        guard let m, let bound = m.sessionCostBound(afterCalls: n), spend > bound else { return }
        let sev = severity(score: spend, threshold: bound)
        // While the agent's spend rate is an open incident, a session merely
        // above its bound is part of it; only a critical one is news.
        if agentSpendIncident, sev == .warning { return }
        guard incidents.admit(.costSession, severity: sev, at: o.ts, quiet: settings.quietPeriod) else { return }
        let typical = m.baseline.sessions.logCostAt[SessionProfile.checkpoints.first(where: { $0 >= n }) ?? 0].map { exp($0.mean) }
        var message = "Session \(o.session ?? "") of \(o.agent) has spent \(Format.usd(spend)) in \(Format.int(n)) calls, above the "
            + "\(Format.usd(bound)) bound from its baseline"
        message += typical.map { " (typically \(Format.usd($0)) by then)." } ?? "."
        var evidence: [JSONMember] = [
            JSONMember("usd", .number(Alert.rounded(spend))), JSONMember("calls", .number(Double(n))),
            JSONMember("bound_usd", .number(Alert.rounded(bound))),
        ]
        if let typical { evidence.append(JSONMember("typical_usd", .number(Alert.rounded(typical)))) }
        alerts.append(o.alert(.costSession, sev, score: spend, threshold: bound, message: message, evidence: .object(evidence)))
    }
}
