#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// drift.tools and drift.sequence: sequential tests on the agent's tool choices.
///
/// Both are CUSUMs of per-call log-likelihood ratios under the baseline's
/// first-order transition model, conditioned on the previous call of the
/// same session, so their false-alarm rate is bounded by e^-h per call
/// (Wald) even though calls within a session depend on each other:
/// - drift.tools runs, for every tracked tool, one test for "its share has
///   doubled" and one for "halved" (each row renormalised);
/// - drift.sequence tests "transitions are half-way to order-free", which
///   catches reordered calls even when every tool's share is unchanged.
struct ToolDriftDetector: Sendable {
    private var up: [Double]
    private var down: [Double]
    private var sequence = 0.0
    /// Recent tracked-tool indices and transitions (row·K + tool), for evidence.
    private var recentTools = Ring<Int32>(capacity: 256)
    private var recentTransitions = Ring<Int32>(capacity: 256)

    init(trackedTools k: Int) {
        up = [Double](repeating: 0, count: k)
        down = [Double](repeating: 0, count: k)
    }

    mutating func observe(_ o: Observation, row: Int, model m: AgentModel, settings: DetectionSettings,
                          incidents: inout IncidentLog, into alerts: inout [Alert])
    {
        guard let b = o.toolIndex else { return }
        let k = m.trackedCount
        let base = row * k
        let ln2 = log(AgentModel.toolShareFactor)
        var worst = 0.0
        var worstTool = -1
        var worstUp = true
        up.withUnsafeMutableBufferPointer { up in
            down.withUnsafeMutableBufferPointer { down in
                m.upLogZ.withUnsafeBufferPointer { uz in
                    m.downLogZ.withUnsafeBufferPointer { dz in
                        for t in 0..<k {
                            let hit = t == b ? ln2 : 0
                            let u = max(0, up[t] + hit - uz[base + t])
                            let d = max(0, down[t] - hit - dz[base + t])
                            up[t] = u
                            down[t] = d
                            if u > worst { worst = u; worstTool = t; worstUp = true }
                            if d > worst { worst = d; worstTool = t; worstUp = false }
                        }
                    }
                }
            }
        }
        sequence = max(0, sequence + m.sequenceLLR[base + b])
        recentTools.append(Int32(b))
        if row != m.unigramRow { recentTransitions.append(Int32(base + b)) }

        if worst > m.toolThreshold {
            reportTools(o, tool: worstTool, increased: worstUp, score: worst, model: m, settings: settings,
                        incidents: &incidents, into: &alerts)
            for t in 0..<k { up[t] = 0; down[t] = 0 }
        }
        if sequence > m.sequenceThreshold {
            reportSequence(o, score: sequence, model: m, settings: settings, incidents: &incidents, into: &alerts)
            sequence = 0
        }
    }

    private func reportTools(_ o: Observation, tool t: Int, increased: Bool, score: Double, model m: AgentModel,
                             settings: DetectionSettings, incidents: inout IncidentLog, into alerts: inout [Alert])
    {
        let name = m.toolNames[t]
        let destructive = increased && settings.toolClasses.classify(name) == .destructive
        let sev = severity(score: score, threshold: m.toolThreshold, destructive: destructive)
        guard incidents.admit(.driftTools, severity: sev, at: o.ts, quiet: settings.quietPeriod) else { return }
        let window = recentTools.count
        let seen = recentTools.elements.filter { $0 == Int32(t) }.count
        let recentShare = window > 0 ? Double(seen) / Double(window) : 0
        let baseShare = m.unigram[t]
        let message = "\(name) is \(Format.percent(recentShare)) of \(o.agent)'s last \(window) calls against "
            + "\(Format.percent(baseShare)) in its baseline: its tool mix has moved."
        alerts.append(o.alert(.driftTools, sev, score: score, threshold: m.toolThreshold, message: message, evidence: [
            "tool": .string(name),
            "direction": .string(increased ? "up" : "down"),
            "baseline_share": .number(Alert.rounded(baseShare)),
            "recent_share": .number(Alert.rounded(recentShare)),
            "recent_calls": .number(Double(window)),
            "baseline_calls": .number(Double(m.baseline.toolCalls)),
        ]))
    }

    private func reportSequence(_ o: Observation, score: Double, model m: AgentModel, settings: DetectionSettings,
                                incidents: inout IncidentLog, into alerts: inout [Alert])
    {
        let sev = severity(score: score, threshold: m.sequenceThreshold)
        guard incidents.admit(.driftSequence, severity: sev, at: o.ts, quiet: settings.quietPeriod) else { return }
        let k = m.trackedCount
        var counts: [Int32: Int] = [:]
        var fromRow: [Int: Int] = [:]
        for cell in recentTransitions.elements {
            counts[cell, default: 0] += 1
            fromRow[Int(cell) / k, default: 0] += 1
        }
        // The transitions that carry the most divergence: taken often recently
        // from their tool, rare after it in the baseline (n · ln(recent / baseline)).
        let top = counts.map { cell, n -> (cell: Int32, n: Int, recent: Double, weight: Double) in
            let recent = Double(n) / Double(fromRow[Int(cell) / k] ?? n)
            return (cell, n, recent, Double(n) * log(recent / m.transition[Int(cell)]))
        }
        .sorted { ($0.weight, $1.cell) > ($1.weight, $0.cell) }
        .prefix(3)
        func name(_ row: Int) -> String { row < k ? m.toolNames[row] : Baseline.start }
        let evidence: [JSONValue] = top.map { item in
            let row = Int(item.cell) / k, col = Int(item.cell) % k
            return .object([
                JSONMember("from", .string(name(row))), JSONMember("to", .string(m.toolNames[col])),
                JSONMember("baseline_probability", .number(Alert.rounded(m.transition[Int(item.cell)]))),
                JSONMember("recent_probability", .number(Alert.rounded(item.recent))),
                JSONMember("recent_count", .number(Double(item.n))),
            ])
        }
        var message = "\(o.agent)'s order of calls no longer fits its baseline"
        if let first = top.first {
            let row = Int(first.cell) / k, col = Int(first.cell) % k
            let context = row < k ? "after \(name(row))" : "as a session's first call"
            message += ": \(context) it now calls \(m.toolNames[col]) \(Format.percent(first.recent)) of the time, "
                + "against \(Format.percent(m.transition[Int(first.cell)])) in its baseline."
        } else {
            message += "."
        }
        alerts.append(o.alert(.driftSequence, sev, score: score, threshold: m.sequenceThreshold, message: message,
                              evidence: ["transitions": .array(evidence), "recent_transitions": .number(Double(recentTransitions.count))]))
    }
}

extension Ring where Element == Double {
    /// Sum of the held values, without copying them.
    var sum: Double { storage.reduce(0, +) }
}

/// A fixed-capacity ring buffer of the most recent values. Positions wrap by
/// comparison rather than `%`: an integer division on every access showed up in
/// replay profiles.
struct Ring<Element: Sendable>: Sendable {
    private var storage: [Element] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var count: Int { storage.count }

    mutating func append(_ x: Element) {
        if storage.count < capacity {
            storage.append(x)
        } else {
            storage[next] = x
        }
        next += 1
        if next == capacity { next = 0 }
    }

    /// The storage position `k` steps back from the newest (0 = newest), k < capacity.
    @inline(__always) private func position(back k: Int) -> Int {
        let p = next - 1 - k
        return p < 0 ? p + capacity : p
    }

    /// Oldest first.
    var elements: [Element] {
        storage.count < capacity ? storage : Array(storage[next...] + storage[..<next])
    }

    /// The element `k` steps back from the newest (0 = newest); k < count.
    subscript(back k: Int) -> Element {
        precondition(k < storage.count)
        return storage[position(back: k)]
    }

    var last: Element? {
        storage.isEmpty ? nil : storage[position(back: 0)]
    }

    mutating func replaceLast(_ x: Element) {
        guard !storage.isEmpty else { return }
        storage[position(back: 0)] = x
    }
}
