public import DriftwatchCore

/// `driftwatch replay` (spec §3): offline and deterministic. Event time is the
/// clock; alerts go to `output` as NDJSON; every rejected line is reported
/// through `reject` with its line number and the reason, and the run goes on.
/// An event whose agent and `call_id` came before is a duplicate (spec §1): it is
/// counted, not detected on, as in `serve` (within `CallIDWindow`'s window).
public struct Replayer {
    public private(set) var monitor: Monitor
    public private(set) var summary = ReplaySummary()
    private let output: OutputStream
    private let reject: (String) -> Void
    private let maxLineBytes: Int
    private var callIDs: CallIDWindow

    /// - Parameter callIDWindow: how many distinct `call_id`s are remembered for de-duplication.
    public init(monitor: Monitor, output: OutputStream, maxLineBytes: Int = LineSplitter.defaultMaxLineBytes,
                callIDWindow: Int = CallIDWindow.defaultCapacity, reject: @escaping (String) -> Void)
    {
        self.monitor = monitor
        self.output = output
        self.maxLineBytes = maxLineBytes
        self.callIDs = CallIDWindow(capacity: callIDWindow)
        self.reject = reject
    }

    /// Replays one input; `label` prefixes error messages when there are several inputs.
    /// - Throws: `IOError` when the input cannot be read or is gzip-compressed (one
    ///   error, where its lines would each be rejected as invalid JSON).
    public mutating func replay(_ input: borrowing FileInput, label: String?) throws {
        var splitter = LineSplitter(maxLineBytes: maxLineBytes)
        var lineNumber = 0
        var alerts: [Alert] = []
        let name = input.name
        func process(_ event: Event, _ me: inout Replayer) throws {
            guard let ts = event.ts else {
                me.rejectLine(lineNumber, label, .missingTime("in replay: event time is the clock"))
                return
            }
            // After validation, so that a rejected line does not claim its call_id.
            if let callID = event.callID, !me.callIDs.admit(agent: event.agent, callID: callID) {
                me.summary.duplicates += 1
                return
            }
            me.summary.events += 1
            alerts.removeAll(keepingCapacity: true)
            me.monitor.process(event, seq: Int64(me.summary.events), receivedAt: ts, into: &alerts)
            for alert in alerts { try me.emit(alert) }
        }
        func handle(_ line: LineSplitter.Line, _ me: inout Replayer) throws {
            lineNumber += 1
            switch line {
            case .tooLong(let bytes):
                me.rejectLine(lineNumber, label, DecodeError("line is longer than the limit of \(me.maxLineBytes) bytes (\(bytes))"))
            case .line(let bytes):
                if lineNumber == 1 { try CompressedInput.refuse(bytes, name: name, command: "replay -") }
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
                do {
                    switch try EventDecoder.decode(bytes) {
                    case .event(let event):
                        try process(event, &me)
                    case .events(let events):
                        for event in events { try process(event, &me) }
                    case .preToolUse:
                        me.summary.breakerChecks += 1
                    }
                } catch let error as DecodeError {
                    me.rejectLine(lineNumber, label, error)
                }
            }
        }
        try input.forEachChunk { chunk in
            try splitter.feed(chunk) { try handle($0, &self) }
        }
        try splitter.finish { try handle($0, &self) }
        summary.lines += lineNumber
    }

    private mutating func emit(_ alert: Alert) throws {
        var writer = JSONWriter(capacity: 512)
        writer.write(alert.json)
        writer.bytes.append(0x0A)
        try output.write(writer.bytes)
        summary.alertsByKind[alert.kind.rawValue, default: 0] += 1
    }

    private mutating func rejectLine(_ line: Int, _ label: String?, _ error: DecodeError) {
        summary.rejected += 1
        summary.rejectedByReason[error.category, default: 0] += 1
        reject((label.map { "\($0): " } ?? "") + "line \(line): \(error)")
    }

    public mutating func finish() throws {
        try output.flush()
        summary.agents = monitor.agentCount
    }
}

/// What a replay saw, for the summary on stderr.
public struct ReplaySummary: Sendable {
    public var lines = 0
    public var events = 0
    public var agents = 0
    public var rejected = 0
    public var rejectedByReason: [String: Int] = [:]
    /// Events skipped because their agent and `call_id` came before (spec §1).
    public var duplicates = 0
    public var breakerChecks = 0
    public var alertsByKind: [String: Int] = [:]

    public var alerts: Int { alertsByKind.values.reduce(0, +) }

    /// One line per topic, deterministic order.
    public func text(seconds: Double) -> String {
        var lines = [
            "events: \(events) from \(lines) lines, agents: \(agents)",
            "alerts: \(alerts)" + (alertsByKind.isEmpty ? "" : " (" + alertsByKind.keys.sorted().map { "\($0) \(alertsByKind[$0]!)" }.joined(separator: ", ") + ")"),
            "rejected lines: \(rejected)" + (rejectedByReason.isEmpty ? "" : " (" + rejectedByReason.keys.sorted().map { "\($0) \(rejectedByReason[$0]!)" }.joined(separator: ", ") + ")"),
            "duplicates: \(duplicates)" + (duplicates > 0 ? " (same agent and call_id as an earlier event; counted once)" : ""),
        ]
        if breakerChecks > 0 { lines.append("breaker checks skipped (PreToolUse): \(breakerChecks)") }
        let rate = seconds > 0 ? Int(Double(events) / seconds) : 0
        lines.append("time: \(Int(seconds * 1000)) ms, \(rate) events/s")
        return lines.joined(separator: "\n")
    }
}
