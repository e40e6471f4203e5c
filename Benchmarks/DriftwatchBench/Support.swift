#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import DriftwatchApp
import DriftwatchCore

/// Hand-parsed `--name value` options.
struct Options {
    private var values: [String: String] = [:]
    private(set) var flags: Set<String> = []

    init(_ args: ArraySlice<String>, known: Set<String>, flags knownFlags: Set<String> = []) throws(UsageError) {
        var i = args.startIndex
        while i < args.endIndex {
            let a = args[i]
            if knownFlags.contains(a) {
                flags.insert(a)
                i += 1
                continue
            }
            guard a.hasPrefix("--"), known.contains(a) else { throw UsageError("unknown option \(a)") }
            guard i + 1 < args.endIndex else { throw UsageError("\(a) needs a value") }
            values[a] = args[i + 1]
            i += 2
        }
    }

    func string(_ name: String) -> String? { values[name] }

    func int(_ name: String, _ fallback: Int) throws(UsageError) -> Int {
        guard let s = values[name] else { return fallback }
        let cleaned = s.replacingOccurrences(of: "_", with: "")
        var n: Int?
        if cleaned.hasSuffix("k") { n = Int(cleaned.dropLast()).map { $0 * 1000 } }
        else if cleaned.hasSuffix("M") { n = Int(cleaned.dropLast()).map { $0 * 1_000_000 } }
        else { n = Int(cleaned) }
        guard let n, n > 0 else { throw UsageError("\(name) must be a positive integer, not \(s)") }
        return n
    }

    func double(_ name: String, _ fallback: Double, range: ClosedRange<Double>) throws(UsageError) -> Double {
        guard let s = values[name] else { return fallback }
        guard let d = Double(s), range.contains(d) else { throw UsageError("\(name) must be a number in \(range), not \(s)") }
        return d
    }

    func seed() throws(UsageError) -> UInt64 {
        guard let s = values["--seed"] else { return 42 }
        guard let v = UInt64(s) else { throw UsageError("--seed must be a non-negative integer, not \(s)") }
        return v
    }
}

extension String {
    fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b)
    }
}

struct UsageError: Error {
    let message: String
    init(_ m: String) { message = m }
}

/// Seconds since an arbitrary start, monotonic.
func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// A field of /proc/self/status in kB (VmRSS, VmHWM), or nil where there is no /proc.
func procStatusKB(_ field: String) -> Int? {
    guard let bytes = try? FileInput.readAll("/proc/self/status") else { return nil }
    let text = String(decoding: bytes, as: UTF8.self)
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.dropFirst(field.count + 1).filter { $0.isNumber })
    }
    return nil
}

/// Resident memory after returning the allocator's free pages to the system, so that an
/// RSS difference counts what is in use (not memory freed earlier and reused).
func trimmedRSSKB() -> Int {
    #if canImport(Glibc)
    // glibc's malloc.h is not part of the Glibc module; look the function up instead.
    if let symbol = dlsym(nil, "malloc_trim") {
        typealias Trim = @convention(c) (Int) -> Int32
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }
    #endif
    return procStatusKB("VmRSS") ?? 0
}

func say(_ s: String) {
    var t = s
    t.append("\n")
    _ = t.withUTF8 { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
}

func fmt(_ x: Double, _ places: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let r = (x * scale).rounded() / scale
    var s = String(r)
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if places == 0 { s = String(s[..<dot]) }
        else if decimals < places { s += String(repeating: "0", count: places - decimals) }
    }
    return s
}

/// Thousands separators for readability.
func group(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, ch) in s.enumerated() {
        if i > 0, (s.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return out
}

func stats(_ xs: [Int]) -> String {
    guard !xs.isEmpty else { return "-" }
    let s = xs.sorted()
    return "min \(group(s[0])), median \(group(s[s.count / 2])), max \(group(s[s.count - 1]))"
}

/// Decodes one line into its events; the line must be valid (the generator writes valid events).
@inline(__always)
func decodeLine(_ line: UnsafeRawBufferPointer) -> [Event] {
    do {
        var events: [Event] = []
        try EventDecoder.decode(line).forEachEvent { events.append($0) }
        return events
    } catch {
        fatalError("generator wrote an invalid line: \(error): \(String(decoding: line, as: UTF8.self))")
    }
}

/// Generates `count` events and learns one baseline per agent from them.
/// With `sessions`, also collects the ids of the sessions seen.
func learnBaselines(_ gen: inout FleetGenerator, count: Int, sessions: UnsafeMutablePointer<Set<String>>? = nil)
    -> (baselines: [Baseline], perAgent: [String: Int])
{
    var builders: [String: BaselineBuilder] = [:]
    var perAgent: [String: Int] = [:]
    var buf: [UInt8] = []
    buf.reserveCapacity(4096)
    for _ in 0..<count {
        buf.removeAll(keepingCapacity: true)
        gen.next(into: &buf)
        let events = buf.withUnsafeBytes { decodeLine(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
        for e in events {
            let features = e.tool.map { ArgsFeatures(tool: $0, args: e.args) }
            builders[e.agent, default: BaselineBuilder(agent: e.agent)].add(e, features: features, at: e.ts!)
            perAgent[e.agent, default: 0] += 1
            if let sessions, let id = e.session { sessions.pointee.insert(id) }
        }
    }
    let baselines = builders.keys.sorted().map { builders[$0]!.finish() }
    return (baselines, perAgent)
}
