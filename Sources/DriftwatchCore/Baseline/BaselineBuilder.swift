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
        var lastFailed = false
        /// Last four fingerprints, most recent last.
        var recent: [UInt64] = []
        var calls = 0
        var cost = 0.0
        var run = 1
        var failingTools: [String: Int] = [:]
        var lastTS: EventTime = 0
        var started = false

        /// Adds one event of this session; returns whether it opened the session.
        mutating func add(_ event: Event, features: ArgsFeatures?, at ts: EventTime, stats: inout SessionProfile,
                          transitions: inout [String: [String: Int]]) -> Bool
        {
            let opened = !started
            started = true
            lastTS = ts
            if let c = event.costUSD, c > 0 { cost += c }
            if let tool = event.tool, let features {
                addCall(tool, failed: event.isFailure, fingerprint: features.fingerprint, stats: &stats, transitions: &transitions)
            }
            return opened
        }

        /// Records the current run of identical calls if it is a repeat (length ≥ 2).
        func endRun(into stats: inout SessionProfile) {
            guard run >= 2 else { return }
            stats.repeatRuns[min(run, SessionProfile.maxRunBucket) - 2] += 1
        }

        mutating func addCall(_ tool: String, failed: Bool, fingerprint fp: UInt64, stats: inout SessionProfile,
                              transitions: inout [String: [String: Int]])
        {
            // An identical call after a success is loop evidence (loop.repeat
            // owns it), not a choice of the next tool: the transition model and
            // the drift tests built on it leave it out, here and in the Monitor.
            if !(recent.last == fp && !lastFailed) {
                transitions[lastTool ?? Baseline.start, default: [:]][tool, default: 0] += 1
            }
            // A repeat re-issues a call that succeeded; an identical call after a
            // failure is a retry (loop.error_retry's business), so it is not a
            // repeat trial and it starts no run.
            if let prevTool = lastTool, let prev = recent.last, !lastFailed {
                let same = prev == fp
                stats.repeatPairs[prevTool, default: PairCount()].trials += 1
                if same { stats.repeatPairs[prevTool]!.hits += 1 }
                if !same { endRun(into: &stats) }
                run = same ? run + 1 : 1
                stats.longestRepeat = max(stats.longestRepeat, run)
            }
            for lag in 2...4 where recent.count >= lag {
                stats.lagPairs[lag - 2].trials += 1
                if recent[recent.count - lag] == fp { stats.lagPairs[lag - 2].hits += 1 }
            }
            stats.failures.trials += 1
            if failed { stats.failures.hits += 1 }
            if let streak = failingTools[tool] {
                stats.retryAfterError.trials += 1
                if failed {
                    stats.retryAfterError.hits += 1
                    failingTools[tool] = streak + 1
                } else {
                    failingTools[tool] = nil
                }
            } else if failed {
                failingTools[tool] = 1
            }
            if let streak = failingTools[tool] {
                stats.longestFailureStreak = max(stats.longestFailureStreak, streak)
            }
            if lastFailed, run >= 2 { endRun(into: &stats) }
            if lastFailed { run = 1 }
            recent.append(fp)
            if recent.count > 4 { recent.removeFirst() }
            lastTool = tool
            lastFailed = failed
            calls += 1
            if cost > 0, SessionProfile.checkpoints.contains(calls) {
                stats.logCostAt[calls, default: RunningStats()].add(log(cost))
                stats.topCostAt[calls, default: TopValues()].add(cost)
            }
        }
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
        // One in-place access: copying a track or a profile out and back
        // would copy its tables.
        let isCall = event.kind == .toolCall && event.tool != nil && features != nil
        if isCall { addToolCall(event.tool!, event, features!) }
        let opened = sessions[sessionID, default: SessionTrack()].add(
            event, features: isCall ? features : nil, at: ts, stats: &baseline.sessions, transitions: &baseline.transitions)
        if opened { baseline.sessions.count += 1 }
        if sessions.count > Self.maxOpenSessions { expireSessions(now: ts) }
    }

    private mutating func addToolCall(_ tool: String, _ event: Event, _ features: ArgsFeatures) {
        baseline.toolCalls += 1
        baseline.tools[tool, default: ToolProfile()].record(features, failed: event.isFailure)
    }

    private mutating func close(_ s: SessionTrack) {
        s.endRun(into: &baseline.sessions)
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
            let calls = lastCalls.reduce(0, +), cost = lastCost.reduce(0, +)
            rate.callsPerWindow.add(calls)
            rate.costPerWindow.add(cost)
            rate.callsPerWindowHistogram.add(calls)
            rate.costPerWindowHistogram.add(cost)
        }
    }
}
