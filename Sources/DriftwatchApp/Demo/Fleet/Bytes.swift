/// Appends JSON text to a byte buffer without Foundation or JSONEncoder.
struct ByteLine {
    var bytes: [UInt8] = []

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always) mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// A JSON string; escapes quote, backslash and control characters.
    mutating func string(_ s: String) {
        bytes.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: bytes.append(0x5C); bytes.append(0x22)
            case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
            case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
            case 0..<0x20:
                raw("\\u00")
                bytes.append(Self.hex[Int(b >> 4)])
                bytes.append(Self.hex[Int(b & 15)])
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    mutating func int(_ v: Int) {
        var v = v
        if v < 0 {
            bytes.append(UInt8(ascii: "-"))
            v = -v
        }
        if v < 10 {
            bytes.append(UInt8(48 + v))
            return
        }
        var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                  UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &tmp) { buf in
            while v > 0 {
                buf[n] = UInt8(48 + v % 10)
                v /= 10
                n += 1
            }
            while n > 0 {
                n -= 1
                bytes.append(buf[n])
            }
        }
    }

    /// Zero-padded decimal of fixed width.
    mutating func padded(_ v: Int, width: Int) {
        var div = 1
        for _ in 1..<width { div *= 10 }
        var v = v
        while div > 0 {
            bytes.append(UInt8(48 + (v / div) % 10))
            v %= div
            div /= 10
        }
    }

    /// A non-negative decimal with up to `places` fractional digits, trailing zeros dropped.
    mutating func decimal(_ x: Double, places: Int) {
        var scale = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((max(x, 0) * Double(scale)).rounded())
        int(scaled / scale)
        var frac = scaled % scale
        guard frac > 0 else { return }
        var width = places
        while frac % 10 == 0 {
            frac /= 10
            width -= 1
        }
        bytes.append(UInt8(ascii: "."))
        padded(frac, width: width)
    }

    /// RFC 3339 UTC with milliseconds, from milliseconds since the Unix epoch.
    mutating func timestamp(ms: Int64) {
        let days = Int(ms / 86_400_000)
        let msOfDay = Int(ms % 86_400_000)
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        byte(0x22)
        padded(y, width: 4); byte(UInt8(ascii: "-"))
        padded(m, width: 2); byte(UInt8(ascii: "-"))
        padded(d, width: 2); byte(UInt8(ascii: "T"))
        padded(msOfDay / 3_600_000, width: 2); byte(UInt8(ascii: ":"))
        padded(msOfDay / 60_000 % 60, width: 2); byte(UInt8(ascii: ":"))
        padded(msOfDay / 1000 % 60, width: 2); byte(UInt8(ascii: "."))
        padded(msOfDay % 1000, width: 3); byte(UInt8(ascii: "Z"))
        byte(0x22)
    }
}
