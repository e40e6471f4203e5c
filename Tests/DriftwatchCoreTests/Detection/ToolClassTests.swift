@testable import DriftwatchCore
import Testing

/// Tool classes from the configuration (spec §6 `tools`): exact names before globs,
/// first match in order, and the per-agent cache gives the same answers.
struct ToolClassTests {
    @Test func globsMatchWholeNamesWithStarAndQuestionMark() {
        #expect(Glob.matches("db.drop_*", "db.drop_table"))
        #expect(Glob.matches("db.drop_*", "db.drop_"))
        #expect(!Glob.matches("db.drop_*", "db.dro"))
        #expect(Glob.matches("*.delete*", "crm.delete_contact"))
        #expect(!Glob.matches("*.delete*", "crm.undelete"))
        #expect(Glob.matches("k8s.?et_pods", "k8s.get_pods"))
        #expect(!Glob.matches("k8s.?et_pods", "k8s.gget_pods"))
        #expect(Glob.matches("*", ""))
        #expect(!Glob.matches("", "x"))
        #expect(Glob.matches("é*", "éclair"))
        // Pathological patterns stay linear-ish instead of backtracking exponentially.
        #expect(!Glob.matches(String(repeating: "*a", count: 30) + "b", String(repeating: "a", count: 200)))
    }

    @Test func exactNamesWinOverEarlierGlobsAndTheCacheAgrees() {
        let classifier = ToolClassifier(rules: [("sql.*", .write), ("sql.query", .read), ("sql.drop*", .destructive)])
        #expect(classifier.classify("sql.query") == .read)
        #expect(classifier.classify("sql.drop_table") == .write)  // first glob in order
        #expect(classifier.classify("docs.search") == nil)

        var state = AgentState(learning: "a", policy: AgentPolicy(), breaker: CircuitBreaker.Settings())
        for _ in 0..<3 {
            for tool in ["sql.query", "sql.drop_table", "docs.search"] {
                #expect(state.toolClass(tool, classifier) == classifier.classify(tool))
            }
        }
        #expect(state.toolClasses.count == 3)
        #expect(state.toolClass("sql.query", ToolClassifier()) == nil)
    }

    @Test func theCacheIsBoundedWhenAnAgentInventsToolNames() {
        let classifier = ToolClassifier(rules: [("x.*", .destructive)])
        var state = AgentState(learning: "a", policy: AgentPolicy(), breaker: CircuitBreaker.Settings())
        for i in 0..<(AgentState.maxCachedToolClasses + 100) {
            #expect(state.toolClass("x.\(i)", classifier) == .destructive)
        }
        #expect(state.toolClasses.count == AgentState.maxCachedToolClasses)
    }
}
