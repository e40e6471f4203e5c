public import DriftwatchCore

/// One rejected input line (or array element), numbered from 1.
public struct RejectedLine: Sendable, Equatable {
    public var line: Int
    public var error: DecodeError

    public init(line: Int, error: DecodeError) {
        self.line = line
        self.error = error
    }
}

/// What a request body or a chunk of a stream decoded to.
public struct DecodedBatch: Sendable, Equatable {
    public var events: [Event] = []
    public var rejected: [RejectedLine] = []
    /// Claude Code `PreToolUse` payloads seen among the lines (breaker checks, not events).
    public var breakerChecks = 0
    /// Lines (or array elements) looked at, blank lines included.
    public var lines = 0

    public init() {}

    /// Decodes one line and records its events or its rejection.
    mutating func add(_ line: LineSplitter.Line, number: Int, maxLineBytes: Int, options: DecodeOptions) {
        switch line {
        case .tooLong(let bytes):
            rejected.append(RejectedLine(line: number, error: DecodeError(
                "line is longer than the limit of \(maxLineBytes) bytes (\(bytes)); see limits.max_line_bytes")))
        case .line(let bytes):
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            do {
                switch try EventDecoder.decode(bytes, options: options) {
                case .event(let event): events.append(event)
                case .events(let decoded): events.append(contentsOf: decoded)
                case .preToolUse: breakerChecks += 1
                }
            } catch {
                rejected.append(RejectedLine(line: number, error: error))
            }
        }
    }
}

/// Decodes a `POST /v1/events` body (spec §4): NDJSON, one JSON object, or a JSON
/// array of objects. Each line (or element) stands alone: a bad one is rejected with
/// its number and the field at fault, and the others are kept.
public enum IngestBody {
    /// - Parameters:
    ///   - contentType: the request's `Content-Type`, used only to tell a pretty-printed
    ///     single object (`application/json`) from NDJSON.
    ///   - maxLineBytes: `limits.max_line_bytes`.
    public static func decode(_ body: [UInt8], contentType: String?, maxLineBytes: Int,
                              options: DecodeOptions = DecodeOptions()) -> DecodedBatch {
        let first = body.firstIndex { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }
        guard let first else { return DecodedBatch() }
        if body[first] == UInt8(ascii: "[") {
            return decodeArray(body, maxLineBytes: maxLineBytes, options: options)
        }
        let isJSON = contentType.map { $0.lowercased().hasPrefix("application/json") } ?? false
        if isJSON && body[first] == UInt8(ascii: "{") && body.count <= maxLineBytes {
            // One object, possibly spread over several lines. If it is not one valid
            // object, fall through and report line by line, which names the bad line.
            let whole = body.withUnsafeBytes { buffer in
                Result { () throws(DecodeError) in try EventDecoder.decode(buffer, options: options) }
            }
            if case .success(let decoded) = whole {
                var batch = DecodedBatch()
                batch.lines = 1
                switch decoded {
                case .event(let event): batch.events = [event]
                case .events(let events): batch.events = events
                case .preToolUse: batch.breakerChecks = 1
                }
                return batch
            }
        }
        return decodeLines(body, maxLineBytes: maxLineBytes, options: options)
    }

    /// NDJSON: one event per `\n`-terminated line (`\r\n` accepted).
    public static func decodeLines(_ body: [UInt8], maxLineBytes: Int, options: DecodeOptions = DecodeOptions())
        -> DecodedBatch
    {
        var batch = DecodedBatch()
        var splitter = LineSplitter(maxLineBytes: maxLineBytes)
        var number = 0
        body.withUnsafeBytes { buffer in
            splitter.feed(buffer) { line in
                number += 1
                batch.add(line, number: number, maxLineBytes: maxLineBytes, options: options)
            }
        }
        splitter.finish { line in
            number += 1
            batch.add(line, number: number, maxLineBytes: maxLineBytes, options: options)
        }
        batch.lines = number
        return batch
    }

    private static func decodeArray(_ body: [UInt8], maxLineBytes: Int, options: DecodeOptions) -> DecodedBatch {
        var batch = DecodedBatch()
        let root: JSONValue
        do {
            // One level deeper than a line: the array itself.
            root = try JSONScanner.parse(body, maxDepth: JSONScanner.defaultMaxDepth + 1)
        } catch {
            batch.lines = 1
            batch.rejected.append(RejectedLine(line: 1, error: DecodeError("invalid JSON array: \(error)")))
            return batch
        }
        guard case .array(let elements) = root else {
            batch.rejected.append(RejectedLine(line: 1, error: DecodeError("expected a JSON array of event objects")))
            return batch
        }
        batch.lines = elements.count
        for (index, element) in elements.enumerated() {
            guard case .object = element else {
                batch.rejected.append(RejectedLine(line: index + 1, error: DecodeError(
                    "array element must be an event object, not \(element.typeName)")))
                continue
            }
            // Elements go through the same decoder as lines, so the rules and messages match.
            let bytes = Array(element.jsonString.utf8)
            bytes.withUnsafeBytes { buffer in
                batch.add(.line(buffer), number: index + 1, maxLineBytes: maxLineBytes, options: options)
            }
        }
        return batch
    }
}
