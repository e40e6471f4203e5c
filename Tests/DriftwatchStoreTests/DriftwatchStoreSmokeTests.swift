import Testing
@testable import DriftwatchStore

@Test func moduleLinks() {
    #expect(Bool(true))
}
