/// OpenTelemetry OTLP/JSON span batches (spec §1 "Other formats"), as the
/// Collector's file exporter and `otlphttp` exporter (`encoding: json`) write them:
/// `{"resourceSpans":[{"resource":{"attributes":[…]},"scopeSpans":[{"scope":{…},"spans":[…]}]}]}`.
///
/// Spans are read through the GenAI semantic conventions:
/// - `gen_ai.operation.name = execute_tool` → a `tool_call`: `gen_ai.tool.name`
///   (else the span name after `execute_tool `) → tool; `gen_ai.tool.call.arguments`
///   → args (a string holding JSON is parsed, any other string is kept as a string,
///   a structured value is converted); `gen_ai.tool.call.id` → call_id.
/// - `chat`, `text_completion`, `generate_content` spans carrying usage → an `llm_call`:
///   `gen_ai.usage.input_tokens`/`output_tokens` (or the older `prompt_tokens`/
///   `completion_tokens`) → tokens; `gen_ai.response.model`, else
///   `gen_ai.request.model` → model; `gen_ai.usage.cost` or `gen_ai.usage.cost_usd`
///   (no convention exists yet; read as US dollars) → cost_usd. A model span with
///   none of these carries nothing for the detectors and is ignored.
/// - Every other span is ignored (it may still lend attributes to its descendants).
///
/// For both kinds: `startTimeUnixNano` → ts (nil when absent or 0, so the service
/// stamps receipt time); end − start → latency_ms (nil when the end is missing or
/// earlier); `status.code` 2 / `"STATUS_CODE_ERROR"` or a non-empty `error.type`
/// → status `error`; span tokens/cost/model are read on tool spans too.
/// `trace_id` and `span_id` are kept in labels so an operator can find the trace.
///
/// Agent: the span's `gen_ai.agent.name`, else its `gen_ai.agent.id`, else the
/// nearest ancestor span in the batch that has either (following `parentSpanId`
/// within the same trace, at most `maxAncestorDepth` hops, which also ends
/// cycles), else the resource's `gen_ai.agent.name`, `gen_ai.agent.id`,
/// `service.name`. Session: `gen_ai.conversation.id` found the same way.
/// Empty strings count as absent.
///
/// Policy for bad spans: a span that cannot become an event (no agent anywhere,
/// no tool name, an attribute of the wrong type or over the native length
/// limits) is *rejected on its own*, named by its path
/// (`resourceSpans[0].scopeSpans[1].spans[7].attributes.gen_ai.tool.name`).
/// `decodeBatch` returns the good events together with those rejections, for
/// callers that can report partial acceptance; `decode` (one NDJSON line, one
/// verdict) rejects the whole line with the first span's error and the number
/// of others, so nothing is dropped silently. A batch whose structure is not
/// OTLP (`resourceSpans` not an array, …) or that holds more than `maxSpans`
/// spans is rejected whole by both.
public enum OTLPTraces {
    /// Spans per batch; the Collector's default batch is 8192, so this only stops abuse.
    public static let maxSpans = 100_000
    /// Parent links followed when inheriting agent and conversation.
    public static let maxAncestorDepth = 64

    /// What one batch yields when bad spans are reported instead of thrown.
    public struct Batch: Sendable, Equatable {
        /// Events from the spans that became tool or model calls, in input order.
        public var events: [Event]
        /// One error per rejected span, naming the span's path.
        public var rejected: [DecodeError]
        /// Spans that are neither tool nor model calls (not errors).
        public var ignored: Int
    }

    /// Decodes a batch all-or-nothing: the events, or the first rejected span's error.
    /// - Throws: `DecodeError` naming the span path and attribute at fault.
    public static func decode(_ batch: JSONValue) throws(DecodeError) -> [Event] {
        let result = try decodeBatch(batch)
        guard var first = result.rejected.first else { return result.events }
        let more = result.rejected.count - 1
        if more > 0 { first.reason += " (and \(more) more rejected span\(more == 1 ? "" : "s"))" }
        throw first
    }

    /// Decodes a batch, keeping good spans and reporting each bad one.
    /// - Throws: `DecodeError` only when the batch as a whole is malformed or too large.
    /// - Complexity: O(spans × `maxAncestorDepth`).
    public static func decodeBatch(_ batch: JSONValue) throws(DecodeError) -> Batch {
        let spans = try collectSpans(batch)
        var index: [SpanKey: Int] = [:]
        index.reserveCapacity(spans.count)
        for (i, span) in spans.enumerated() {
            if let key = span.key, index[key] == nil { index[key] = i }
        }
        var result = Batch(events: [], rejected: [], ignored: 0)
        for i in spans.indices {
            do {
                if let event = try makeEvent(spans, i, index) { result.events.append(event) } else { result.ignored += 1 }
            } catch {
                result.rejected.append(error)
            }
        }
        return result
    }

    // MARK: - Walking the batch

    struct SpanKey: Hashable {
        var trace: String
        var span: String
    }

    /// One span with what inheritance needs already extracted.
    struct SpanRecord {
        var path: String
        var json: JSONValue
        var resource: Resource
        var key: SpanKey?
        var parent: SpanKey?
        /// The span's own `gen_ai.agent.name` ?? `gen_ai.agent.id` and `gen_ai.conversation.id`,
        /// nil when absent or not a non-empty string.
        var agent: String?
        var session: String?
    }

    struct Resource {
        var agent: String?
        var session: String?
    }

    static func collectSpans(_ batch: JSONValue) throws(DecodeError) -> [SpanRecord] {
        guard let resourceSpans = batch["resourceSpans"]?.arrayValue else {
            throw DecodeError(field: "resourceSpans", "must be an array")
        }
        var total = 0
        for (r, rs) in resourceSpans.enumerated() {
            for (s, ss) in try scopeSpans(rs, r).enumerated() {
                total += try spanArray(ss, "resourceSpans[\(r)].scopeSpans[\(s)]").count
            }
        }
        if total > maxSpans {
            throw DecodeError(field: "resourceSpans", "holds \(total) spans, more than \(maxSpans); send smaller batches")
        }
        var records: [SpanRecord] = []
        records.reserveCapacity(total)
        for (r, rs) in resourceSpans.enumerated() {
            let attributes = try attributeList(rs["resource"]?["attributes"], "resourceSpans[\(r)].resource")
            let resource = Resource(
                agent: nonEmptyString(attributes["gen_ai.agent.name"]) ?? nonEmptyString(attributes["gen_ai.agent.id"])
                    ?? nonEmptyString(attributes["service.name"]),
                session: nonEmptyString(attributes["gen_ai.conversation.id"]))
            for (s, ss) in try scopeSpans(rs, r).enumerated() {
                let base = "resourceSpans[\(r)].scopeSpans[\(s)]"
                for (i, span) in try spanArray(ss, base).enumerated() {
                    var record = SpanRecord(path: "\(base).spans[\(i)]", json: span, resource: resource)
                    let trace = hexID(span["traceId"])
                    if let trace, let id = hexID(span["spanId"]) { record.key = SpanKey(trace: trace, span: id) }
                    if let trace, let id = hexID(span["parentSpanId"]) { record.parent = SpanKey(trace: trace, span: id) }
                    // A span whose attributes are malformed lends nothing; its own decoding reports why.
                    if let attributes = try? attributeList(span["attributes"], record.path) {
                        record.agent = nonEmptyString(attributes["gen_ai.agent.name"])
                            ?? nonEmptyString(attributes["gen_ai.agent.id"])
                        record.session = nonEmptyString(attributes["gen_ai.conversation.id"])
                    }
                    records.append(record)
                }
            }
        }
        return records
    }

    static func scopeSpans(_ resourceSpans: JSONValue, _ r: Int) throws(DecodeError) -> [JSONValue] {
        guard case .object = resourceSpans else { throw DecodeError(field: "resourceSpans[\(r)]", "must be an object") }
        // `instrumentationLibrarySpans` is the pre-1.0 name some old exporters still write.
        for key in ["scopeSpans", "instrumentationLibrarySpans"] {
            switch resourceSpans[key] {
            case nil, .null?: continue
            case .array(let items)?: return items
            default: throw DecodeError(field: "resourceSpans[\(r)].\(key)", "must be an array")
            }
        }
        return []
    }

    static func spanArray(_ scopeSpans: JSONValue, _ path: String) throws(DecodeError) -> [JSONValue] {
        guard case .object = scopeSpans else { throw DecodeError(field: path, "must be an object") }
        switch scopeSpans["spans"] {
        case nil, .null?: return []
        case .array(let items)?: return items
        default: throw DecodeError(field: "\(path).spans", "must be an array")
        }
    }

    /// A lowercase hex id, nil when absent or empty (a root span's `parentSpanId` is `""`).
    static func hexID(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return text.lowercased()
    }

    // MARK: - Spans to events

    static let modelOperations: Set<String> = ["chat", "text_completion", "generate_content"]

    static func makeEvent(_ spans: [SpanRecord], _ i: Int, _ index: [SpanKey: Int]) throws(DecodeError) -> Event? {
        let span = spans[i]
        guard case .object = span.json else { throw DecodeError(field: span.path, "must be an object") }
        let attributes = try attributeList(span.json["attributes"], span.path)
        let at = "\(span.path).attributes"
        guard let operation = nonEmptyString(attributes["gen_ai.operation.name"]) else { return nil }
        let kind: Event.Kind
        if operation == "execute_tool" {
            kind = .toolCall
        } else if modelOperations.contains(operation) {
            kind = .llmCall
        } else {
            return nil
        }

        var tokensIn = try count(attributes, "gen_ai.usage.input_tokens", at)
        if tokensIn == nil { tokensIn = try count(attributes, "gen_ai.usage.prompt_tokens", at) }
        var tokensOut = try count(attributes, "gen_ai.usage.output_tokens", at)
        if tokensOut == nil { tokensOut = try count(attributes, "gen_ai.usage.completion_tokens", at) }
        var cost = try amount(attributes, "gen_ai.usage.cost", at)
        if cost == nil { cost = try amount(attributes, "gen_ai.usage.cost_usd", at) }
        if kind == .llmCall, tokensIn == nil, tokensOut == nil, cost == nil { return nil }

        var tool: String?
        var args: JSONValue?
        var callID: String?
        if kind == .toolCall {
            tool = try string(attributes, "gen_ai.tool.name", at, max: EventDecoder.maxToolBytes)
            if tool == nil, let name = span.json["name"]?.stringValue, name.hasPrefix("execute_tool ") {
                let suffix = String(name.dropFirst("execute_tool ".count))
                try EventDecoder.validate(suffix, "\(span.path).name", max: EventDecoder.maxToolBytes, noControl: true)
                if !suffix.isEmpty { tool = suffix }
            }
            guard tool != nil else {
                throw DecodeError(field: "\(at).gen_ai.tool.name", "is required for an execute_tool span")
            }
            switch attributes["gen_ai.tool.call.arguments"] {
            case nil, .null?: break
            case .string(let text)?: args = (try? JSONScanner.parse(text)) ?? .string(text)
            case let value?: args = value
            }
            callID = try string(attributes, "gen_ai.tool.call.id", at, max: EventDecoder.maxIDBytes)
        }
        var model = try string(attributes, "gen_ai.response.model", at, max: EventDecoder.maxShortStringBytes)
        if model == nil { model = try string(attributes, "gen_ai.request.model", at, max: EventDecoder.maxShortStringBytes) }

        var agent = try string(attributes, "gen_ai.agent.name", at, max: EventDecoder.maxAgentBytes)
        if agent == nil { agent = try string(attributes, "gen_ai.agent.id", at, max: EventDecoder.maxAgentBytes) }
        var session = try string(attributes, "gen_ai.conversation.id", at, max: EventDecoder.maxIDBytes)
        if agent == nil || session == nil {
            var parent = span.parent
            var hops = 0
            while let key = parent, hops < maxAncestorDepth, agent == nil || session == nil, let p = index[key] {
                agent = agent ?? spans[p].agent
                session = session ?? spans[p].session
                parent = spans[p].parent
                hops += 1
            }
        }
        agent = agent ?? span.resource.agent
        session = session ?? span.resource.session
        guard let agent else {
            throw DecodeError(field: "\(at).gen_ai.agent.name",
                              "is required: set it on the span, an ancestor span, or the resource (or set service.name)")
        }
        // Inherited values were not validated where they were found.
        try EventDecoder.validate(agent, "\(at).gen_ai.agent.name", max: EventDecoder.maxAgentBytes, nonEmpty: true,
                                  noControl: true)
        if let session {
            try EventDecoder.validate(session, "\(at).gen_ai.conversation.id", max: EventDecoder.maxIDBytes, noControl: true)
        }

        let start = try nanos(span.json["startTimeUnixNano"], "\(span.path).startTimeUnixNano")
        let end = try nanos(span.json["endTimeUnixNano"], "\(span.path).endTimeUnixNano")
        var latency: Double?
        if let start, let end, end >= start { latency = Double(end - start) / 1_000_000 }

        var failed = false
        switch span.json["status"]?["code"] {
        case .number(2)?, .string("STATUS_CODE_ERROR")?: failed = true
        default: break
        }
        if nonEmptyString(attributes["error.type"]) != nil { failed = true }

        var labels: [JSONMember] = []
        if let key = span.key {
            labels.append(JSONMember("trace_id", .string(key.trace)))
            labels.append(JSONMember("span_id", .string(key.span)))
        }
        return Event(kind: kind, agent: agent, tool: tool, ts: start, session: session, callID: callID, args: args,
                     status: failed ? "error" : "ok", costUSD: cost, tokensIn: tokensIn, tokensOut: tokensOut,
                     latencyMS: latency, model: model, labels: labels.isEmpty ? nil : .object(labels))
    }

    // MARK: - Attribute readers

    /// The attributes as an object of plain JSON values, later keys winning.
    /// - Throws: when `attributes` is present and not an OTLP `KeyValue` list.
    static func attributeList(_ value: JSONValue?, _ path: String) throws(DecodeError) -> JSONValue {
        guard let value, value != .null else { return .object([]) }
        guard let list = value.arrayValue else { throw DecodeError(field: "\(path).attributes", "must be an array") }
        var members: [JSONMember] = []
        members.reserveCapacity(list.count)
        for (k, item) in list.enumerated() {
            guard let key = item["key"]?.stringValue else {
                throw DecodeError(field: "\(path).attributes[\(k)].key", "must be a string")
            }
            members.append(JSONMember(key, plain(item["value"])))
        }
        return .object(members.reversed())  // `subscript(key:)` takes the first match: the last written
    }

    /// An OTLP `AnyValue` as plain JSON: 64-bit integers given as strings become numbers,
    /// `arrayValue`/`kvlistValue` become arrays/objects, `bytesValue` stays base64 text.
    static func plain(_ any: JSONValue?) -> JSONValue {
        guard let any, case .object(let members) = any, let member = members.first else { return .null }
        switch (member.key, member.value) {
        case ("intValue", .string(let text)): return Int64(text).map { .number(Double($0)) } ?? .string(text)
        case ("arrayValue", let list): return .array((list["values"]?.arrayValue ?? []).map { plain($0) })
        case ("kvlistValue", let list):
            return .object((list["values"]?.arrayValue ?? []).compactMap { kv in
                kv["key"]?.stringValue.map { JSONMember($0, plain(kv["value"])) }
            })
        default: return member.value
        }
    }

    static func nonEmptyString(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        return text
    }

    /// A string attribute checked against a native limit; nil when absent or empty.
    static func string(_ attributes: JSONValue, _ key: String, _ at: String, max: Int) throws(DecodeError) -> String? {
        switch attributes[key] {
        case nil, .null?: return nil
        case .string(let text)?:
            if text.isEmpty { return nil }
            try EventDecoder.validate(text, "\(at).\(key)", max: max, noControl: true)
            return text
        default: throw DecodeError(field: "\(at).\(key)", "must be a string")
        }
    }

    static func count(_ attributes: JSONValue, _ key: String, _ at: String) throws(DecodeError) -> Int64? {
        switch attributes[key] {
        case nil, .null?: return nil
        case .number(let v)? where v >= 0 && v == v.rounded() && v < 9.007_199_254_740_992e15: return Int64(v)
        default: throw DecodeError(field: "\(at).\(key)", "must be an integer ≥ 0")
        }
    }

    static func amount(_ attributes: JSONValue, _ key: String, _ at: String) throws(DecodeError) -> Double? {
        switch attributes[key] {
        case nil, .null?: return nil
        case .number(let v)? where v >= 0: return v
        default: throw DecodeError(field: "\(at).\(key)", "must be a number ≥ 0")
        }
    }

    /// A `fixed64` nanosecond time: a decimal string (exact) or a JSON number; nil when absent or 0.
    static func nanos(_ value: JSONValue?, _ field: String) throws(DecodeError) -> EventTime? {
        let t: Int64
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            guard let v = UInt64(text), v <= UInt64(Int64.max) else {
                throw DecodeError(field: field, "must be nanoseconds since the epoch")
            }
            t = Int64(v)
        case .number(let v)? where v >= 0 && v < 9.2e18 && v == v.rounded():
            t = Int64(v)
        default:
            throw DecodeError(field: field, "must be nanoseconds since the epoch")
        }
        return t == 0 ? nil : t
    }
}
