import Testing
@testable import DriftwatchCore

/// Numbers must parse to exactly the Double the standard library's correctly
/// rounded conversion gives, whichever of the scanner's paths reads them:
/// the one-pass fast path, Clinger's exact case, 128-bit integer arithmetic for
/// up to 19 digits, or `Double(String)` for the rest.
struct NumberParsingTests {
    /// The synthetic streams' seeded generator, so failures reproduce.
    typealias Generator = SplitMix64

    static func parsed(_ text: String) throws -> Double {
        guard case .number(let value) = try JSONScanner.parse(text) else { throw JSONError(offset: 0, reason: "not a number") }
        return value
    }

    static func expectSameAsStandardLibrary(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try #require(Double(text), sourceLocation: sourceLocation)
        let actual = try parsed(text)
        #expect(actual.bitPattern == expected.bitPattern, "\(text): \(actual) ≠ \(expected)", sourceLocation: sourceLocation)
    }

    /// A valid JSON number: sign, integer part without leading zeros, optional
    /// fraction and exponent, with `digits` significant digits in all.
    static func randomNumber(digits: Int, _ g: inout Generator) -> String {
        var all = String(Int.random(in: 1...9, using: &g))
        for _ in 1..<digits { all += String(Int.random(in: 0...9, using: &g)) }
        var text = Bool.random(using: &g) ? "-" : ""
        switch Int.random(in: 0..<3, using: &g) {
        case 0: text += all  // an integer
        case 1:  // a point somewhere inside
            let point = Int.random(in: 1...digits, using: &g)
            let integer = all.prefix(point)
            let fraction = all.dropFirst(point)
            text += integer + (fraction.isEmpty ? "" : "." + fraction)
        default:  // 0.000ddd
            text += "0." + String(repeating: "0", count: Int.random(in: 0...6, using: &g)) + all
        }
        if Int.random(in: 0..<4, using: &g) == 0 {
            text += ["e", "E", "e+", "e-", "E-"].randomElement(using: &g)! + String(Int.random(in: 0...25, using: &g))
        }
        return text
    }

    @Test func randomNumbersOfUpToTwentyFiveDigitsMatchTheStandardLibrary() throws {
        var g = Generator(seed: 20_261_120)
        for _ in 0..<60_000 {
            try Self.expectSameAsStandardLibrary(Self.randomNumber(digits: Int.random(in: 1...25, using: &g), &g))
        }
    }

    @Test func sixteenToNineteenDigitsMatchTheStandardLibrary() throws {
        // The 128-bit path: too many digits for Clinger's case, few enough to be exact.
        var g = Generator(seed: 53)
        for _ in 0..<60_000 {
            try Self.expectSameAsStandardLibrary(Self.randomNumber(digits: Int.random(in: 16...19, using: &g), &g))
        }
    }

    @Test func shortestFormsOfRandomDoublesReadBackExactly() throws {
        // What float-printing producers write: up to 17 digits (0.30000000000000004).
        var g = Generator(seed: 17)
        for _ in 0..<40_000 {
            let d = Double(bitPattern: UInt64.random(in: 0x3E00_0000_0000_0000...0x4400_0000_0000_0000, using: &g))
            try Self.expectSameAsStandardLibrary("\(d)")
            #expect(try Self.parsed("\(d)") == d)
        }
    }

    @Test func exactTiesRoundToEven() throws {
        // Integers halfway between two doubles (above 2^53 the spacing is 2 or more)...
        for text in ["9007199254740993", "9007199254740995", "18014398509481986", "18014398509481990",
                     "36028797018963972", "9223372036854775807", "9223372036854776833", "18446744073709550593"] {
            try Self.expectSameAsStandardLibrary(text)
        }
        // ...and quotients: an odd 54-bit integer over 2^e is a midpoint; times 5^e it is a
        // decimal M / 10^e with M of at most 19 digits.
        var g = Generator(seed: 2)
        for _ in 0..<20_000 {
            let odd = UInt64.random(in: (1 << 53)...((1 << 54) - 1), using: &g) | 1
            let e = Int.random(in: 1...3, using: &g)
            var m = odd
            for _ in 0..<e { m *= 5 }
            var digits = String(m)
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -e))
            try Self.expectSameAsStandardLibrary(digits)
            // One unit more or less in the last place is no longer a tie.
            for neighbour in [m - 1, m + 1] {
                var text = String(neighbour)
                text.insert(".", at: text.index(text.endIndex, offsetBy: -e))
                try Self.expectSameAsStandardLibrary(text)
            }
        }
    }

    @Test(arguments: [
        "0", "-0", "0.0", "-0.0", "1", "0.1", "0.0138", "0.030363", "0.0123456789012", "4704", "123456789012345",
        "1234567890123456", "12345678901234567", "123456789012345678", "1234567890123456789", "12345678901234567890",
        "0.30000000000000004", "9007199254740992", "9007199254740993", "1e22", "1e23", "1.5e-3", "1E+2",
        "1.7976931348623157e308", "2.2250738585072014e-308", "4.9e-324", "1e-400", "0.0000000000000000000000001",
        "100000000000000000000000", "10000000000000000000000000000000000000000000000000001",
    ])
    func edgeCasesMatchTheStandardLibrary(_ text: String) throws {
        try Self.expectSameAsStandardLibrary(text)
    }

    @Test func negativeZeroKeepsItsSign() throws {
        #expect(try Self.parsed("-0").sign == .minus)
        #expect(try Self.parsed("-0.000").sign == .minus)
    }

    @Test func malformedNumbersAreStillRejectedWhereTheyWere() throws {
        #expect(throws: JSONError(offset: 0, reason: "leading zeros are not allowed in numbers")) { try JSONScanner.parse("012") }
        #expect(throws: JSONError(offset: 2, reason: "a digit must follow the decimal point")) { try JSONScanner.parse("1.") }
        #expect(throws: JSONError(offset: 2, reason: "invalid exponent")) { try JSONScanner.parse("1e") }
        #expect(throws: JSONError(offset: 0, reason: "invalid number")) { try JSONScanner.parse("-") }
        #expect(throws: JSONError(offset: 0, reason: "number out of range")) { try JSONScanner.parse("1e309") }
    }
}

/// `random(in:using:)` and friends draw from it here (the streams themselves do not).
extension SplitMix64: RandomNumberGenerator {}
