/// Event time: nanoseconds since the Unix epoch, UTC.
///
/// Core never reads a clock; every timestamp comes from an event (replay) or is
/// stamped by the service at receipt and passed in.
public typealias EventTime = Int64

public enum RFC3339 {
    public static let nanosPerSecond: Int64 = 1_000_000_000

    /// Parses an RFC 3339 timestamp (`2026-11-20T10:00:00.123Z`, `…+02:00`,
    /// fraction optional, `t`/`z` and a space separator accepted) by hand.
    /// - Returns: nanoseconds since the epoch, or nil when malformed or outside the
    ///   range `EventTime` can hold (years 1677–2262).
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> EventTime? {
        let n = bytes.count
        guard n >= 20 else { return nil }
        @inline(__always) func digits(_ at: Int, _ count: Int) -> Int? {
            var v = 0
            for i in at..<(at + count) {
                let d = bytes[i] &- 48
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
            }
            return v
        }
        guard let year = digits(0, 4), bytes[4] == UInt8(ascii: "-"), let month = digits(5, 2),
              bytes[7] == UInt8(ascii: "-"), let day = digits(8, 2),
              bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == 0x20,
              let hour = digits(11, 2), bytes[13] == UInt8(ascii: ":"), let minute = digits(14, 2),
              bytes[16] == UInt8(ascii: ":"), let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second <= 60
        else { return nil }
        var i = 19
        var nanos: Int64 = 0
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100_000_000
            let fracStart = i
            while i < n, bytes[i] &- 48 < 10 {
                nanos += Int64(bytes[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > fracStart else { return nil }
        }
        guard i < n else { return nil }
        var offsetSeconds = 0
        switch bytes[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = bytes[i] == UInt8(ascii: "-") ? -1 : 1
            guard i + 6 == n, let oh = digits(i + 1, 2), bytes[i + 3] == UInt8(ascii: ":"), let om = digits(i + 4, 2),
                  oh < 24, om < 60
            else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
            i += 6
        default:
            return nil
        }
        guard i == n else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offsetSeconds)
        // Int64 nanoseconds span 1677-09-21…2262-04-11; beyond that the time is unrepresentable, not a crash.
        // Before 1970 a second is borrowed so that the earliest representable second does not overflow.
        let borrow: Int64 = seconds < 0 ? 1 : 0
        let (scaled, overflow) = (seconds + borrow).multipliedReportingOverflow(by: nanosPerSecond)
        guard !overflow else { return nil }
        let (t, overflow2) = scaled.addingReportingOverflow(nanos - borrow * nanosPerSecond)
        return overflow2 ? nil : t
    }

    public static func parse(_ text: String) -> EventTime? {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Formats as UTC `YYYY-MM-DDTHH:MM:SS.mmmZ`, with 6 or 9 fraction digits
    /// only when the time has sub-millisecond precision.
    public static func format(_ t: EventTime) -> String {
        var seconds = t / nanosPerSecond
        var nanos = t % nanosPerSecond
        if nanos < 0 { nanos += nanosPerSecond; seconds -= 1 }
        var days = seconds / 86_400
        var rem = seconds % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(Int(days))
        var out: [UInt8] = []
        out.reserveCapacity(30)
        func pad(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
            var v = v
            for k in stride(from: width - 1, through: 0, by: -1) { digits[k] = UInt8(48 + v % 10); v /= 10 }
            out.append(contentsOf: digits)
        }
        pad(y, 4); out.append(UInt8(ascii: "-")); pad(m, 2); out.append(UInt8(ascii: "-")); pad(d, 2)
        out.append(UInt8(ascii: "T"))
        pad(Int(rem / 3600), 2); out.append(UInt8(ascii: ":")); pad(Int(rem % 3600 / 60), 2)
        out.append(UInt8(ascii: ":")); pad(Int(rem % 60), 2)
        out.append(UInt8(ascii: "."))
        if nanos % 1_000_000 == 0 { pad(Int(nanos / 1_000_000), 3) }
        else if nanos % 1000 == 0 { pad(Int(nanos / 1000), 6) }
        else { pad(Int(nanos), 9) }
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    static func isLeap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z: Int) -> (Int, Int, Int) {
        let z = z + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
