import Synchronization

/// Counters and the batch-commit histogram behind `GET /metrics`, shared by the
/// pipeline, the sources and the routes. One lock, taken once per batch or request.
public final class ServiceMetrics: Sendable {
    /// Upper bounds (seconds) of the `driftwatch_batch_commit_seconds` buckets.
    public static let commitBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    public struct Snapshot: Sendable, Equatable {
        public var eventsTotal = 0
        public var duplicatesTotal = 0
        public var rejectedByReason: [String: Int] = [:]
        public var alertsByKind: [String: Int] = [:]
        public var commitBucketCounts = [Int](repeating: 0, count: ServiceMetrics.commitBuckets.count)
        public var commitCount = 0
        public var commitSecondsSum = 0.0
        public var overloadedTotal = 0
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func recordCommit(seconds: Double, stored: Int, duplicates: Int) {
        state.withLock { s in
            s.eventsTotal += stored
            s.duplicatesTotal += duplicates
            s.commitCount += 1
            s.commitSecondsSum += seconds
            for (i, bound) in Self.commitBuckets.enumerated() where seconds <= bound { s.commitBucketCounts[i] += 1 }
        }
    }

    /// Alerts once stored (detection's, and an operator's breaker trip or reset).
    func recordAlerts(_ kinds: [String]) {
        state.withLock { s in
            for kind in kinds { s.alertsByKind[kind, default: 0] += 1 }
        }
    }

    func recordRejected(_ reasons: [String]) {
        guard !reasons.isEmpty else { return }
        state.withLock { s in
            for reason in reasons { s.rejectedByReason[reason, default: 0] += 1 }
        }
    }

    func recordOverload() {
        state.withLock { $0.overloadedTotal += 1 }
    }
}
