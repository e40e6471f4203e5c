import Testing
@testable import DriftwatchCore

/// The baseline file format: lossless, stable, and strict about malformed files.
struct BaselineTests {
    static let baseline = Scenario.baseline

    @Test func jsonRoundTripIsLossless() throws {
        let b = Self.baseline
        #expect(try Baseline(json: b.json) == b)
        #expect(try Baseline(json: JSONScanner.parse(b.fileText)) == b)
    }

    @Test func fileTextIsStable() throws {
        let b = Self.baseline
        #expect(b.fileText == b.fileText)
        // Learned twice from the same events: the same bytes (no dictionary-order leaks).
        #expect(trainedAgent().1.fileText == b.fileText)
        // Loaded and written again: the same bytes.
        #expect(try Baseline(json: JSONScanner.parse(b.fileText)).fileText == b.fileText)
        #expect(b.fileText.hasSuffix("}\n"))
    }

    @Test func learnedBaselineHoldsWhatTheDesignPromises() {
        let b = Self.baseline
        #expect(b.agent == "billing-bot")
        #expect(b.toolCalls >= 3000 && b.events == b.toolCalls)
        #expect(Set(b.tools.keys) == Set(SyntheticAgent.tools))
        #expect(b.tools.values.map(\.calls).reduce(0, +) == b.toolCalls)
        // Transitions: every call has one incoming edge (from a tool or <start>), every session one <end>.
        let incoming = b.transitions.values.flatMap { $0 }.filter { $0.key != Baseline.end }.map(\.value).reduce(0, +)
        #expect(incoming == b.toolCalls)
        let ends = b.transitions.values.compactMap { $0[Baseline.end] }.reduce(0, +)
        #expect(ends == b.sessions.count)
        #expect(b.transitions[Baseline.start]?.values.reduce(0, +) == b.sessions.count)
        #expect(b.sessions.calls.count == b.sessions.count)
        #expect(b.sessions.calls.max <= 40 && b.sessions.calls.min >= 3)
        #expect(b.tools["sql.query"]?.paths["limit"]?.positiveMin == 10)
        #expect(b.tools["sql.query"]?.paths["limit"]?.positiveMax == 100)
        #expect(b.sessions.failures.trials == b.toolCalls)
        #expect(b.rate.callsPerWindow.count >= 10)
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        var name: String
        var path: [String]
        var value: JSONValue?
        var field: String
        var testDescription: String { name }
    }

    static let malformed: [Malformed] = [
        Malformed(name: "no format", path: ["format"], value: nil, field: "format"),
        Malformed(name: "other format", path: ["format"], value: "driftwatch.baseline/2", field: "format"),
        Malformed(name: "no agent", path: ["agent"], value: nil, field: "agent"),
        Malformed(name: "agent not a string", path: ["agent"], value: 7, field: "agent"),
        Malformed(name: "negative tool_calls", path: ["tool_calls"], value: -1, field: "tool_calls"),
        Malformed(name: "fractional events", path: ["events"], value: 1.5, field: "events"),
        Malformed(name: "tools not an object", path: ["tools"], value: [], field: "tools"),
        Malformed(name: "tool calls a string", path: ["tools", "sql.query", "calls"], value: "many", field: "tools.sql.query.calls"),
        Malformed(name: "class count negative", path: ["tools", "sql.query", "args", "limit", "classes", "num:+"],
                  value: -3, field: "tools.sql.query.args.limit.classes.num:+"),
        Malformed(name: "transition count text", path: ["transitions", "<start>", "search.docs"], value: "x",
                  field: "transitions.<start>.search.docs"),
        Malformed(name: "no sessions", path: ["sessions"], value: nil, field: "sessions"),
        Malformed(name: "session calls without n", path: ["sessions", "calls", "n"], value: nil, field: "sessions.calls.n"),
        Malformed(name: "more hits than trials", path: ["sessions", "failures", "hits"], value: 1e9, field: "sessions.failures"),
        Malformed(name: "bad checkpoint", path: ["sessions", "log_cost_usd_at_call", "zero"], value: ["n": 0],
                  field: "sessions.log_cost_usd_at_call.zero"),
        Malformed(name: "no rate", path: ["rate"], value: nil, field: "rate"),
        Malformed(name: "rate mean text", path: ["rate", "calls_per_minute", "mean"], value: "x", field: "rate.calls_per_minute.mean"),
    ]

    @Test(arguments: malformed)
    func malformedFileIsRejectedNamingTheField(_ c: Malformed) {
        let json = Self.baseline.json.replacing(c.path, with: c.value)
        #expect(json != Self.baseline.json, "the mutation did not apply")
        #expect(throws: BaselineError.self) { try Baseline(json: json) }
        do {
            _ = try Baseline(json: json)
        } catch {
            #expect(error.path == c.field, "\(error)")
            #expect(error.description.contains(c.field))
        }
    }
}

extension JSONValue {
    /// A copy with the member at `path` replaced, or removed when `value` is nil
    /// (added when missing).
    func replacing(_ path: [String], with value: JSONValue?) -> JSONValue {
        guard let key = path.first, case .object(var members) = self else { return self }
        let i = members.firstIndex { $0.key == key }
        if path.count == 1 {
            if let value {
                if let i { members[i].value = value } else { members.append(JSONMember(key, value)) }
            } else if let i {
                members.remove(at: i)
            }
        } else if let i {
            members[i].value = members[i].value.replacing(Array(path.dropFirst()), with: value)
        }
        return .object(members)
    }
}
