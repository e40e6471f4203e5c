public import DriftwatchCore

/// When to retry a failed webhook delivery and when to give up (spec §5): a pure
/// function of the attempt count, the row's age and a jitter draw, so the schedule is
/// tested without clocks.
///
/// The n-th retry waits `min(initial · 2ⁿ⁻¹, max)` scaled by a jitter factor in
/// [0.5, 1) ("equal jitter": receivers recovering from an outage are not hit by every
/// instance at once, and a retry never comes sooner than half the nominal delay).
/// A row is dead once `giveUp` has passed since it was enqueued; the last retry is
/// scheduled at that deadline rather than beyond it.
public struct DeliveryPolicy: Sendable, Equatable {
    public var initialBackoffNS: Int64
    public var maxBackoffNS: Int64
    public var giveUpNS: Int64

    public static let nanosPerSecond: Int64 = 1_000_000_000

    public init(initialBackoffNS: Int64, maxBackoffNS: Int64, giveUpNS: Int64) {
        precondition(initialBackoffNS > 0 && maxBackoffNS >= initialBackoffNS && giveUpNS > 0, "invalid delivery policy")
        self.initialBackoffNS = initialBackoffNS
        self.maxBackoffNS = maxBackoffNS
        self.giveUpNS = giveUpNS
    }

    public init(_ c: Configuration.Delivery) {
        self.init(initialBackoffNS: Int64(c.initialBackoffSeconds) * Self.nanosPerSecond,
                  maxBackoffNS: Int64(c.maxBackoffSeconds) * Self.nanosPerSecond,
                  giveUpNS: Int64(c.giveUpSeconds) * Self.nanosPerSecond)
    }

    /// The nominal delay after `attempts` failed attempts (≥ 1), before jitter.
    public func nominalDelayNS(afterAttempts attempts: Int) -> Int64 {
        precondition(attempts >= 1, "a delay follows a failed attempt")
        var delay = initialBackoffNS
        for _ in 1..<min(attempts, 63) {
            if delay >= maxBackoffNS / 2 { return maxBackoffNS }
            delay *= 2
        }
        return min(delay, maxBackoffNS)
    }

    /// What to do after a failed attempt.
    public enum Decision: Sendable, Equatable {
        case retry(atNS: Int64)
        case giveUp
    }

    /// - Parameters:
    ///   - attempts: failed attempts so far, this one included.
    ///   - createdNS: when the row was enqueued.
    ///   - jitter: a draw in [0, 1).
    public func afterFailure(attempts: Int, createdNS: Int64, nowNS: Int64, jitter: Double) -> Decision {
        let deadline = createdNS + giveUpNS
        guard nowNS < deadline else { return .giveUp }
        let nominal = nominalDelayNS(afterAttempts: attempts)
        let factor = 0.5 + 0.5 * min(max(jitter, 0), 0.999_999)
        let delay = max(1, Int64(Double(nominal) * factor))
        return .retry(atNS: min(nowNS + delay, deadline))
    }
}
