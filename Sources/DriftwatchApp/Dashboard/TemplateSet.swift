import Foundation

/// The dashboard's templates and stylesheet, loaded once at start from a directory
/// (`--dashboards DIR`, configuration `dashboards`, default `dashboards`).
///
/// Every `*.html` file is a template named after the file; partials are inlined at load
/// time, so a missing partial or a partial cycle fails start-up with the file and line
/// instead of rendering a blank page later.
public struct TemplateSet: Sendable {
    /// Templates the dashboard renders; each must exist.
    public static let required = ["overview", "agent", "session", "alerts", "webhooks", "audit", "rebaseline", "login", "error"]
    /// The stylesheet served at `/static/driftwatch.css`.
    public static let stylesheetName = "driftwatch.css"

    public let directory: String
    private var templates: [String: Template]
    public let stylesheet: [UInt8]

    /// Loads and checks `directory`.
    /// - Throws: `TemplateError` naming the file (and line) at fault.
    public init(directory: String) throws(TemplateError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TemplateError(file: directory, line: 0,
                                "dashboard templates directory not found (run from the repository root or pass --dashboards DIR)")
        }
        var sources: [String: String] = [:]
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw TemplateError(file: directory, line: 0, "cannot list: \(error.localizedDescription)")
        }
        for file in names where file.hasSuffix(".html") {
            let path = directory + "/" + file
            guard let data = FileManager.default.contents(atPath: path),
                  let text = String(bytes: data, encoding: .utf8) else {
                throw TemplateError(file: path, line: 0, "cannot read as UTF-8")
            }
            sources[String(file.dropLast(5))] = text
        }
        let cssPath = directory + "/" + Self.stylesheetName
        guard let css = FileManager.default.contents(atPath: cssPath) else {
            throw TemplateError(file: cssPath, line: 0, "stylesheet not found")
        }
        try self.init(directory: directory, sources: sources, stylesheet: Array(css))
    }

    /// Builds a set from in-memory sources (tests).
    /// - Throws: `TemplateError`.
    public init(directory: String = "(memory)", sources: [String: String], stylesheet: [UInt8] = []) throws(TemplateError) {
        self.directory = directory
        self.stylesheet = stylesheet
        var parsed: [String: Template] = [:]
        for (name, source) in sources {
            parsed[name] = try Template(name: directory + "/" + name + ".html", source: source)
        }
        for name in Self.required where parsed[name] == nil {
            throw TemplateError(file: directory + "/" + name + ".html", line: 0, "required template is missing")
        }
        var resolved: [String: Template] = [:]
        for (name, template) in parsed {
            var t = template
            t.nodes = try Self.inline(template.nodes, file: template.name, all: parsed, chain: [name])
            resolved[name] = t
        }
        templates = resolved
    }

    private static func inline(_ nodes: [Template.Node], file: String, all: [String: Template],
                               chain: [String]) throws(TemplateError) -> [Template.Node] {
        var out: [Template.Node] = []
        for node in nodes {
            switch node {
            case .partial(let name, let line):
                guard let partial = all[name] else {
                    throw TemplateError(file: file, line: line, "partial {{> \(name)}} not found (no \(name).html)")
                }
                guard !chain.contains(name) else {
                    throw TemplateError(file: file, line: line, "partial {{> \(name)}} includes itself (\((chain + [name]).joined(separator: " → ")))")
                }
                out += try inline(partial.nodes, file: partial.name, all: all, chain: chain + [name])
            case .section(let name, let inverted, let body, let line):
                out.append(.section(name, inverted: inverted, body: try inline(body, file: file, all: all, chain: chain), line: line))
            case .text, .variable:
                out.append(node)
            }
        }
        return out
    }

    /// Renders template `name`, which must exist (a programmer error otherwise: names are
    /// checked against ``required`` at load).
    public func render(_ name: String, _ context: TemplateContext) -> String {
        guard let template = templates[name] else { preconditionFailure("unknown template \(name)") }
        return template.render(context)
    }
}
