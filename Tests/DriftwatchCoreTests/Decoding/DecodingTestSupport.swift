@testable import DriftwatchCore

/// Decodes one line, returning the rejection instead of throwing it.
func rejection(_ line: String, options: DecodeOptions = DecodeOptions()) -> DecodeError? {
    do {
        _ = try EventDecoder.decode(line, options: options)
        return nil
    } catch {
        return error
    }
}

/// Decodes raw bytes (for inputs a Swift string cannot hold, such as invalid UTF-8).
func rejection(bytes: [UInt8]) -> DecodeError? {
    bytes.withUnsafeBytes { buffer -> DecodeError? in
        do throws(DecodeError) {
            _ = try EventDecoder.decode(buffer)
            return nil
        } catch {
            return error
        }
    }
}

/// The events a line yields; fails the test on a rejection or a breaker check.
func events(_ line: String, options: DecodeOptions = DecodeOptions()) throws -> [Event] {
    switch try EventDecoder.decode(line, options: options) {
    case .event(let event): return [event]
    case .events(let events): return events
    case .preToolUse: throw DecodeError("expected events, got a PreToolUse breaker check")
    }
}

/// One JSON text parsed, for building adapter inputs.
func json(_ text: String) throws -> JSONValue {
    try JSONScanner.parse(text)
}
