#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Quantiles of the distributions that detector thresholds are derived from.
///
/// Thresholds in driftwatch are never global constants: each is the
/// `1 − α` quantile of a null distribution fitted to the agent's baseline,
/// where α is that detector's share of the configured false-alarm budget.
public enum Distributions {
    /// Upper-tail standard normal quantile: z with P(Z > z) = p.
    /// Acklam's rational approximation (relative error < 1.2e-9).
    public static func normalUpperQuantile(_ p: Double) -> Double {
        -normalQuantile(p)
    }

    /// Standard normal quantile: z with P(Z ≤ z) = p.
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "probability must be in (0, 1)")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low {
            let q = (-2 * log(1 - p)).squareRoot()
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let q = p - 0.5
        let r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }

    /// Upper-tail Student-t quantile: t with P(T_ν > t) = p.
    ///
    /// Used instead of the normal quantile when a mean and variance were
    /// estimated from few samples (a baseline with 20 long sessions): the
    /// predictive distribution of a new value is t with n − 1 degrees of
    /// freedom, whose tail is far heavier than the normal's at small n.
    /// Solved by bisection on the regularised incomplete beta function.
    public static func studentTUpperQuantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(p > 0 && p < 0.5 && nu > 0)
        if nu > 1e6 { return normalUpperQuantile(p) }
        // P(T > t) = 0.5 · I_{ν/(ν+t²)}(ν/2, 1/2); the beta function's logarithm is the
        // same at every step of the search, so it is computed once.
        let lnGammas = lnGammaRatio(a: nu / 2, b: 0.5)
        func tail(_ t: Double) -> Double { 0.5 * regularizedIncompleteBeta(nu / (nu + t * t), a: nu / 2, b: 0.5, lnGammas: lnGammas) }
        var lo = 0.0
        var hi = max(1.0, normalUpperQuantile(p))
        while tail(hi) > p, hi < 1e12 { hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if tail(mid) > p { lo = mid } else { hi = mid }
            if hi - lo < 1e-9 * hi { break }
        }
        return (lo + hi) / 2
    }

    /// Regularised incomplete beta I_x(a, b) (continued fraction, Numerical Recipes §6.4).
    /// - Parameter lnGammas: `lnGammaRatio(a:b:)`, when the caller has it already.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double, lnGammas: Double? = nil) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnFront = (lnGammas ?? lnGammaRatio(a: a, b: b)) + a * log(x) + b * log(1 - x)
        let front = exp(lnFront)
        if x < (a + 1) / (a + b + 2) {
            return front * betaContinuedFraction(x, a, b) / a
        }
        return 1 - front * betaContinuedFraction(1 - x, b, a) / b
    }

    /// ln Γ(a+b) − ln Γ(a) − ln Γ(b), that is −ln B(a, b).
    static func lnGammaRatio(a: Double, b: Double) -> Double {
        lgamma(a + b) - lgamma(a) - lgamma(b)
    }

    private static func betaContinuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...300 {
            let m = Double(m)
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < 3e-16 { break }
        }
        return h
    }
}
