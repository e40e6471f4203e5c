import Testing
@testable import DriftwatchCore

/// A field that was redacted in storage (`[REDACTED]`, `[REDACTED:key]`) is
/// free-form in a baseline learned from storage, so the live secret's shape
/// does not read as novelty.
struct RedactedFieldTests {
    @Test func redactionMarkersHaveTheirOwnClass() {
        #expect(StringShape.classify("[REDACTED]") == StringShape.redacted)
        #expect(StringShape.classify("[REDACTED:key]") == StringShape.redacted)
        #expect(StringShape.classify("[REDUCTED]") != StringShape.redacted)
    }

    @Test func redactedFieldsRunNoNoveltyTest() {
        var builder = BaselineBuilder(agent: "r")
        for i in 0..<60 {
            let e = Event(agent: "r", tool: "login", ts: Int64(i) * 1_000_000_000,
                          args: ["user": .string("u-\(i % 5)"), "password": "[REDACTED]"])
            builder.add(e, features: ArgsFeatures(tool: "login", args: e.args), at: e.ts!)
        }
        let model = ToolArgsModel(builder.finish().tools["login"]!, firstSlot: 0)
        #expect(model.paths["password"]?.novelty == nil)
        #expect(model.paths["user"]?.novelty != nil)
    }
}
