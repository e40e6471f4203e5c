#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A histogram of ln(x) for positive values, in bins of `binWidth`: the whole
/// shape of a distribution in bounded memory (ln values are clamped to ±40,
/// so at most 800 bins), from which an upper-tail fit can ignore the lower
/// tail entirely.
public struct LogHistogram: Sendable, Equatable {
    public static let binWidth = 0.1
    public private(set) var bins: [Int: Int] = [:]
    public private(set) var count = 0

    public init() {}

    public init(bins: [Int: Int]) {
        self.bins = bins
        count = bins.values.reduce(0, +)
    }

    public mutating func add(_ x: Double) {
        guard x > 0, x.isFinite else { return }
        let b = Int((min(max(log(x), -40), 40) / Self.binWidth).rounded(.down))
        bins[b, default: 0] += 1
        count += 1
    }

    /// Median of ln(x) and the upper semi-deviation (root mean square of the
    /// deviations above the median), from bin centres.
    public var upperHalf: (median: Double, deviation: Double)? {
        guard count >= 2 else { return nil }
        let keys = bins.keys.sorted()
        var seen = 0
        var median = 0.0
        for k in keys {
            seen += bins[k]!
            if 2 * seen >= count { median = (Double(k) + 0.5) * Self.binWidth; break }
        }
        var sum = 0.0
        var n = 0
        for k in keys {
            let centre = (Double(k) + 0.5) * Self.binWidth
            guard centre > median else { continue }
            sum += Double(bins[k]!) * (centre - median) * (centre - median)
            n += bins[k]!
        }
        // Half the values lie above the median: the semi-deviation averages over them.
        let deviation = (sum / Double(max(n, 1))).squareRoot()
        return (median, max(deviation, Self.binWidth / 2))
    }
}
