import Testing
@testable import DriftwatchCore

/// RFC 3339 timestamps, parsed and formatted by hand (spec §1 `ts`).
struct RFC3339Tests {
    @Test func epochIsZero() {
        #expect(RFC3339.parse("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.format(0) == "1970-01-01T00:00:00.000Z")
    }

    @Test(arguments: ["2026-11-20T10:00:00.123Z", "2024-02-29T23:59:59.000Z", "1999-12-31T23:59:59.999999Z",
                      "2000-03-01T00:00:00.000000001Z", "1969-12-31T23:59:59.500Z", "2262-04-11T23:47:16.854Z",
                      "1677-09-21T00:12:43.146Z"])
    func formatThenParseRoundTrips(_ text: String) throws {
        let t = try #require(RFC3339.parse(text))
        #expect(RFC3339.format(t) == text)
        #expect(RFC3339.parse(RFC3339.format(t)) == t)
    }

    @Test func formatUsesMillisecondsUnlessFinerPrecisionIsNeeded() {
        let second: EventTime = 1_795_161_600_000_000_000
        #expect(RFC3339.format(second) == "2026-11-20T08:00:00.000Z")
        #expect(RFC3339.format(second + 5_000) == "2026-11-20T08:00:00.000005Z")
        #expect(RFC3339.format(second + 7) == "2026-11-20T08:00:00.000000007Z")
    }

    @Test func knownInstantsMatch() {
        #expect(RFC3339.parse("2026-11-20T10:00:00.123Z") == 1_795_168_800_123_000_000)
        #expect(RFC3339.parse("2024-02-29T23:59:59Z") == 1_709_251_199_000_000_000)
    }

    @Test func offsetsAreAppliedToGetUTC() {
        let utc = RFC3339.parse("2026-11-20T08:00:00Z")
        #expect(utc != nil)
        #expect(RFC3339.parse("2026-11-20T10:00:00+02:00") == utc)
        #expect(RFC3339.parse("2026-11-20T03:15:00-04:45") == utc)
        #expect(RFC3339.parse("2026-11-20T08:00:00+00:00") == utc)
        #expect(RFC3339.parse("2026-11-20T08:00:00-00:00") == utc)
        #expect(RFC3339.parse("2026-11-21T07:59:00+23:59") == utc)
    }

    @Test func offsetsCanCrossDayAndYearBoundaries() {
        #expect(RFC3339.parse("2027-01-01T01:00:00+02:00") == RFC3339.parse("2026-12-31T23:00:00Z"))
    }

    @Test func lowercaseSeparatorsAndSpaceAreAccepted() {
        let t = RFC3339.parse("2026-11-20T08:00:00Z")
        #expect(RFC3339.parse("2026-11-20t08:00:00z") == t)
        #expect(RFC3339.parse("2026-11-20 08:00:00Z") == t)
    }

    @Test func fractionsOfAnyLengthAreAccepted() {
        let t = RFC3339.parse("2026-11-20T08:00:00Z")!
        #expect(RFC3339.parse("2026-11-20T08:00:00.5Z") == t + 500_000_000)
        #expect(RFC3339.parse("2026-11-20T08:00:00.123456789Z") == t + 123_456_789)
        // Beyond nanoseconds, digits are read and dropped.
        #expect(RFC3339.parse("2026-11-20T08:00:00.1234567891234Z") == t + 123_456_789)
    }

    @Test func leapDaysFollowTheGregorianRules() {
        #expect(RFC3339.parse("2024-02-29T00:00:00Z") != nil)
        #expect(RFC3339.parse("2000-02-29T00:00:00Z") != nil)
        #expect(RFC3339.parse("2026-02-29T00:00:00Z") == nil)
        #expect(RFC3339.parse("2100-02-29T00:00:00Z") == nil)
        #expect(RFC3339.parse("2024-03-01T00:00:00Z")! - RFC3339.parse("2024-02-28T00:00:00Z")! == 2 * 86_400 * RFC3339.nanosPerSecond)
    }

    @Test func timesOutsideTheNanosecondRangeAreRejectedNotATrap() {
        // EventTime is Int64 nanoseconds: 1677-09-21T00:12:43.145224192Z … 2262-04-11T23:47:16.854775807Z.
        #expect(RFC3339.parse("2262-04-11T23:47:16.854775807Z") == Int64.max)
        #expect(RFC3339.parse("2262-04-11T23:47:16.854775808Z") == nil)
        #expect(RFC3339.parse("2262-04-11T23:47:17Z") == nil)
        #expect(RFC3339.parse("9999-12-31T23:59:59Z") == nil)
        #expect(RFC3339.parse("0000-01-01T00:00:00Z") == nil)
        #expect(RFC3339.parse("1677-09-21T00:12:43.145224192Z") == Int64.min)
        #expect(RFC3339.parse("1677-09-21T00:12:43.145224191Z") == nil)
        #expect(RFC3339.parse("1600-01-01T00:00:00Z") == nil)
    }

    @Test func leapSecondIsReadAsTheLastSecondOfTheMinute() {
        #expect(RFC3339.parse("2016-12-31T23:59:60Z") == RFC3339.parse("2016-12-31T23:59:59Z"))
    }

    @Test(arguments: [
        "", "garbage", "2026-11-20", "2026-11-20T10:00:00", "2026-02-30T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-20T24:00:00Z",
        "2026-11-20T10:60:00Z", "2026-11-20T10:00:61Z", "2026-11-20T10:00:00.Z", "2026-11-20T10:00:00+0200",
        "2026-11-20T10:00:00+02", "2026-11-20T10:00:00+24:00", "2026-11-20T10:00:00+02:60", "2026-11-20T10:00:00ZZ",
        "2026-11-20T10:00:00Z ", " 2026-11-20T10:00:00Z", "2026/11/20T10:00:00Z", "2026-11-20X10:00:00Z",
        "26-11-20T10:00:00Z", "2026-1-20T10:00:00Z", "2026-11-20T10:00:00.12a3Z", "２０２６-11-20T10:00:00Z",
        "2026-11-20T10:00:00+02:00:00", "2026-11-20T10:00:00GMT",
    ])
    func malformedTimestampsAreRejected(_ text: String) {
        #expect(RFC3339.parse(text) == nil)
    }
}
