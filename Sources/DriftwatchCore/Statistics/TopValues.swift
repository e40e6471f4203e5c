#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The largest values of a stream (at most `capacity`, descending) and the
/// count of all values: enough to estimate an extreme quantile.
public struct TopValues: Sendable, Equatable {
    public static let capacity = 16
    public private(set) var values: [Double] = []
    public private(set) var count = 0

    public init() {}

    public init(values: [Double], count: Int) {
        self.values = Array(values.sorted(by: >).prefix(Self.capacity))
        self.count = max(count, self.values.count)
    }

    public mutating func add(_ x: Double) {
        count += 1
        if values.count < Self.capacity {
            values.append(x)
            values.sort(by: >)
        } else if x > values[values.count - 1] {
            values[values.count - 1] = x
            values.sort(by: >)
        }
    }

    /// The value exceeded with probability `p`, by Weissman's estimator with
    /// the Hill tail index from the top k + 1 order statistics:
    /// x_p = X₍ₖ₊₁₎ · (k / (n·p))^γ, γ = mean of ln(X₍ᵢ₎ / X₍ₖ₊₁₎) over the top k
    /// (at its upper confidence bound).
    /// A light tail gives a bound close to the largest value seen, a heavy
    /// tail a wide one, which is what a fixed-shape fit cannot do.
    /// Nil with fewer than 20 values or non-positive ones.
    public func extremeQuantile(exceedanceProbability p: Double) -> Double? {
        guard count >= 20, values.count >= 6 else { return nil }
        let k = min(values.count - 1, max(5, count / 10))
        let threshold = values[k]
        guard threshold > 0 else { return nil }
        var gamma = 0.0
        for i in 0..<k { gamma += log(values[i] / threshold) }
        gamma /= Double(k)
        // Hill's estimate has standard error γ/√k; take its 95% upper bound so
        // that a tail that looked light by chance in k values is not trusted.
        gamma *= 1 + 1.645 / Double(k).squareRoot()
        let factor = Double(k) / (Double(count) * p)
        return threshold * pow(max(factor, 1), gamma)
    }
}
