#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, deterministic on every platform.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A generator for a sub-stream, independent of how much the parent was used.
    init(seed: UInt64, stream: UInt64) {
        var mix = SplitMix64(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        state = mix.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next() % span)
    }

    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Standard normal (Box–Muller; one value per call, simplicity over speed).
    mutating func normal() -> Double {
        let u1 = max(unit(), 1e-300)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Log-normal with the given median and log-scale sigma.
    mutating func logNormal(median: Double, sigma: Double) -> Double { median * exp(sigma * normal()) }

    /// Exponential with the given mean.
    mutating func exponential(mean: Double) -> Double { -mean * log(1 - unit()) }

    /// Geometric-ish count ≥ 1 with the given mean.
    mutating func count(mean: Double) -> Int { 1 + Int(exponential(mean: max(mean - 1, 0.01))) }

    /// Index drawn from cumulative weights (last element = total).
    mutating func pick(cumulative: [Double]) -> Int {
        let x = unit() * cumulative[cumulative.count - 1]
        var lo = 0, hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cumulative[mid] > x { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    mutating func element<T>(_ a: [T]) -> T { a[Int(next() % UInt64(a.count))] }

    /// Zipf-like index in 0..<n with exponent s (inverse-CDF on the continuous approximation).
    mutating func zipf(_ n: Int, s: Double = 1.1) -> Int {
        // Continuous power law on [1, n+1), floored.
        let u = unit()
        let a = 1 - s
        let x = pow(1 + u * (pow(Double(n + 1), a) - 1), 1 / a)
        return min(n - 1, max(0, Int(x) - 1))
    }
}

/// Cumulative sums of weights, for `SplitMix64.pick`.
func cumulative(_ weights: [Double]) -> [Double] {
    var total = 0.0
    return weights.map { total += $0; return total }
}
