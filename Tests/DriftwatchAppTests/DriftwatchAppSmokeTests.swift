import Testing
@testable import DriftwatchApp

@Test func moduleLinks() {
    #expect(Bool(true))
}
