@testable import DriftwatchApp
import Testing

/// The logic-less template engine and its escaping.
struct TemplateTests {
    static let required = Dictionary(uniqueKeysWithValues: TemplateSet.required.map { ($0, "") })

    func set(_ sources: [String: String]) throws -> TemplateSet {
        try TemplateSet(sources: Self.required.merging(sources) { _, new in new })
    }

    @Test func variablesAreEscapedAndOnlyServerMarkupIsRaw() throws {
        let t = try set(["page": "<p title=\"{{x}}\">{{x}}</p>{{{x}}}{{{svg}}}"])
        let out = t.render("page", ["x": .text("<a href='j'>&\"\u{202E}\u{0}"), "svg": .markup(SafeMarkup(trusted: "<svg></svg>"))])
        #expect(out == "<p title=\"&lt;a href=&#39;j&#39;&gt;&amp;&quot;[U+202E]\u{2400}\">&lt;a href=&#39;j&#39;&gt;&amp;&quot;[U+202E]\u{2400}</p>"
            + "&lt;a href=&#39;j&#39;&gt;&amp;&quot;[U+202E]\u{2400}<svg></svg>")
    }

    @Test func sectionsInvertedSectionsAndPartials() throws {
        let t = try set([
            "page": "{{#items}}[{{name}}{{#flag}}!{{/flag}}]{{/items}}{{^items}}none{{/items}}{{^missing}}-{{/missing}}{{> part}}",
            "part": "<{{title}}>{{! a comment }}",
        ])
        #expect(t.render("page", ["items": .list([["name": "a", "flag": true], ["name": "b"]]), "title": "T"]) == "[a!][b]-<T>")
        #expect(t.render("page", ["items": .list([]), "title": "T"]) == "none-<T>")
        #expect(t.render("page", ["items": .list([["name": "x"]]), "flag": true, "title": "T"]) == "[x!]-<T>")  // outer lookup
    }

    @Test func syntaxErrorsNameTheFileAndLine() {
        func error(_ source: String) -> TemplateError? {
            do {
                _ = try set(["page": source])
                return nil
            } catch let error as TemplateError {
                return error
            } catch {
                return nil
            }
        }
        #expect(error("a\nb\n{{#list}}\nc")?.description == "(memory)/page.html:3: section {{#list}} is never closed with {{/list}}")
        #expect(error("{{#a}}\n{{/b}}")?.description == "(memory)/page.html:2: {{/b}} closes {{#a}} opened on line 1")
        #expect(error("x\n{{name")?.line == 2)
        #expect(error("{{/a}}")?.message.contains("never opened") == true)
        #expect(error("\n\n{{> nothere}}")?.description == "(memory)/page.html:3: partial {{> nothere}} not found (no nothere.html)")
        #expect(error("{{bad name}}")?.line == 1)
        #expect(error("{{> page}}")?.message.contains("includes itself") == true)
    }

    @Test func missingRequiredTemplateOrDirectoryIsAStartUpError() {
        #expect(throws: TemplateError.self) { try TemplateSet(sources: ["overview": ""]) }
        do {
            _ = try TemplateSet(directory: "/nonexistent/dashboards")
            Issue.record("loaded a missing directory")
        } catch {
            #expect(error.description.contains("/nonexistent/dashboards"))
        }
    }

    @Test func shippedTemplatesLoad() throws {
        let t = try TemplateSet(directory: shippedDashboards)
        #expect(!t.stylesheet.isEmpty)
    }

    @Test func urlsArePercentEncodedLocalPaths() {
        #expect(DashboardURL.path("agents", "javascript:alert(1)") == "/agents/javascript%3Aalert%281%29")
        #expect(DashboardURL.path("agents", "a/../b") == "/agents/a%2F..%2Fb")
        #expect(DashboardURL.path("/alerts", query: [("q", "a&b=c"), ("kind", "")]) == "/alerts?q=a%26b%3Dc")
        #expect(DashboardURL.localRedirect("//evil.example") == "/")
        #expect(DashboardURL.localRedirect("javascript:alert(1)") == "/")
        #expect(DashboardURL.localRedirect("/\\evil") == "/")
        #expect(DashboardURL.localRedirect("/alerts?kind=drift") == "/alerts?kind=drift")
        #expect(DashboardURL.reencoded("/sessions/javascript:x") == "/sessions/javascript%3Ax")
    }
}
