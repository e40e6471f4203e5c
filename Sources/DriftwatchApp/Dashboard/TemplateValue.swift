/// Markup the server drew itself (inline SVG); the only value `{{{ }}}` inserts unescaped.
///
/// Build it only from constants and numbers, escaping any text with ``HTMLText/escape(_:)``.
public struct SafeMarkup: Sendable, Equatable {
    public let html: String

    init(trusted html: String) {
        self.html = html
    }
}

/// A value in a template context.
public enum TemplateValue: Sendable {
    /// Text: always escaped on output.
    case text(String)
    /// Server-drawn markup (`{{{name}}}`).
    case markup(SafeMarkup)
    case bool(Bool)
    case list([TemplateContext])
    case context(TemplateContext)

    /// Whether an inverted section `{{^name}}` renders for it.
    var isEmpty: Bool {
        switch self {
        case .text(let s): s.isEmpty
        case .markup(let m): m.html.isEmpty
        case .bool(let b): !b
        case .list(let l): l.isEmpty
        case .context: false
        }
    }
}

/// Named values for one level of a template (a page, or one item of a list).
public struct TemplateContext: Sendable, ExpressibleByDictionaryLiteral {
    var values: [String: TemplateValue]

    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        values = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    init(_ values: [String: TemplateValue] = [:]) {
        self.values = values
    }

    subscript(key: String) -> TemplateValue? {
        get { values[key] }
        set { values[key] = newValue }
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
