/// A logic-less template: the subset of Mustache the dashboard needs.
///
/// - `{{name}}` inserts a value HTML-escaped (``HTMLText/escape(_:)``): text and quoted attributes.
/// - `{{{name}}}` inserts ``TemplateValue/markup(_:)`` unescaped. Only markup the server
///   built itself (inline SVG charts) is ever of that case; a plain text value given to a
///   triple mustache is still escaped, so an agent's string can never be inserted raw.
/// - `{{#name}}…{{/name}}` renders its body once per list item (the item's context on
///   top), once for `true`, a non-empty text or a nested context; not at all otherwise.
/// - `{{^name}}…{{/name}}` renders its body when `name` is missing, false, empty.
/// - `{{> partial}}` inlines another template of the set (resolved at load time).
/// - `{{! comment}}` renders nothing.
///
/// Names may be dotted (`agent.name`); lookup walks the context stack outwards.
/// Templates are parsed once at start-up; every syntax error names the file and line.
public struct Template: Sendable {
    indirect enum Node: Sendable {
        case text(String)
        case variable(String, raw: Bool, line: Int)
        case section(String, inverted: Bool, body: [Node], line: Int)
        case partial(String, line: Int)
    }

    let name: String
    var nodes: [Node]

    /// Parses `source`.
    /// - Throws: `TemplateError` naming `name` and the line of the fault.
    init(name: String, source: String) throws(TemplateError) {
        self.name = name
        var parser = TemplateParser(file: name, source: Array(source.utf8))
        nodes = try parser.parse()
    }

    /// Renders with `context` (partials must have been resolved by ``TemplateSet``).
    func render(_ context: TemplateContext) -> String {
        var out = ""
        out.reserveCapacity(16 * 1024)
        var stack = [context]
        Self.render(nodes, &stack, into: &out)
        return out
    }

    private static func render(_ nodes: [Node], _ stack: inout [TemplateContext], into out: inout String) {
        for node in nodes {
            switch node {
            case .text(let text):
                out += text
            case .variable(let name, let raw, _):
                switch lookup(name, stack) {
                case .text(let s)?: HTMLText.escape(s, into: &out)
                case .markup(let m)?: if raw { out += m.html } else { HTMLText.escape(m.html, into: &out) }
                case .bool, .list, .context, nil: break
                }
            case .section(let name, let inverted, let body, _):
                let value = lookup(name, stack)
                if inverted {
                    if value?.isEmpty ?? true { render(body, &stack, into: &out) }
                    continue
                }
                switch value {
                case .list(let items)?:
                    for item in items {
                        stack.append(item)
                        render(body, &stack, into: &out)
                        stack.removeLast()
                    }
                case .context(let c)?:
                    stack.append(c)
                    render(body, &stack, into: &out)
                    stack.removeLast()
                case let v? where !v.isEmpty:
                    render(body, &stack, into: &out)
                default:
                    break
                }
            case .partial:
                preconditionFailure("partials are resolved when the template set loads")
            }
        }
    }

    private static func lookup(_ name: String, _ stack: [TemplateContext]) -> TemplateValue? {
        if name == "." { return stack.last.map(TemplateValue.context) }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        let head = String(parts[0])
        for context in stack.reversed() {
            guard var value = context.values[head] else { continue }
            for part in parts.dropFirst() {
                guard case .context(let inner) = value, let next = inner.values[String(part)] else { return nil }
                value = next
            }
            return value
        }
        return nil
    }
}

/// A template syntax or loading error, with the file and line to fix.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String

    public init(file: String, line: Int, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// Splits template source into nodes; tracks the line of every tag.
struct TemplateParser {
    let file: String
    let source: [UInt8]
    var index = 0
    var line = 1

    init(file: String, source: [UInt8]) {
        self.file = file
        self.source = source
    }

    mutating func parse() throws(TemplateError) -> [Node] {
        let (nodes, closing) = try parseNodes(until: nil)
        precondition(closing == nil)
        return nodes
    }

    typealias Node = Template.Node

    private mutating func parseNodes(until section: (name: String, line: Int)?) throws(TemplateError) -> ([Node], String?) {
        var nodes: [Node] = []
        var text: [UInt8] = []
        func flush() {
            if !text.isEmpty { nodes.append(.text(String(decoding: text, as: UTF8.self))) }
            text.removeAll()
        }
        while index < source.count {
            if source[index] == UInt8(ascii: "{"), index + 1 < source.count, source[index + 1] == UInt8(ascii: "{") {
                flush()
                let tagLine = line
                let triple = index + 2 < source.count && source[index + 2] == UInt8(ascii: "{")
                let open = triple ? 3 : 2
                let close: [UInt8] = triple ? Array("}}}".utf8) : Array("}}".utf8)
                guard let end = find(close, from: index + open) else {
                    throw TemplateError(file: file, line: tagLine, "unclosed tag: \(triple ? "{{{" : "{{") has no matching \(triple ? "}}}" : "}}")")
                }
                let inner = String(decoding: source[(index + open)..<end], as: UTF8.self)
                for b in source[index..<end] where b == UInt8(ascii: "\n") { line += 1 }
                index = end + close.count
                let body = inner.trimmingSpaces
                if triple {
                    try checkName(body, tagLine)
                    nodes.append(.variable(body, raw: true, line: tagLine))
                    continue
                }
                guard let sigil = body.first else { throw TemplateError(file: file, line: tagLine, "empty tag {{}}") }
                let name = String(body.dropFirst()).trimmingSpaces
                switch sigil {
                case "!":
                    continue
                case "#", "^":
                    try checkName(name, tagLine)
                    let (children, closing) = try parseNodes(until: (name, tagLine))
                    guard closing == name else {
                        throw TemplateError(file: file, line: tagLine, "section {{\(sigil)\(name)}} is never closed with {{/\(name)}}")
                    }
                    nodes.append(.section(name, inverted: sigil == "^", body: children, line: tagLine))
                case "/":
                    guard let section else {
                        throw TemplateError(file: file, line: tagLine, "{{/\(name)}} closes a section that was never opened")
                    }
                    guard section.name == name else {
                        throw TemplateError(file: file, line: tagLine,
                                            "{{/\(name)}} closes {{#\(section.name)}} opened on line \(section.line)")
                    }
                    return (nodes, name)
                case ">":
                    try checkName(name, tagLine)
                    nodes.append(.partial(name, line: tagLine))
                case "&", "=", "{", "}":
                    throw TemplateError(file: file, line: tagLine, "unsupported tag {{\(body)}} (use {{name}}, {{{svg}}}, {{#list}}, {{^list}}, {{> partial}})")
                default:
                    try checkName(body, tagLine)
                    nodes.append(.variable(body, raw: false, line: tagLine))
                }
                continue
            }
            if source[index] == UInt8(ascii: "\n") { line += 1 }
            text.append(source[index])
            index += 1
        }
        flush()
        if let section {
            throw TemplateError(file: file, line: section.line, "section {{#\(section.name)}} is never closed with {{/\(section.name)}}")
        }
        return (nodes, nil)
    }

    private func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard source.count >= needle.count else { return nil }
        var i = start
        while i + needle.count <= source.count {
            if source[i] == needle[0] && Array(source[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    private func checkName(_ name: String, _ line: Int) throws(TemplateError) {
        let ok = !name.isEmpty && name.utf8.allSatisfy { b in
            (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
                || b == UInt8(ascii: "-")
        }
        guard ok else { throw TemplateError(file: file, line: line, "bad name \"\(name)\" in tag (letters, digits, _ - . only)") }
    }
}

extension String {
    var trimmingSpaces: String {
        let bytes = Array(utf8)
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 || bytes[start] == 0x0A || bytes[start] == 0x0D { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 || bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
