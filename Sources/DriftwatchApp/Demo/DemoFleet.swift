public import DriftwatchCore

/// The demo's simulated fleet: twelve agents of five personas from ``FleetGenerator``,
/// with simulated time compressed ``speedup``× so a dozen agents stream tens of events
/// per second, plus the scheduled misbehaviour ``DemoRunner`` announces.
///
/// The shipped baselines (`baselines/demo/`) were learned from the same fleet on the same
/// compressed time scale (`DriftwatchBench demo-fleet | driftwatch baseline learn`), so
/// rates match; the demo streams fresh calls from it (`streamSeed`), not the learned ones.
public struct DemoFleet {
    public static let agents = 12
    public static let seed: UInt64 = 20
    /// Simulated seconds per wall-clock second.
    public static let speedup: Int64 = 40

    private var generator: FleetGenerator
    private var buffer: [UInt8] = []
    private let origin: Int64
    private var simStart: Int64?
    /// The next clean event, already mapped to wall-clock time.
    private var pending: Event?

    /// - Parameters:
    ///   - origin: wall-clock (or learning) time of simulated time zero, Unix ns.
    ///   - streamSeed: which sessions the fleet runs (the baselines used the fleet seed).
    public init(origin: Int64, streamSeed: UInt64? = nil) {
        generator = FleetGenerator(agents: Self.agents, seed: Self.seed, streamSeed: streamSeed)
        self.origin = origin
    }

    /// Agent names by persona, in fleet order.
    public var agentsByPersona: [String: [String]] {
        var out: [String: [String]] = [:]
        for a in generator.agents { out[generator.personas[a.persona].name, default: []].append(a.name) }
        return out
    }

    /// The next clean event, time-compressed.
    public mutating func next() -> Event {
        if let e = pending {
            pending = nil
            return e
        }
        let line = nextLine()
        // The generator writes valid events; a failure here is a programmer error.
        guard let event = try? EventDecoder.decodeEvent(line) else {
            preconditionFailure("the fleet generator wrote an invalid event: \(line)")
        }
        return event
    }

    /// The next clean event as an NDJSON line (no newline), its `ts` time-compressed.
    public mutating func nextLine() -> String {
        buffer.removeAll(keepingCapacity: true)
        generator.next(into: &buffer)
        if buffer.last == UInt8(ascii: "\n") { buffer.removeLast() }
        // Every generated line starts with {"ts":"<RFC 3339>", (Generator.swift).
        let prefix = Array(#"{"ts":""#.utf8)
        precondition(buffer.starts(with: prefix), "generator lines start with ts")
        guard let close = buffer[prefix.count...].firstIndex(of: UInt8(ascii: "\"")),
              let ts = RFC3339.parse(String(decoding: buffer[prefix.count..<close], as: UTF8.self)) else {
            preconditionFailure("the fleet generator wrote an unparsable ts")
        }
        let start = simStart ?? ts
        simStart = start
        let compressed = origin + (ts - start) / Self.speedup
        return #"{"ts":""# + RFC3339.format(compressed) + String(decoding: buffer[close...], as: UTF8.self)
    }

    /// Every clean event up to wall-clock time `now`.
    public mutating func events(until now: Int64) -> [Event] {
        var out: [Event] = []
        while true {
            let e = next()
            guard let ts = e.ts, ts <= now else {
                pending = e
                return out
            }
            out.append(e)
        }
    }
}
