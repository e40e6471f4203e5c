#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A frozen baseline compiled into the tables and thresholds the detectors use.
///
/// Every threshold here is derived from the baseline and the per-detector
/// false-alarm probability α (`DetectionSettings.alphaPerDetector`); none is
/// a hand-picked constant. The one free choice per sequential test is the
/// *alternative* it is tuned to detect fastest (a tool's share doubling or
/// halving, a transition structure half-way to random, a call rate tripling);
/// the false-alarm bound holds whatever the alternative.
final class AgentModel: Sendable {
    let baseline: Baseline
    let alpha: Double

    // MARK: Tools and transitions

    /// Tracked tools (the most frequent `maxTrackedTools`), index = position.
    let toolNames: [String]
    /// Every baseline tool, by name: its tracked index and compiled argument
    /// profile, found with one lookup per call.
    let tools: StringMap<Tool>
    struct Tool: Sendable {
        /// Index among the tracked tools; nil for a baseline tool beyond `maxTrackedTools`.
        let index: Int?
        let args: ToolArgsModel
    }
    var trackedCount: Int { toolNames.count }
    /// Baseline share of each tracked tool.
    let unigram: [Double]
    /// Row index for a session's first call, and for calls without session context.
    var startRow: Int { trackedCount }
    var unigramRow: Int { trackedCount + 1 }
    /// P(tool | previous) for rows 0..<K (previous tool), `startRow` and `unigramRow`.
    let transition: [Double]
    /// Per row and tool: log normaliser of the "tool share ×2" and "×½" alternatives.
    let upLogZ: [Double]
    let downLogZ: [Double]
    /// Per row and tool: log-likelihood ratio of one transition under the
    /// "half-way to order-free" alternative `(1−λ)·P(b|a) + λ·π(b)` against `P(b|a)`.
    let sequenceLLR: [Double]
    let toolThreshold: Double
    let sequenceThreshold: Double
    /// Number of argument novelty statistics, and their bound ln(m/α).
    let argsTestCount: Int
    let argsThreshold: Double

    static let maxTrackedTools = 64
    /// Pseudo-count that shrinks a sparse transition row towards the tool shares.
    static let rowPrior = 10.0
    static let toolShareFactor = 2.0
    /// Standard errors between an estimate and the bound the tests use.
    static let confidenceZ = 2.0
    static let sequenceMix = 0.5

    // MARK: Loops

    /// Identical calls in a row that raise loop.repeat, per tracked tool.
    let repeatLimit: [Int]
    let repeatLimitOther: Int
    /// Consecutive lag-p matches (p = 2, 3, 4) that raise loop.cycle.
    let cycleLimit: [Int]
    /// Failures of one tool in a row (within a session) that raise loop.error_retry.
    let failureLimit: Int

    // MARK: Cost and rate

    /// Upper bound on cumulative session cost (USD) per position in
    /// `SessionProfile.checkpoints`, when fitted: the per-call lookup is a binary
    /// search and an array read.
    let checkpointBounds: [Double?]
    /// The last checkpoint with a bound, and that bound.
    let lastCheckpoint: (calls: Int, bound: Double)?
    let sessionTotalBound: Double?
    let callsPerWindow: WindowBound?
    let costPerWindow: WindowBound?

    init(baseline b: Baseline, alpha: Double, minEffectFactor effect: Double = 2) {
        baseline = b
        self.alpha = alpha
        let h = log(1 / alpha)

        // Tools: most frequent first, ties by name, for determinism.
        let ranked = b.tools.sorted { ($0.value.calls, $1.key) > ($1.value.calls, $0.key) }
        toolNames = ranked.prefix(Self.maxTrackedTools).map(\.key)
        let toolIndex = Dictionary(uniqueKeysWithValues: toolNames.enumerated().map { ($1, $0) })
        var entries = StringMap<Tool>(minimumCapacity: b.tools.count)
        var slots = 0
        for (name, profile) in b.tools.sorted(by: { $0.key < $1.key }) {
            let m = ToolArgsModel(profile, firstSlot: slots)
            slots += m.slots.count
            entries[name] = Tool(index: toolIndex[name], args: m)
        }
        tools = entries
        argsTestCount = slots
        argsThreshold = log(Double(max(slots, 1)) / alpha)
        let k = toolNames.count
        let total = Double(toolNames.reduce(0) { $0 + b.tools[$1]!.calls })
        let pi = toolNames.map { (Double(b.tools[$0]!.calls) + 0.5) / (total + 0.5 * Double(k)) }
        unigram = pi
        var trans = [Double](repeating: 0, count: (k + 2) * k)
        // Each probability's standard error, from the row's effective sample size.
        var stderr = [Double](repeating: 0, count: (k + 2) * k)
        for row in 0..<(k + 2) {
            let counts: [String: Int]
            if row < k { counts = b.transitions[toolNames[row]] ?? [:] } else if row == k { counts = b.transitions[Baseline.start] ?? [:] } else { counts = [:] }
            var n = 0.0
            for t in toolNames { n += Double(counts[t] ?? 0) }
            if row == k + 1 { n = total }  // the unigram row: all tool calls
            for (j, t) in toolNames.enumerated() {
                let p = row == k + 1 ? pi[j] : (Double(counts[t] ?? 0) + Self.rowPrior * pi[j]) / (n + Self.rowPrior)
                trans[row * k + j] = p
                stderr[row * k + j] = (p * (1 - p) / (n + Self.rowPrior)).squareRoot()
            }
        }
        transition = trans
        // The share tests run against the conservative side of each estimate
        // (z = 2 standard errors): a share that only looks doubled because a
        // thin baseline under-estimated it is not drift. With a large baseline
        // the bounds meet the estimate.
        let rho = Self.toolShareFactor
        upLogZ = zip(trans, stderr).map { p, e in log(1 + (rho - 1) * min(1, p + Self.confidenceZ * e)) }
        downLogZ = zip(trans, stderr).map { p, e in log(1 + (1 / rho - 1) * max(0, p - Self.confidenceZ * e)) }
        var seq = [Double](repeating: 0, count: (k + 2) * k)
        for row in 0..<(k + 2) {
            for j in 0..<k {
                let p = trans[row * k + j]
                seq[row * k + j] = log((1 - Self.sequenceMix) + Self.sequenceMix * pi[j] / p)
            }
        }
        sequenceLLR = seq
        // Wald: a CUSUM of log-likelihood ratios crosses h under the null at a
        // rate of at most e^-h per step; 2K parallel tests share α.
        toolThreshold = log(Double(max(2 * k, 1)) / alpha)
        sequenceThreshold = h

        // Loops: geometric run lengths under the baseline's repeat rates.
        let s = b.sessions
        let pooled = s.repeatPairs.values.reduce(PairCount()) { PairCount(trials: $0.trials + $1.trials, hits: $0.hits + $1.hits) }
        let hazards = Self.runHazards(s.repeatRuns, prior: pooled.upperRate)
        // Never at or below a run the known-good baseline itself made (as session cost
        // bounds are never below its costliest session): an agent that polls with runs of
        // 25 has a heavier tail than the pooled hazards, which short runs dominate, admit.
        func runLimit(_ p: Double) -> Int {
            max(Self.runLimit(firstRepeat: p, hazards: hazards, alpha: alpha), s.longestRepeat + 1)
        }
        repeatLimit = toolNames.map { runLimit((s.repeatPairs[$0] ?? PairCount()).upperRate) }
        repeatLimitOther = runLimit(pooled.upperRate)
        cycleLimit = (2...4).map { lag in max(lag, Int((log(alpha) / log(s.lagPairs[lag - 2].upperRate)).rounded(.up))) }
        let firstFailure = s.failures.upperRate
        let refail = s.retryAfterError.upperRate
        failureLimit = max(3, 1 + Int((log(alpha / firstFailure) / log(refail)).rounded(.up)), s.longestFailureStreak + 1)

        // Session cost: per checkpoint a Student-t predictive bound on ln(cost),
        // with α spread over the checkpoints a session passes.
        let meanCalls = max(s.calls.mean, 1)
        let tested = Double(max(SessionProfile.checkpoints.filter { Double($0) <= max(s.calls.max, 1) }.count, 1))
        let alphaCheckpoint = min(alpha * meanCalls / tested, 0.01)
        var bounds: [Int: Double] = [:]
        for (i, stats) in s.logCostAt {
            // The tail estimate from the costliest baseline sessions at that call
            // when there are enough of them, else the Student-t predictive bound
            // on ln(cost) (wide for few samples). Never below the costliest
            // baseline session at that call, nor `effect` × typical.
            let tail = s.topCostAt[i]?.extremeQuantile(exceedanceProbability: alphaCheckpoint)
                ?? stats.predictiveUpperBound(alpha: alphaCheckpoint, minCount: 5).map { exp($0) }
            if let tail { bounds[i] = max(tail, exp(stats.max), effect * exp(stats.mean)) }
        }
        checkpointBounds = SessionProfile.checkpoints.map { bounds[$0] }
        lastCheckpoint = bounds.max { $0.key < $1.key }.map { ($0.key, $0.value) }
        typicalSessionCost = s.logCost.count > 0 ? exp(s.logCost.mean) : nil
        sessionTotalBound = s.logCost.predictiveUpperBound(alpha: min(alpha * meanCalls, 0.01), minCount: 5).map { exp($0) }

        callsPerWindow = WindowBound(window: b.rate.callsPerWindow, histogram: b.rate.callsPerWindowHistogram,
                                     perMinuteMean: b.rate.callsPerMinute.mean, alpha: alpha, effect: effect)
        costPerWindow = WindowBound(window: b.rate.costPerWindow, histogram: b.rate.costPerWindowHistogram,
                                    perMinuteMean: b.rate.callsPerMinute.mean, alpha: alpha, effect: effect)
    }

    /// h[k − 2] = P(a run of identical calls that reached length k goes on),
    /// k = 2 … maxRunBucket, from the baseline's run lengths, each at its
    /// upper confidence bound (`PairCount.upperRate`: 75 runs that all
    /// stopped at length 2 do not prove a third repeat impossible) and never
    /// above the bound pooled over all lengths, so that a length seen once
    /// does not count as a coin toss. With no runs at all the pooled bound is
    /// `prior`, the agent's rate of starting a repeat: the model is geometric.
    static func runHazards(_ runs: [Int], prior: Double) -> [Double] {
        let n = runs.count
        var atLeast = [Int](repeating: 0, count: n + 1)  // atLeast[i]: runs of length ≥ i + 2
        for i in stride(from: n - 1, through: 0, by: -1) { atLeast[i] = atLeast[i + 1] + runs[i] }
        let reached = atLeast[0..<n].reduce(0, +)
        let wentOn = atLeast[1...n].reduce(0, +)
        let pooled = reached == 0 ? prior : PairCount(trials: reached, hits: wentOn).upperRate
        return (0..<n).map { i in
            atLeast[i] == 0 ? pooled : min(PairCount(trials: atLeast[i], hits: atLeast[i + 1]).upperRate, pooled)
        }
    }

    /// The shortest run L ≥ 3 with P(run ≥ L) = p · Π h_k (k = 2 … L − 1) below α.
    static func runLimit(firstRepeat p: Double, hazards: [Double], alpha: Double) -> Int {
        var probability = p  // P(run ≥ 2)
        var length = 2
        while probability >= alpha || length < 3 {
            probability *= hazards[min(length - 2, hazards.count - 1)]
            length += 1
            if length > 10_000 { break }
        }
        return length
    }

    /// Posterior mean with a uniform prior: never 0 or 1, shrinks small samples.
    static func laplace(_ p: PairCount) -> Double {
        (Double(p.hits) + 1) / (Double(p.trials) + 2)
    }

    /// The bound on cumulative session cost after `calls` calls, if the baseline has one.
    ///
    /// Never below the baseline's typical (median) whole-session cost: a
    /// session that has not yet spent what a typical session spends in all is
    /// not a cost problem, however expensive its first calls were.
    func sessionCostBound(afterCalls calls: Int) -> Double? {
        guard let bound = indexedSessionCostBound(afterCalls: calls) else { return nil }
        return max(bound, typicalSessionCost ?? 0)
    }

    /// The baseline's median whole-session cost, when it has sessions with cost.
    let typicalSessionCost: Double?

    /// The position of the first checkpoint ≥ `calls`, or nil beyond the last.
    static func checkpointIndex(atLeast calls: Int) -> Int? {
        let checkpoints = SessionProfile.checkpoints
        var lo = 0
        var hi = checkpoints.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if checkpoints[mid] < calls { lo = mid + 1 } else { hi = mid }
        }
        return lo < checkpoints.count ? lo : nil
    }

    private func indexedSessionCostBound(afterCalls calls: Int) -> Double? {
        if let i = Self.checkpointIndex(atLeast: calls), let bound = checkpointBounds[i] { return bound }
        guard let last = lastCheckpoint, calls > last.calls else { return sessionTotalBound }
        // Beyond the longest baseline sessions: cost per call grows with the
        // context, so cumulative cost grows about quadratically with calls.
        let scale = Double(calls) / Double(last.calls)
        return max(last.bound * scale * scale, sessionTotalBound ?? 0)
    }
}

/// An upper bound on an agent's calls or spend in a sliding window of
/// `RateProfile.windowMinutes` minutes, at the detector's false-alarm rate
/// per minute: on the log scale, the median plus the Student-t quantile times
/// the upper semi-deviation of the baseline's window sums. Fitting the upper
/// half only keeps quiet windows from widening the bound, and the log scale
/// makes it a multiple of the typical window that grows with the agent's own
/// burstiness. Never below the largest window the baseline saw, nor below
/// `effect` times the mean. Overlapping windows count as `n / windowMinutes`
/// independent ones for the degrees of freedom.
struct WindowBound: Sendable {
    let mean: Double
    let bound: Double

    /// Nil when the baseline has fewer than 10 active windows.
    init?(window raw: RunningStats, histogram: LogHistogram, perMinuteMean: Double, alpha: Double, effect: Double) {
        guard histogram.count >= 10, raw.mean > 0, let upper = histogram.upperHalf else { return nil }
        let effective = max(Double(histogram.count) / Double(RateProfile.windowMinutes), 3)
        // α is per event; a minute holds `perMinuteMean` of them, and the bound is tested once per minute.
        let alphaMinute = min(alpha * max(perMinuteMean, 1), 0.01)
        let t = Distributions.studentTUpperQuantile(alphaMinute, degreesOfFreedom: effective - 1)
        mean = raw.mean
        let tail = exp(upper.median + t * upper.deviation * (1 + 1 / effective).squareRoot())
        bound = max(tail, raw.max, effect * raw.mean)
    }
}
