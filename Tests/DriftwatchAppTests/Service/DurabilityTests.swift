@testable import DriftwatchApp
import DriftwatchCore
import DriftwatchStore
import Testing

/// `durability` (README configuration table): what an acknowledged event survives.
struct DurabilityTests {
    @Test func defaultSurvivesAProcessCrashAndPowerLossAsksForAnFsyncPerBatch() throws {
        #expect(try Configuration(bytes: Array("{}".utf8)).durability == .processCrash)
        let power = try Configuration(bytes: Array(#"{"durability":"power_loss"}"#.utf8))
        #expect(power.durability == .powerLoss)
        #expect(DriftwatchService.storeConfiguration(power).synchronous == .full)
        #expect(DriftwatchService.storeConfiguration(Configuration()).synchronous == .normal)
    }

    @Test func anUnknownDurabilityNamesTheKeyAndTheChoices() {
        let error = #expect(throws: ConfigurationError.self) {
            try Configuration(bytes: Array(#"{"durability":"fsync"}"#.utf8))
        }
        #expect(error?.description.contains("durability") == true)
        #expect(error?.description.contains("\"power_loss\"") == true)
        #expect(throws: ConfigurationError.self) { try Configuration(bytes: Array(#"{"durability":true}"#.utf8)) }
    }

    @Test func theServiceOpensItsStoreWithTheConfiguredSynchronousLevel() throws {
        let directory = try TemporaryDirectory()
        var configuration = Configuration()
        configuration.durability = .powerLoss
        let store = try DatabasePool(path: directory.file("full.db"), configuration: DriftwatchService.storeConfiguration(configuration))
        #expect(try store.writeSync { db in try db.fetchInt64("PRAGMA synchronous") } == 2)  // FULL
    }
}
