/// The baseline file format (`baselines/<agent>.json`): versioned, stable key
/// order (fixed for records, sorted for maps), one value per line where it
/// helps review.
extension Baseline {
    public var json: JSONValue {
        var members: [JSONMember] = [
            JSONMember("format", .string(Self.formatName)),
            JSONMember("agent", .string(agent)),
            JSONMember("events", .number(Double(events))),
            JSONMember("tool_calls", .number(Double(toolCalls))),
        ]
        if let firstTS { members.append(JSONMember("first_ts", .string(RFC3339.format(firstTS)))) }
        if let lastTS { members.append(JSONMember("last_ts", .string(RFC3339.format(lastTS)))) }
        members.append(JSONMember("tools", .object(tools.keys.sorted().map { JSONMember($0, tools[$0]!.json) })))
        members.append(JSONMember("transitions", .object(transitions.keys.sorted().map { from in
            JSONMember(from, Self.counts(transitions[from]!))
        })))
        members.append(JSONMember("sessions", sessions.json))
        members.append(JSONMember("rate", rate.json))
        return .object(members)
    }

    /// Pretty JSON text of the file, ending in a newline.
    public var fileText: String {
        PrettyJSON.format(json) + "\n"
    }

    static func counts(_ map: [String: Int]) -> JSONValue {
        .object(map.keys.sorted().map { JSONMember($0, .number(Double(map[$0]!))) })
    }

    /// Loads a baseline file.
    /// - Throws: `BaselineError` naming the field that is missing or wrong.
    public init(json: JSONValue) throws(BaselineError) {
        let r = BaselineReader(path: "")
        guard try r.string(json, "format") == Self.formatName else {
            throw BaselineError(path: "format", "must be \"\(Self.formatName)\"")
        }
        self.init(agent: try r.string(json, "agent"))
        events = try r.int(json, "events")
        toolCalls = try r.int(json, "tool_calls")
        if let t = json["first_ts"]?.stringValue { firstTS = RFC3339.parse(t) }
        if let t = json["last_ts"]?.stringValue { lastTS = RFC3339.parse(t) }
        for m in try r.object(json, "tools") { tools[m.key] = try ToolProfile(json: m.value, r.at("tools." + m.key)) }
        for m in try r.object(json, "transitions") {
            transitions[m.key] = try r.counts(m.value, "transitions." + m.key)
        }
        sessions = try SessionProfile(json: try r.value(json, "sessions"), r.at("sessions"))
        rate = try RateProfile(json: try r.value(json, "rate"), r.at("rate"))
    }
}

/// Why a baseline file could not be loaded.
public struct BaselineError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { path.isEmpty ? reason : "\"\(path)\" \(reason)" }
}

/// Typed field access with the field's path in every error.
struct BaselineReader {
    var path: String

    func at(_ sub: String) -> BaselineReader {
        BaselineReader(path: path.isEmpty ? sub : path + "." + sub)
    }

    func full(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func value(_ j: JSONValue, _ key: String) throws(BaselineError) -> JSONValue {
        guard let v = j[key] else { throw BaselineError(path: full(key), "is required") }
        return v
    }

    func string(_ j: JSONValue, _ key: String) throws(BaselineError) -> String {
        guard let s = try value(j, key).stringValue else { throw BaselineError(path: full(key), "must be a string") }
        return s
    }

    func int(_ j: JSONValue, _ key: String) throws(BaselineError) -> Int {
        guard let d = try value(j, key).doubleValue, d >= 0, d == d.rounded(), d < 9e15 else {
            throw BaselineError(path: full(key), "must be an integer ≥ 0")
        }
        return Int(d)
    }

    func double(_ j: JSONValue, _ key: String) throws(BaselineError) -> Double {
        guard let d = try value(j, key).doubleValue else { throw BaselineError(path: full(key), "must be a number") }
        return d
    }

    func optionalDouble(_ j: JSONValue, _ key: String) throws(BaselineError) -> Double? {
        guard let v = j[key], v != .null else { return nil }
        guard let d = v.doubleValue else { throw BaselineError(path: full(key), "must be a number") }
        return d
    }

    func object(_ j: JSONValue, _ key: String) throws(BaselineError) -> [JSONMember] {
        guard let o = try value(j, key).objectValue else { throw BaselineError(path: full(key), "must be an object") }
        return o
    }

    func counts(_ j: JSONValue, _ fullPath: String) throws(BaselineError) -> [String: Int] {
        guard let o = j.objectValue else { throw BaselineError(path: fullPath, "must be an object of counts") }
        var out: [String: Int] = [:]
        for m in o {
            guard let d = m.value.doubleValue, d >= 0, d == d.rounded(), d < 9e15 else {
                throw BaselineError(path: fullPath + "." + m.key, "must be an integer ≥ 0")
            }
            out[m.key] = Int(d)
        }
        return out
    }

    func stats(_ j: JSONValue, _ key: String) throws(BaselineError) -> RunningStats {
        try stats(try value(j, key), at(key))
    }

    func stats(_ v: JSONValue, _ r: BaselineReader) throws(BaselineError) -> RunningStats {
        let n = try r.int(v, "n")
        if n == 0 { return RunningStats() }
        return RunningStats(count: n, mean: try r.double(v, "mean"), variance: try r.double(v, "var"),
                            min: try r.double(v, "min"), max: try r.double(v, "max"))
    }

    func histogram(_ j: JSONValue, _ key: String) throws(BaselineError) -> LogHistogram {
        let v = try value(j, key)
        let r = at(key)
        guard (try r.double(v, "bin_width")) == LogHistogram.binWidth else {
            throw BaselineError(path: r.full("bin_width"), "must be \(LogHistogram.binWidth)")
        }
        var bins: [Int: Int] = [:]
        for (k, n) in try counts(try r.value(v, "bins"), r.full("bins")) {
            guard let b = Int(k), abs(b) <= 400 else { throw BaselineError(path: r.full("bins." + k), "must be a bin index within ±400") }
            bins[b] = n
        }
        return LogHistogram(bins: bins)
    }

    func top(_ j: JSONValue, _ key: String) throws(BaselineError) -> TopValues {
        let v = try value(j, key)
        let r = at(key)
        guard let top = v["top"]?.arrayValue, top.count <= TopValues.capacity, top.allSatisfy({ ($0.doubleValue ?? -1) >= 0 }) else {
            throw BaselineError(path: r.full("top"), "must be an array of at most \(TopValues.capacity) numbers ≥ 0")
        }
        return TopValues(values: top.compactMap(\.doubleValue), count: try r.int(v, "n"))
    }

    func pair(_ j: JSONValue, _ key: String) throws(BaselineError) -> PairCount {
        let v = try value(j, key)
        let r = at(key)
        let p = PairCount(trials: try r.int(v, "trials"), hits: try r.int(v, "hits"))
        guard p.hits <= p.trials else { throw BaselineError(path: full(key), "has more hits than trials") }
        return p
    }
}

extension RunningStats {
    var json: JSONValue {
        guard count > 0 else { return ["n": 0] }
        return .object([
            JSONMember("n", .number(Double(count))), JSONMember("mean", .number(mean)),
            JSONMember("var", .number(variance)), JSONMember("min", .number(min)), JSONMember("max", .number(max)),
        ])
    }
}

extension LogHistogram {
    /// Bins keyed by index i (ln x in [i·w, (i+1)·w)), in index order.
    var json: JSONValue {
        .object([
            JSONMember("bin_width", .number(Self.binWidth)),
            JSONMember("bins", .object(bins.keys.sorted().map { JSONMember(String($0), .number(Double(bins[$0]!))) })),
        ])
    }
}

extension TopValues {
    var json: JSONValue {
        .object([JSONMember("n", .number(Double(count))), JSONMember("top", .array(values.map(JSONValue.number)))])
    }
}

extension PairCount {
    var json: JSONValue { ["trials": .number(Double(trials)), "hits": .number(Double(hits))] }
}

extension ToolProfile {
    var json: JSONValue {
        .object([
            JSONMember("calls", .number(Double(calls))),
            JSONMember("errors", .number(Double(errors))),
            JSONMember("paths_overflow", .number(Double(pathsOverflow))),
            JSONMember("args", .object(paths.keys.sorted().map { JSONMember($0, paths[$0]!.json) })),
        ])
    }

    init(json j: JSONValue, _ r: BaselineReader) throws(BaselineError) {
        self.init()
        calls = try r.int(j, "calls")
        errors = try r.int(j, "errors")
        pathsOverflow = j["paths_overflow"] == nil ? 0 : try r.int(j, "paths_overflow")
        for m in try r.object(j, "args") { paths[m.key] = try PathProfile(json: m.value, r.at("args." + m.key)) }
    }
}

extension PathProfile {
    var json: JSONValue {
        var members = [
            JSONMember("count", .number(Double(count))),
            JSONMember("classes", Baseline.counts(classes)),
        ]
        if open { members.append(JSONMember("open", true)) }
        if let positiveMin, let positiveMax {
            members.append(JSONMember("positive", .object([
                JSONMember("n", .number(Double(positiveCount))), JSONMember("min", .number(positiveMin)),
                JSONMember("max", .number(positiveMax)),
            ])))
        }
        return .object(members)
    }

    init(json j: JSONValue, _ r: BaselineReader) throws(BaselineError) {
        self.init()
        count = try r.int(j, "count")
        classes = try r.counts(try r.value(j, "classes"), r.full("classes"))
        open = j["open"]?.boolValue ?? false
        if let p = j["positive"] {
            let pr = r.at("positive")
            positiveCount = try pr.int(p, "n")
            positiveMin = try pr.double(p, "min")
            positiveMax = try pr.double(p, "max")
        }
    }
}

extension SessionProfile {
    var json: JSONValue {
        .object([
            JSONMember("count", .number(Double(count))),
            JSONMember("calls", calls.json),
            JSONMember("log_cost_usd", logCost.json),
            JSONMember("log_cost_usd_at_call", .object(logCostAt.keys.sorted().map { JSONMember(String($0), logCostAt[$0]!.json) })),
            JSONMember("top_cost_usd_at_call", .object(topCostAt.keys.sorted().map { JSONMember(String($0), topCostAt[$0]!.json) })),
            JSONMember("repeat_after", .object(repeatPairs.keys.sorted().map { JSONMember($0, repeatPairs[$0]!.json) })),
            JSONMember("same_as_lag", .object((2...4).map { JSONMember(String($0), lagPairs[$0 - 2].json) })),
            JSONMember("repeat_runs_by_length", .object(repeatRuns.enumerated().filter { $0.element > 0 }.map {
                JSONMember(String($0.offset + 2), .number(Double($0.element)))
            })),
            JSONMember("retry_after_failure", retryAfterError.json),
            JSONMember("failures", failures.json),
            JSONMember("longest_repeat", .number(Double(longestRepeat))),
            JSONMember("longest_failure_streak", .number(Double(longestFailureStreak))),
        ])
    }

    init(json j: JSONValue, _ r: BaselineReader) throws(BaselineError) {
        self.init()
        count = try r.int(j, "count")
        calls = try r.stats(j, "calls")
        logCost = try r.stats(j, "log_cost_usd")
        for m in try r.object(j, "log_cost_usd_at_call") {
            guard let i = Int(m.key), i > 0 else { throw BaselineError(path: r.full("log_cost_usd_at_call." + m.key), "must be a call index") }
            logCostAt[i] = try r.stats(m.value, r.at("log_cost_usd_at_call." + m.key))
        }
        for m in try r.object(j, "top_cost_usd_at_call") {
            guard let i = Int(m.key), i > 0 else { throw BaselineError(path: r.full("top_cost_usd_at_call." + m.key), "must be a call index") }
            topCostAt[i] = try r.at("top_cost_usd_at_call").top(.object([m]), m.key)
        }
        for m in try r.object(j, "repeat_after") {
            repeatPairs[m.key] = try r.at("repeat_after").pair(.object([m]), m.key)
        }
        for (length, n) in try r.counts(try r.value(j, "repeat_runs_by_length"), r.full("repeat_runs_by_length")) {
            guard let l = Int(length), l >= 2, l <= SessionProfile.maxRunBucket else {
                throw BaselineError(path: r.full("repeat_runs_by_length." + length), "must be a run length from 2 to \(SessionProfile.maxRunBucket)")
            }
            repeatRuns[l - 2] = n
        }
        let lags = try r.value(j, "same_as_lag")
        for lag in 2...4 { lagPairs[lag - 2] = try r.at("same_as_lag").pair(lags, String(lag)) }
        retryAfterError = try r.pair(j, "retry_after_failure")
        failures = try r.pair(j, "failures")
        longestRepeat = try r.int(j, "longest_repeat")
        longestFailureStreak = try r.int(j, "longest_failure_streak")
    }
}

extension RateProfile {
    var json: JSONValue {
        .object([
            JSONMember("active_minutes", .number(Double(minutes))),
            JSONMember("calls_per_minute", callsPerMinute.json),
            JSONMember("usd_per_minute", costPerMinute.json),
            JSONMember("calls_per_\(Self.windowMinutes)_minutes", callsPerWindow.json),
            JSONMember("usd_per_\(Self.windowMinutes)_minutes", costPerWindow.json),
            JSONMember("ln_calls_per_\(Self.windowMinutes)_minutes_histogram", callsPerWindowHistogram.json),
            JSONMember("ln_usd_per_\(Self.windowMinutes)_minutes_histogram", costPerWindowHistogram.json),
        ])
    }

    init(json j: JSONValue, _ r: BaselineReader) throws(BaselineError) {
        self.init()
        minutes = try r.int(j, "active_minutes")
        callsPerMinute = try r.stats(j, "calls_per_minute")
        costPerMinute = try r.stats(j, "usd_per_minute")
        callsPerWindow = try r.stats(j, "calls_per_\(Self.windowMinutes)_minutes")
        costPerWindow = try r.stats(j, "usd_per_\(Self.windowMinutes)_minutes")
        callsPerWindowHistogram = try r.histogram(j, "ln_calls_per_\(Self.windowMinutes)_minutes_histogram")
        costPerWindowHistogram = try r.histogram(j, "ln_usd_per_\(Self.windowMinutes)_minutes_histogram")
    }
}
