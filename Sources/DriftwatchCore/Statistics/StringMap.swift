/// A hash map from `String` to `Value` for the lookups made on every call
/// (an agent's state, a tool's compiled model, an argument path).
///
/// `Dictionary<String, _>` hashes keys with SipHash through `Hasher`, about 400
/// instructions for a short key; replay profiles showed that hashing alone cost
/// more than any detector. This map hashes with `StableHash` (a few instructions
/// per 8 bytes), probes linearly in a power-of-two table at most half full, and
/// confirms a hit by comparing the key itself, so a hash collision costs a probe,
/// never a wrong answer. Keys are removed only in bulk, with `removeAll(where:)`
/// (an agent's idle sessions); the compiled models are built once.
/// Iteration order is the table's, deterministic for the same insertions.
struct StringMap<Value: Sendable>: Sendable {
    /// Per slot the key's hash with the low bit set (0: empty), its key and value.
    private var hashes: [UInt64]
    private var keys: [String]
    private var values: [Value?]
    private(set) var count = 0

    init(minimumCapacity: Int = 0) {
        var capacity = 4
        while capacity < 2 * minimumCapacity { capacity *= 2 }
        hashes = [UInt64](repeating: 0, count: capacity)
        keys = [String](repeating: "", count: capacity)
        values = [Value?](repeating: nil, count: capacity)
    }

    init(_ pairs: some Collection<(String, Value)>) {
        self.init(minimumCapacity: pairs.count)
        for (k, v) in pairs { self[k] = v }
    }

    var isEmpty: Bool { count == 0 }

    @inline(__always) private static func hash(_ key: String) -> UInt64 {
        var h = StableHash()
        h.combine(key)
        return h.value | 1
    }

    /// The slot holding `key`, or the empty slot where it would go.
    private func slot(of key: String, hash h: UInt64) -> (index: Int, found: Bool) {
        let mask = hashes.count - 1
        var i = Int(truncatingIfNeeded: h >> 1) & mask
        while true {
            let stored = hashes[i]
            if stored == 0 { return (i, false) }
            if stored == h, keys[i] == key { return (i, true) }
            i = (i + 1) & mask
        }
    }

    subscript(key: String) -> Value? {
        get {
            guard count > 0 else { return nil }
            let (i, found) = slot(of: key, hash: Self.hash(key))
            return found ? values[i] : nil
        }
        set {
            guard let newValue else {
                precondition(self[key] == nil, "StringMap does not remove keys")
                return
            }
            let h = Self.hash(key)
            let (i, found) = slot(of: key, hash: h)
            if found { values[i] = newValue; return }
            if 2 * (count + 1) > hashes.count {
                grow()
                self[key] = newValue
                return
            }
            hashes[i] = h
            keys[i] = key
            values[i] = newValue
            count += 1
        }
    }

    /// The value for `key`, inserted as `defaultValue()` first if absent, mutated in
    /// place with one lookup (`Dictionary`'s `subscript(_:default:)`).
    subscript(key: String, default defaultValue: @autoclosure () -> Value) -> Value {
        get { self[key] ?? defaultValue() }
        _modify {
            let h = Self.hash(key)
            var (i, found) = slot(of: key, hash: h)
            if !found {
                if 2 * (count + 1) > hashes.count {
                    grow()
                    i = slot(of: key, hash: h).index
                }
                hashes[i] = h
                keys[i] = key
                values[i] = defaultValue()
                count += 1
            }
            yield &values[i]!
        }
    }

    /// Removes the entries for which `shouldBeRemoved` is true, in place (no table is
    /// allocated unless the map ends up an eighth full or less, when it shrinks to fit).
    /// An agent's session sweep runs this every 1,024 events: copying its thousands of
    /// sessions into a new table each time cost more than detecting on them.
    mutating func removeAll(where shouldBeRemoved: (String, Value) -> Bool) {
        var i = 0
        while i < hashes.count {
            // After a removal, slot i holds whatever was shifted back into it: look again.
            if hashes[i] != 0, shouldBeRemoved(keys[i], values[i]!) { remove(at: i) } else { i += 1 }
        }
        if count * 8 <= hashes.count, hashes.count > 4 { rehouse(minimumCapacity: count) }
    }

    /// Empties slot `hole`, then shifts back the entries after it that probed past it
    /// (backward-shift deletion), so that every lookup still finds its key without tombstones.
    private mutating func remove(at hole: Int) {
        let mask = hashes.count - 1
        var hole = hole
        hashes[hole] = 0
        keys[hole] = ""
        values[hole] = nil
        count -= 1
        var j = hole
        while true {
            j = (j + 1) & mask
            guard hashes[j] != 0 else { return }
            let home = Int(truncatingIfNeeded: hashes[j] >> 1) & mask
            // The entry at j may move to the hole if its home slot is not after the hole (cyclically).
            guard (j - home) & mask >= (j - hole) & mask else { continue }
            hashes[hole] = hashes[j]
            hashes[j] = 0
            keys.swapAt(hole, j)
            values.swapAt(hole, j)
            hole = j
        }
    }

    /// Applies `body` to every value in place.
    mutating func updateValues(_ body: (inout Value) -> Void) {
        for i in hashes.indices where hashes[i] != 0 { body(&values[i]!) }
    }

    /// Calls `body` with every key and value in table order, copying none of them.
    func forEach(_ body: (String, Value) -> Void) {
        for i in hashes.indices where hashes[i] != 0 { body(keys[i], values[i]!) }
    }

    /// Every key and value, in table order.
    var pairs: [(key: String, value: Value)] {
        hashes.indices.compactMap { i in hashes[i] == 0 ? nil : (keys[i], values[i]!) }
    }

    /// Empties the map, keeping its capacity.
    mutating func removeAll() {
        for i in hashes.indices where hashes[i] != 0 {
            hashes[i] = 0
            keys[i] = ""
            values[i] = nil
        }
        count = 0
    }

    func contains(_ key: String) -> Bool {
        count > 0 && slot(of: key, hash: Self.hash(key)).found
    }

    /// Doubles the table.
    private mutating func grow() { rehouse(minimumCapacity: hashes.count) }

    /// Moves every entry into a new table for `minimumCapacity` entries, by its
    /// stored hash (no key is rehashed, no value copied).
    private mutating func rehouse(minimumCapacity: Int) {
        var fresh = StringMap(minimumCapacity: minimumCapacity)
        let mask = fresh.hashes.count - 1
        for i in hashes.indices where hashes[i] != 0 {
            var j = Int(truncatingIfNeeded: hashes[i] >> 1) & mask
            while fresh.hashes[j] != 0 { j = (j + 1) & mask }
            fresh.hashes[j] = hashes[i]
            swap(&fresh.keys[j], &keys[i])
            swap(&fresh.values[j], &values[i])
        }
        fresh.count = count
        self = fresh
    }
}
