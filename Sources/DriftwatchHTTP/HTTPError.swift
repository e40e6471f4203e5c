/// An error a handler throws to answer with a specific status and message.
///
/// It renders its own response, `{"error":"<message>"}` as JSON. Any other error
/// thrown by a handler becomes a logged 500 whose body says nothing about it.
public struct HTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: HTTPStatus
    /// Sent to the client: must not contain secrets or internal details.
    public var message: String
    /// Extra fields for the response, e.g. `Allow`, `Retry-After`, `WWW-Authenticate`.
    public var headers: HTTPHeaders

    public init(_ status: HTTPStatus, message: String? = nil, headers: HTTPHeaders = [:]) {
        self.status = status
        self.message = message ?? status.reasonPhrase.lowercased()
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }

    /// The response this error answers with.
    public var response: HTTPResponse {
        var response = HTTPResponse.json("{\"error\":\(Self.jsonString(message))}", status: status)
        for field in headers {
            // Fields are already validated, so adding them again cannot fail.
            try? response.headers.set(field.name, field.value)
        }
        return response
    }

    /// A JSON string literal for `text` (RFC 8259 §7), escaping quotes, backslashes and controls.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c" // harmless in JSON, defuses HTML sniffing
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
