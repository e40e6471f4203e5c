/// A parsed route pattern such as `/v1/agents/{agent}/breaker` or `/static/{path...}`.
///
/// `{name}` captures one non-empty segment; `{name...}` (last only) captures zero or
/// more segments joined by `/`, refusing `.`, `..`, empty segments and decoded `/`,
/// `\` or NUL, so the capture is always a safe relative path below a root directory.
struct RoutePattern: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
        case wildcard(String)
    }

    let segments: [Segment]
    let description: String

    /// Parses `pattern`; a malformed pattern is a programmer error.
    init(_ pattern: String) {
        precondition(pattern.hasPrefix("/"), "route pattern must start with '/': \(pattern)")
        var segments: [Segment] = []
        let parts = pattern.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            if part.hasPrefix("{") && part.hasSuffix("}") {
                var name = part.dropFirst().dropLast()
                if name.hasSuffix("...") {
                    name = name.dropLast(3)
                    precondition(index == parts.count - 1, "wildcard must be the last segment: \(pattern)")
                    precondition(!name.isEmpty, "wildcard needs a name: \(pattern)")
                    segments.append(.wildcard(String(name)))
                } else {
                    precondition(!name.isEmpty, "parameter needs a name: \(pattern)")
                    segments.append(.parameter(String(name)))
                }
            } else {
                precondition(!part.contains("{") && !part.contains("}"), "malformed parameter in \(pattern)")
                segments.append(.literal(String(part)))
            }
        }
        self.segments = segments
        self.description = pattern
    }

    /// Matches already percent-decoded path segments.
    /// - Returns: the captured parameters, or `nil` if the path does not match.
    func match(_ path: [String]) -> [String: String]? {
        var captured: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .literal(let text):
                guard index < path.count, path[index] == text else { return nil }
            case .parameter(let name):
                guard index < path.count, !path[index].isEmpty else { return nil }
                captured[name] = path[index]
            case .wildcard(let name):
                var rest = index < path.count ? Array(path[index...]) : []
                if rest.last == "" { rest.removeLast() }
                for part in rest {
                    guard !part.isEmpty, part != ".", part != "..",
                          !part.contains("/"), !part.contains("\\"), !part.contains("\0") else { return nil }
                }
                captured[name] = rest.joined(separator: "/")
                return captured
            }
        }
        return path.count == segments.count ? captured : nil
    }
}
