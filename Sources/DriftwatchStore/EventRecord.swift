public import DriftwatchCore

/// One event as it is stored: canonical JSON text for `args` and `labels`, secrets
/// redacted when asked, `ts` resolved to receipt time when the source gave none.
///
/// Built off the writer queue (in the request's task), so the single SQLite writer only
/// binds and steps.
public struct EventRecord: Sendable, Equatable {
    public var tsNS: Int64
    public var receivedNS: Int64
    public var agent: String
    public var session: String?
    public var callID: String?
    public var type: String
    public var tool: String?
    /// Canonical JSON (sorted keys), redacted.
    public var args: String?
    public var status: String
    public var costUSD: Double?
    public var tokensIn: Int64?
    public var tokensOut: Int64?
    public var latencyMS: Double?
    public var model: String?
    /// Truncated by the decoder to `Event.maxReasoningBytes`, then redacted.
    public var reasoning: String?
    /// Canonical JSON, redacted.
    public var labels: String?

    /// The stored form of `event`.
    /// - Parameters:
    ///   - receivedNS: wall-clock receipt time; also the event time when `event.ts` is nil.
    ///   - redact: replace secrets in `args`, `labels` and `reasoning` (spec §6 `redaction.enabled`).
    public init(_ event: Event, receivedNS: Int64, redact: Bool) {
        tsNS = event.ts ?? receivedNS
        self.receivedNS = receivedNS
        agent = event.agent
        session = event.session
        callID = event.callID
        type = event.kind.rawValue
        tool = event.tool
        status = event.status
        costUSD = event.costUSD
        tokensIn = event.tokensIn
        tokensOut = event.tokensOut
        latencyMS = event.latencyMS
        model = event.model
        if redact {
            let redactor = Redactor()
            args = event.args.map { RedactedJSON.redact($0, with: redactor).canonicalString }
            labels = event.labels.map { RedactedJSON.redact($0, with: redactor).canonicalString }
            reasoning = event.reasoning.map { redactor.redact($0).text }
        } else {
            args = event.args?.canonicalString
            labels = event.labels?.canonicalString
            reasoning = event.reasoning
        }
    }
}

/// Redaction of a JSON tree before storage (design.md § Security).
public enum RedactedJSON {
    /// The marker that replaces the whole value of a sensitive member (`password`, `api_key`, …).
    public static let marker = "[REDACTED]"

    /// `value` with every member whose key `Redactor.redactsKey` flags replaced by
    /// ``marker`` (whatever its type), and every other string passed through `redactor`.
    /// - Complexity: O(size of the tree); unchanged subtrees are rebuilt only when they hold strings.
    public static func redact(_ value: JSONValue, with redactor: Redactor) -> JSONValue {
        switch value {
        case .string(let text):
            let outcome = redactor.redact(text)
            return outcome.didRedact ? .string(outcome.text) : value
        case .array(let items):
            return .array(items.map { redact($0, with: redactor) })
        case .object(let members):
            return .object(members.map { member in
                Redactor.redactsKey(member.key)
                    ? JSONMember(member.key, .string(marker))
                    : JSONMember(member.key, redact(member.value, with: redactor))
            })
        case .null, .bool, .number:
            return value
        }
    }
}
