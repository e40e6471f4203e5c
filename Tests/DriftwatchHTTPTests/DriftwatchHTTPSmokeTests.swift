import Testing
@testable import DriftwatchHTTP

@Test func moduleLinks() {
    #expect(Bool(true))
}
