import Testing
@testable import DriftwatchCore

/// `StringMap` replaces `Dictionary<String, _>` on the per-call paths, so it is
/// checked against a Dictionary on the same operations.
struct StringMapTests {
    @Test func agreesWithDictionaryThroughGrowthAndOverwrites() {
        var map = StringMap<Int>()
        var reference: [String: Int] = [:]
        var rng = SystemRandomNumberGenerator()
        // Short (small-string) and long (heap) keys, non-ASCII, the empty key, and overwrites.
        let alphabet = Array("ab/é.ü_9 ")
        for i in 0..<5_000 {
            let length = Int.random(in: 0...40, using: &rng)
            let key = String((0..<length).map { _ in alphabet.randomElement(using: &rng)! })
            map[key] = i
            reference[key] = i
        }
        #expect(map.count == reference.count)
        for (key, value) in reference { #expect(map[key] == value) }
        #expect(Set(map.pairs.map(\.key)) == Set(reference.keys))
        for probe in ["not-there", "ab/é.ü_9 x", String(repeating: "a", count: 100)] where reference[probe] == nil {
            #expect(map[probe] == nil)
            #expect(!map.contains(probe))
        }
    }

    @Test func keysThatDifferOnlyAfterEightBytesStayApart() {
        // StableHash reads 8 bytes at a time: keys sharing a prefix must not collide into one entry.
        var map = StringMap<String>()
        let keys = (0..<200).map { "tool.prefix-\($0)" } + ["", "a", "a\u{0}"]
        for k in keys { map[k] = k }
        #expect(map.count == keys.count)
        for k in keys { #expect(map[k] == k) }
    }

    @Test func removeAllEmptiesAndTheMapIsReusable() {
        var map = StringMap(["x": 1, "y": 2].map { ($0.key, $0.value) })
        #expect(map.count == 2 && map["x"] == 1)
        map.removeAll()
        #expect(map.isEmpty && map["x"] == nil && map.pairs.isEmpty)
        map["y"] = 3
        #expect(map["y"] == 3 && map.count == 1)
    }

    @Test func defaultSubscriptInsertsOnceAndMutatesInPlaceThroughGrowth() {
        // The monitor keeps an agent's sessions this way: `sessions[id, default: SessionState()].observe(…)`.
        var map = StringMap<[Int]>()
        var reference: [String: [Int]] = [:]
        for i in 0..<3_000 {
            let key = "session-\(i % 700)" + (i % 3 == 0 ? "-with-a-key-longer-than-sixteen-bytes" : "")
            map[key, default: []].append(i)
            reference[key, default: []].append(i)
        }
        #expect(map.count == reference.count)
        for (key, value) in reference { #expect(map[key] == value) }
        #expect(map["absent", default: [-1]] == [-1])
        #expect(map["absent"] == nil && map.count == reference.count)  // reading a default inserts nothing
    }

    @Test func removeAllWhereDropsExactlyTheChosenEntriesAndUpdateValuesReachesAll() {
        var map = StringMap((0..<500).map { ("k\($0)", $0) })
        map.removeAll { _, value in value % 2 == 1 }
        #expect(map.count == 250)
        for i in 0..<500 { #expect(map["k\(i)"] == (i % 2 == 0 ? i : nil)) }
        map.removeAll { _, _ in false }  // nothing matches: nothing changes
        #expect(map.count == 250 && map["k498"] == 498)
        // The smaller table still takes new keys, and a removed key comes back.
        for i in 0..<40 { map["k\(2 * i + 1)"] = -i }
        #expect(map.count == 290 && map["k79"] == -39 && map["k81"] == nil)
        map.updateValues { $0 = -$0 }
        #expect(map["k2"] == -2 && map["k498"] == -498 && map["k1"] == 0 && map["k79"] == 39)
        var visited = 0
        map.forEach { key, value in visited += 1; #expect(map[key] == value) }
        #expect(visited == 290)
        map.removeAll { _, _ in true }
        #expect(map.isEmpty && map["k2"] == nil)
    }

    /// Removal shifts entries back within probe runs (no tombstones): after every bulk
    /// removal, in tables crowded with few-letter keys, every survivor is still found,
    /// every removed key is gone, and inserting afterwards still agrees with a Dictionary.
    @Test func bulkRemovalAgreesWithDictionaryThroughManyRounds() {
        var map = StringMap<Int>()
        var reference: [String: Int] = [:]
        var rng = SystemRandomNumberGenerator()
        for round in 0..<60 {
            for _ in 0..<Int.random(in: 0...300, using: &rng) {
                let key = String(Int.random(in: 0..<600, using: &rng), radix: 7)
                map[key] = round
                reference[key] = round
            }
            let cut = Int.random(in: 0...3, using: &rng)
            var asked = 0
            map.removeAll { key, value in
                asked += 1
                return (key.utf8.count + value) % 4 <= cut - 1
            }
            reference = reference.filter { ($0.key.utf8.count + $0.value) % 4 > cut - 1 }
            #expect(asked >= reference.count)
            #expect(map.count == reference.count)
            for key in (0..<600).map({ String($0, radix: 7) }) { #expect(map[key] == reference[key]) }
        }
    }
}
