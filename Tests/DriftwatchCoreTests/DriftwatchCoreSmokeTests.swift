import Testing
@testable import DriftwatchCore

@Test func moduleLinks() {
    #expect(Bool(true))
}
