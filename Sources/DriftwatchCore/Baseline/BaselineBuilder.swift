#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Learns a `Baseline` from a stream of one agent's events.
///
/// - Complexity: O(1) amortised per event, plus the argument walk; memory is
///   bounded by the tool/path/class caps and by `maxOpenSessions`.
public struct BaselineBuilder: Sendable {
    public private(set) var baseline: Baseline
    private var sessions: [String: SessionTrack] = [:]
    private var minute = MinuteBin()

    /// Open sessions tracked at once; beyond it the idlest are closed.
    public static let maxOpenSessions = 4096
    public static let sessionIdle: EventTime = 30 * 60 * RFC3339.nanosPerSecond

    struct SessionTrack: Sendable {
        var lastTool: String?
        /// Last four fingerprints, most recent last.
        var recent: [UInt64] = []
        var calls = 0
        var cost = 0.0
        var run = 1
        var failingTools: [String: Int] = [:]
        var lastTS: EventTime = 0
    }

    public init(agent: String) {
        baseline = Baseline(agent: agent)
    }

    /// Adds one event (with its precomputed argument features for tool calls).
    public mutating func add(_ event: Event, features: ArgsFeatures?, at ts: EventTime) {
        baseline.events += 1
        if baseline.firstTS == nil { baseline.firstTS = ts }
        baseline.lastTS = max(baseline.lastTS ?? ts, ts)
        minute.add(at: ts, calls: event.kind == .toolCall ? 1 : 0, cost: event.costUSD ?? 0, into: &baseline.rate)

        guard let sessionID = event.session else {
            if event.kind == .toolCall, let tool = event.tool, let features { addToolCall(tool, event, features) }
            return
        }
        var track = sessions[sessionID] ?? SessionTrack()
        track.lastTS = ts
        let isNew = track.calls == 0 && track.lastTool == nil && track.recent.isEmpty
        if isNew { baseline.sessions.count += 1 }
        if let cost = event.costUSD, cost > 0 { track.cost += cost }
        if event.kind == .toolCall, let tool = event.tool, let features {
            addToolCall(tool, event, features)
            addSessionCall(tool, event, features, &track)
        }
        sessions[sessionID] = track
        if sessions.count > Self.maxOpenSessions { expireSessions(now: ts) }
    }

    private mutating func addToolCall(_ tool: String, _ event: Event, _ features: ArgsFeatures) {
        baseline.toolCalls += 1
        var profile = baseline.tools[tool] ?? ToolProfile()
        profile.calls += 1
        if event.isFailure { profile.errors += 1 }
        for leaf in features.leaves {
            guard profile.paths[leaf.path] != nil || profile.paths.count < ToolProfile.maxPaths else {
                profile.pathsOverflow += 1
                continue
            }
            var path = profile.paths[leaf.path] ?? PathProfile()
            path.count += 1
            if !path.open {
                if path.classes[leaf.shapeClass] != nil || path.classes.count < PathProfile.maxClasses {
                    path.classes[leaf.shapeClass, default: 0] += 1
                } else {
                    path.open = true
                }
            }
            if let x = leaf.number, x > 0 {
                path.positiveCount += 1
                path.positiveMin = min(path.positiveMin ?? x, x)
                path.positiveMax = max(path.positiveMax ?? x, x)
            }
            profile.paths[leaf.path] = path
        }
        baseline.tools[tool] = profile
    }

    private mutating func addSessionCall(_ tool: String, _ event: Event, _ features: ArgsFeatures, _ s: inout SessionTrack) {
        let from = s.lastTool ?? Baseline.start
        baseline.transitions[from, default: [:]][tool, default: 0] += 1
        let fp = features.fingerprint
        if let prevTool = s.lastTool, let prev = s.recent.last {
            let same = prev == fp
            baseline.sessions.repeatPairs[prevTool, default: PairCount()].trials += 1
            if same { baseline.sessions.repeatPairs[prevTool, default: PairCount()].hits += 1 }
            s.run = same ? s.run + 1 : 1
            baseline.sessions.longestRepeat = max(baseline.sessions.longestRepeat, s.run)
        }
        for lag in 2...4 where s.recent.count >= lag {
            baseline.sessions.lagPairs[lag - 2].trials += 1
            if s.recent[s.recent.count - lag] == fp { baseline.sessions.lagPairs[lag - 2].hits += 1 }
        }
        baseline.sessions.failures.trials += 1
        if event.isFailure { baseline.sessions.failures.hits += 1 }
        if let streak = s.failingTools[tool] {
            baseline.sessions.retryAfterError.trials += 1
            if event.isFailure {
                baseline.sessions.retryAfterError.hits += 1
                s.failingTools[tool] = streak + 1
            } else {
                s.failingTools[tool] = nil
            }
        } else if event.isFailure {
            s.failingTools[tool] = 1
        }
        if let streak = s.failingTools[tool] {
            baseline.sessions.longestFailureStreak = max(baseline.sessions.longestFailureStreak, streak)
        }
        s.recent.append(fp)
        if s.recent.count > 4 { s.recent.removeFirst() }
        s.lastTool = tool
        s.calls += 1
        if s.cost > 0, SessionProfile.checkpoints.contains(s.calls) {
            baseline.sessions.logCostAt[s.calls, default: RunningStats()].add(log(s.cost))
        }
    }

    private mutating func close(_ s: SessionTrack) {
        if let last = s.lastTool { baseline.transitions[last, default: [:]][Baseline.end, default: 0] += 1 }
        if s.calls > 0 { baseline.sessions.calls.add(Double(s.calls)) }
        if s.cost > 0 { baseline.sessions.logCost.add(log(s.cost)) }
    }

    private mutating func expireSessions(now: EventTime) {
        var idle = sessions.filter { now - $0.value.lastTS > Self.sessionIdle }
        if idle.isEmpty {
            // Everything is recent: close the idlest quarter to stay bounded.
            let sorted = sessions.sorted { ($0.value.lastTS, $0.key) < ($1.value.lastTS, $1.key) }
            idle = Dictionary(uniqueKeysWithValues: sorted.prefix(sessions.count / 4).map { ($0.key, $0.value) })
        }
        for key in idle.keys.sorted() {
            close(idle[key]!)
            sessions[key] = nil
        }
    }

    /// Closes open sessions and returns the frozen baseline.
    public mutating func finish() -> Baseline {
        for key in sessions.keys.sorted() { close(sessions[key]!) }
        sessions.removeAll()
        minute.flush(into: &baseline.rate)
        baseline.rate.minutes = baseline.rate.callsPerMinute.count
        return baseline
    }
}

/// Accumulates calls and spend per event-time minute into a `RateProfile`.
struct MinuteBin: Sendable {
    var minute: Int64?
    var calls = 0
    var cost = 0.0
    /// The last closed minutes of the current active period, for window sums.
    var lastCalls: [Double] = []
    var lastCost: [Double] = []

    static let nanosPerMinute: EventTime = 60 * RFC3339.nanosPerSecond

    mutating func add(at ts: EventTime, calls n: Int, cost c: Double, into rate: inout RateProfile) {
        let m = ts / Self.nanosPerMinute
        if let current = minute, m > current {
            flush(into: &rate)
            let gap = m - current - 1
            if gap <= RateProfile.maxGapMinutes {
                for _ in 0..<gap { record(0, 0, into: &rate) }
            } else {
                lastCalls.removeAll()
                lastCost.removeAll()
            }
            minute = m
        } else if minute == nil {
            minute = m
        }
        // Out-of-order events within the past are counted in the current bin.
        calls += n
        cost += c
    }

    mutating func flush(into rate: inout RateProfile) {
        guard minute != nil else { return }
        record(Double(calls), cost, into: &rate)
        calls = 0
        cost = 0
    }

    private mutating func record(_ calls: Double, _ cost: Double, into rate: inout RateProfile) {
        rate.callsPerMinute.add(calls)
        rate.costPerMinute.add(cost)
        lastCalls.append(calls)
        lastCost.append(cost)
        if lastCalls.count > RateProfile.windowMinutes {
            lastCalls.removeFirst()
            lastCost.removeFirst()
        }
        if lastCalls.count == RateProfile.windowMinutes {
            rate.callsPerWindow.add(lastCalls.reduce(0, +))
            rate.costPerWindow.add(lastCost.reduce(0, +))
        }
    }
}
