/// Count, mean, variance, min and max of a stream (Welford's algorithm).
public struct RunningStats: Sendable {
    public private(set) var count: Int = 0
    public private(set) var mean: Double = 0
    fileprivate var m2: Double = 0
    public private(set) var min: Double = .infinity
    public private(set) var max: Double = -.infinity

    public init() {}

    public init(count: Int, mean: Double, variance: Double, min: Double, max: Double) {
        self.count = count
        self.mean = mean
        self.m2 = variance * Double(Swift.max(count - 1, 0))
        self.min = min
        self.max = max
    }

    public mutating func add(_ x: Double) {
        count += 1
        let delta = x - mean
        mean += delta / Double(count)
        m2 += delta * (x - mean)
        if x < min { min = x }
        if x > max { max = x }
    }

    /// Sample variance (n − 1); zero with fewer than two values.
    public var variance: Double { count > 1 ? m2 / Double(count - 1) : 0 }
    public var standardDeviation: Double { variance.squareRoot() }

    /// The upper bound that a new value exceeds with probability `alpha` under
    /// the fitted normal, using the Student-t predictive distribution
    /// (t_{n−1} scaled by s·√(1 + 1/n)) so that few samples give wide bounds.
    /// Nil with fewer than `minCount` values.
    public func predictiveUpperBound(alpha: Double, minCount: Int = 5) -> Double? {
        guard count >= minCount else { return nil }
        let t = Distributions.studentTUpperQuantile(alpha, degreesOfFreedom: Double(count - 1))
        return mean + t * standardDeviation * (1 + 1 / Double(count)).squareRoot()
    }
}

extension RunningStats: Equatable {
    /// Equal as statistics: exact count and extremes, mean and spread to 1e-12
    /// relative, because the file format stores the variance and the sum of
    /// squares is recomputed from it on load (the last bit may differ).
    public static func == (a: RunningStats, b: RunningStats) -> Bool {
        func close(_ x: Double, _ y: Double) -> Bool { x == y || abs(x - y) <= 1e-12 * Swift.max(abs(x), abs(y)) }
        return a.count == b.count && a.min == b.min && a.max == b.max && close(a.mean, b.mean) && close(a.m2, b.m2)
    }
}
