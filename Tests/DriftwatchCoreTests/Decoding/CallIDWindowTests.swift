import Testing
@testable import DriftwatchCore

/// `CallIDWindow`: `replay` and `baseline learn` count an event whose agent and
/// `call_id` were seen before once (spec §1), in bounded memory.
struct CallIDWindowTests {
    /// Admits each pair in turn; whether each was new.
    static func admit(_ window: inout CallIDWindow, _ pairs: [(String, String)]) -> [Bool] {
        pairs.map { window.admit(agent: $0.0, callID: $0.1) }
    }

    @Test func aRepeatedAgentAndCallIDIsADuplicate() {
        var window = CallIDWindow()
        let results = Self.admit(&window, Array(repeating: ("a", "same"), count: 25))
        #expect(results == [true] + Array(repeating: false, count: 24))
        #expect(window.count == 1)
        #expect(window.contains(agent: "a", callID: "same"))
        #expect(!window.contains(agent: "a", callID: "other"))
    }

    @Test func theSameCallIDOfAnotherAgentIsNotADuplicate() {
        var window = CallIDWindow()
        // The pair is hashed with its boundary: "ab"+"c" is not "a"+"bc"; "" is a call_id too.
        let results = Self.admit(&window, [("a", "1"), ("b", "1"), ("ab", "c"), ("a", "bc"), ("a", ""), ("a", ""), ("", "a")])
        #expect(results == [true, true, true, true, true, false, true])
        #expect(window.count == 6)
    }

    @Test func agreesWithASetThroughGrowth() {
        var window = CallIDWindow()
        var reference: Set<String> = []
        var rng = SplitMix64(seed: 7)
        var disagreements = 0
        // Keys with shared prefixes and lengths around the hash's 8-byte words, many repeats.
        for _ in 0..<60_000 {
            let agent = "agent-\(rng.next() % 40)"
            let callID = "call-" + String(repeating: "x", count: Int(rng.next() % 12)) + "\(rng.next() % 1500)"
            let isNew = reference.insert(agent + "\u{0}" + callID).inserted
            if window.admit(agent: agent, callID: callID) != isNew { disagreements += 1 }
        }
        #expect(disagreements == 0)
        #expect(window.count == reference.count)
    }

    @Test func theOldestCallIDLeavesAFullWindowFirst() {
        var window = CallIDWindow(capacity: 4)
        #expect(Self.admit(&window, (1...4).map { ("a", "\($0)") }) == [true, true, true, true])
        let results = Self.admit(&window, [
            ("a", "1"),  // a duplicate takes no room
            ("a", "5"),  // evicts 1
            ("a", "1"),  // farther back than the window: counted again (evicts 2)
            ("a", "2"),  // evicts 3
            ("a", "4"), ("a", "5"), ("a", "1"), ("a", "2"),
            ("a", "3"),
        ])
        #expect(results == [false, true, true, true, false, false, false, false, true])
        #expect(window.count == 4)
    }

    @Test func evictionKeepsEveryOtherEntryFindable() {
        // Many evictions in a small table exercise the backward shift of probe chains.
        let capacity = 1000
        var window = CallIDWindow(capacity: capacity)
        var refused = 0, lost = 0, kept = 0
        for i in 0..<50_000 {
            if !window.admit(agent: "bot", callID: "c\(i)") { refused += 1 }
            if i % 997 == 0 {
                // Everything still in the window is found; the call just before it is gone.
                for back in [0, 1, capacity / 2, capacity - 1] where i - back >= 0 {
                    if !window.contains(agent: "bot", callID: "c\(i - back)") { lost += 1 }
                }
                if i >= capacity, window.contains(agent: "bot", callID: "c\(i - capacity)") { kept += 1 }
            }
        }
        #expect(refused == 0 && lost == 0 && kept == 0)
        #expect(window.count == capacity)
    }
}
