extension JSONScanner {
    /// 10^k for 0 ≤ k ≤ 22, exactly (every one is a Double). A switch, which the
    /// compiler turns into a constant table: no lazy global to check on each use.
    @inline(__always) static func exactPowerOfTen(_ k: Int) -> Double {
        switch k {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    private static let powersOfTen: [UInt64] = (0...19).map { p in
        var v: UInt64 = 1
        for _ in 0..<p { v *= 10 }
        return v
    }

    /// Parses an RFC 8259 number, correctly rounded to the nearest Double.
    ///
    /// The usual shapes (`123`, `-4`, `0.0138`: at most 19 digits, no exponent)
    /// are read in one pass; anything else is read by `parseAnyNumber`, which
    /// also reports every error.
    @inline(__always)
    public mutating func parseNumber() throws(JSONError) -> Double {
        let start = index
        var i = start
        let negative = byte(at: i) == UInt8(ascii: "-")
        if negative { i &+= 1 }
        var mantissa: UInt64 = 0
        let integerStart = i
        while i < length, case let d = byte(at: i) &- 48, d < 10 {
            mantissa = mantissa &* 10 &+ UInt64(d)
            i &+= 1
        }
        var digits = i &- integerStart
        // One digit, or several not starting with 0 (a leading zero is an error there).
        if digits == 1 || digits > 1 && byte(at: integerStart) != UInt8(ascii: "0") {
            var fractionDigits = 0
            if i < length, byte(at: i) == UInt8(ascii: ".") {
                let fractionStart = i &+ 1
                i = fractionStart
                while i < length, case let d = byte(at: i) &- 48, d < 10 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    i &+= 1
                }
                fractionDigits = i &- fractionStart
                digits &+= fractionDigits
                if fractionDigits == 0 { digits = Int.max }  // "1." is an error
            }
            let exponentFollows = i < length && byte(at: i) | 0x20 == UInt8(ascii: "e")
            if digits <= 19, !exponentFollows, let v = Self.exactDouble(mantissa, -fractionDigits) {
                index = i
                return negative ? -v : v
            }
        }
        return try parseAnyNumber()
    }

    /// `parseNumber` for any number. Up to 19 significant digits are kept in an
    /// integer significand. When no non-zero digit was dropped, `exactDouble`
    /// converts without the standard library; otherwise (more digits, large
    /// exponents) its correctly rounded conversion is used. Either way the
    /// result is the same Double.
    mutating func parseAnyNumber() throws(JSONError) -> Double {
        let start = index
        let count = length
        var i = index
        var negative = false
        if byte(at: i) == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        guard i < count, Self.isDigit(byte(at: i)) else { throw fail("invalid number", at: start) }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var truncated = false  // a non-zero digit did not fit in `mantissa`
        if byte(at: i) == UInt8(ascii: "0") {
            i += 1
            if i < count, Self.isDigit(byte(at: i)) { throw fail("leading zeros are not allowed in numbers", at: start) }
        } else {
            while i < count, case let d = byte(at: i) &- 48, d < 10 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    digits += 1
                } else {
                    exponent += 1
                    if d != 0 { truncated = true }
                }
                i += 1
            }
        }
        if i < count, byte(at: i) == UInt8(ascii: ".") {
            i += 1
            guard i < count, Self.isDigit(byte(at: i)) else { throw fail("a digit must follow the decimal point", at: i) }
            while i < count, case let d = byte(at: i) &- 48, d < 10 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    if mantissa != 0 { digits += 1 }
                    exponent -= 1
                } else if d != 0 {
                    truncated = true
                }
                i += 1
            }
        }
        if i < count, byte(at: i) == UInt8(ascii: "e") || byte(at: i) == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < count, byte(at: i) == UInt8(ascii: "+") || byte(at: i) == UInt8(ascii: "-") {
                expNegative = byte(at: i) == UInt8(ascii: "-")
                i += 1
            }
            guard i < count, Self.isDigit(byte(at: i)) else { throw fail("invalid exponent", at: i) }
            var e = 0
            while i < count, case let d = byte(at: i) &- 48, d < 10 {
                if e < 100_000 { e = e * 10 + Int(d) }
                i += 1
            }
            exponent += expNegative ? -e : e
        }
        index = i
        if !truncated, let v = Self.exactDouble(mantissa, exponent) {
            return negative ? -v : v
        }
        let text = String(decoding: slice(start, i), as: UTF8.self)
        guard let v = Double(text), v.isFinite else { throw fail("number out of range", at: start) }
        return v
    }

    /// `mantissa × 10^exponent` correctly rounded (ties to even), or nil when it
    /// needs more than these two exact methods:
    /// - Clinger's fast path: a significand up to 2^53 and a power of ten up to
    ///   10^22 are both exact doubles, so one IEEE multiplication or division
    ///   rounds once, correctly.
    /// - Integer arithmetic on 128 bits for powers of ten up to 10^19 either way:
    ///   the exact product, or a quotient of at least 64 bits whose remainder
    ///   decides the rounding as a sticky bit.
    @inline(__always) static func exactDouble(_ mantissa: UInt64, _ exponent: Int) -> Double? {
        if mantissa == 0 { return 0 }
        if mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            let m = Double(mantissa)
            return exponent < 0 ? m / exactPowerOfTen(-exponent) : m * exactPowerOfTen(exponent)
        }
        return exactDoubleWide(mantissa, exponent)
    }

    /// `exactDouble` beyond Clinger's fast path.
    static func exactDoubleWide(_ mantissa: UInt64, _ exponent: Int) -> Double? {
        guard exponent >= -19, exponent <= 19 else { return nil }
        if exponent >= 0 {
            return rounded(UInt128(mantissa) * UInt128(powersOfTen[exponent]), sticky: false, scale: 0)
        }
        // Shifted to the top of 128 bits and divided by at most 10^19 < 2^64, the
        // quotient has at least 64 significant bits: the remainder only breaks ties.
        let shift = UInt128(mantissa).leadingZeroBitCount
        let (quotient, remainder) = (UInt128(mantissa) << shift).quotientAndRemainder(dividingBy: UInt128(powersOfTen[-exponent]))
        return rounded(quotient, sticky: remainder != 0, scale: -shift)
    }

    /// `(x + f) × 2^scale` correctly rounded, where `f` in [0, 1) is non-zero
    /// exactly when `sticky`; x must then have at least 55 significant bits, so
    /// that its lowest bit lies below the rounding position.
    private static func rounded(_ x: UInt128, sticky: Bool, scale: Int) -> Double {
        let bits = UInt128.bitWidth - x.leadingZeroBitCount
        var top: UInt64
        var scale = scale
        if bits > 64 {
            // Keep the top 64 bits; what is shifted out only matters as a sticky bit.
            let drop = bits - 64
            top = UInt64(truncatingIfNeeded: x >> drop)
            if sticky || x & ((1 << drop) - 1) != 0 { top |= 1 }
            scale += drop
        } else {
            top = UInt64(truncatingIfNeeded: x)
            if sticky { top |= 1 }
        }
        // Double(UInt64) rounds once, to nearest even; the power of two is exact here
        // (|scale| ≤ 128, far from overflow and subnormals).
        return Double(top) * Double(sign: .plus, exponent: scale, significand: 1)
    }
}
