/// The `agent` + `call_id` pairs seen most recently, so that `replay` and
/// `baseline learn` count a retried event once, as `serve` does (spec §1:
/// "a second event with the same agent+call_id is a duplicate").
///
/// `serve` de-duplicates exactly through a unique index in its store. A file can
/// be far larger than memory, so here the guarantee is exact over a window: the
/// first occurrences of the last `capacity` distinct pairs (default 1,048,576) are
/// remembered, oldest forgotten first (FIFO; a duplicate neither takes room nor
/// refreshes its original). A duplicate arriving after `capacity` newer pairs is
/// counted again.
///
/// A pair is remembered as a 128-bit fingerprint, two 64-bit hashes of the agent
/// and the call_id (`StableHash`'s mixing from two seeds: 16 bytes, where a
/// `Set<String>` would hold both strings and hash them with SipHash), in a FIFO
/// ring; an open-addressing table (linear probing, at most half full,
/// backward-shift deletion) maps a fingerprint to its ring position. Each table
/// slot packs 43 bits of the first hash, which also pick the slot, and the
/// position, so a probe compares in the table and reads the ring only to confirm
/// a likely match. At most `capacity` × 16 bytes of ring and 2 × `capacity` × 8
/// bytes of table, grown from small on demand: 32 MiB for the default window.
/// Two different pairs are taken for one only if both 64-bit hashes collide, by
/// chance about 2⁻⁸⁸ likely over a full window (the hashes are not keyed: input
/// crafted to collide could hide an event from replay, not from `serve`).
///
/// - Complexity: ≈ 300 instructions per admitted pair once the table has grown
///   (callgrind, two short strings), ≈ 1% of replaying an event.
public struct CallIDWindow: Sendable {
    /// The default window: this many most recent distinct pairs are remembered.
    public static let defaultCapacity = 1 << 20

    public let capacity: Int
    /// Pairs remembered now.
    public var count: Int { ring.count }

    private struct Fingerprint: Equatable {
        var first: UInt64
        var second: UInt64
    }

    /// Bits of a slot holding the ring position + 1 (0 is an empty slot).
    private static let positionBits: UInt64 = 21
    private static let positionMask: UInt64 = (1 << positionBits) - 1

    /// Remembered pairs in arrival order; once full, `next` is the oldest.
    private var ring: [Fingerprint] = []
    private var next = 0
    /// `(first hash >> positionBits) << positionBits | (position + 1)`, or 0.
    private var slots: [UInt64] = []

    /// - Parameter capacity: how many distinct pairs to remember, 1 to 2²⁰.
    public init(capacity: Int = CallIDWindow.defaultCapacity) {
        precondition(capacity > 0 && capacity <= 1 << 20, "CallIDWindow capacity must be 1…2^20")
        self.capacity = capacity
    }

    /// Records the pair unless it is in the window.
    /// - Returns: true for a pair not seen within the window (count the event), false for a duplicate.
    /// - Complexity: O(1) expected.
    public mutating func admit(agent: String, callID: String) -> Bool {
        let fingerprint = Self.fingerprint(agent: agent, callID: callID)
        if find(fingerprint) != nil { return false }
        let position: Int
        if ring.count < capacity {
            position = ring.count
            ring.append(fingerprint)
        } else {
            position = next
            next = next + 1 == capacity ? 0 : next + 1
            remove(position)
            ring[position] = fingerprint
        }
        if 2 * ring.count > slots.count { grow() }
        insert(fingerprint, at: position)
        return true
    }

    /// Whether the pair is in the window (without recording it).
    public func contains(agent: String, callID: String) -> Bool {
        find(Self.fingerprint(agent: agent, callID: callID)) != nil
    }

    // MARK: - Table

    private static func fingerprint(agent: String, callID: String) -> Fingerprint {
        var f = Fingerprint(first: 0x9E37_79B9_7F4A_7C15, second: 0x6A09_E667_F3BC_C908)
        absorb(agent, into: &f)
        absorb(callID, into: &f)
        return f
    }

    /// Feeds a string's UTF-8 in place (native strings, small or not, are contiguous; a
    /// copy only for the others), without the copy a `var` for `withUTF8` would cost.
    @inline(__always)
    private static func absorb(_ part: String, into f: inout Fingerprint) {
        let done: Void? = part.utf8.withContiguousStorageIfAvailable { absorb(UnsafeRawBufferPointer($0), into: &f) }
        if done == nil { Array(part.utf8).withUnsafeBytes { absorb($0, into: &f) } }
    }

    /// Feeds one part to both hashes in one pass: `StableHash`'s mixing step from two
    /// seeds, eight bytes at a time. The last word overlaps the one before it (or, for a
    /// part under eight bytes, is read byte by byte) and carries the part's length, so
    /// that where one part ends counts ("ab"+"c" is not "a"+"bc").
    @inline(__always)
    private static func absorb(_ bytes: UnsafeRawBufferPointer, into f: inout Fingerprint) {
        let n = bytes.count
        var last: UInt64 = 0
        if n >= 8 {
            var i = 0
            while i + 8 < n {
                let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                f.first = StableHash.mix(f.first ^ word) &+ 0x9E37_79B9_7F4A_7C15
                f.second = StableHash.mix(f.second ^ word) &+ 0xBB67_AE85_84CA_A73B
                i += 8
            }
            last = bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else {
            for i in 0..<n { last |= UInt64(bytes.load(fromByteOffset: i, as: UInt8.self)) << UInt64(8 * i) }
        }
        last ^= UInt64(truncatingIfNeeded: n) &* 0x0100_0000_0000_0001
        f.first = StableHash.mix(f.first ^ last) &+ 0x9E37_79B9_7F4A_7C15
        f.second = StableHash.mix(f.second ^ last) &+ 0xBB67_AE85_84CA_A73B
    }

    @inline(__always) private static func tag(_ f: Fingerprint) -> UInt64 { f.first >> positionBits }

    /// The slot a tag starts probing from.
    @inline(__always) private func home(tag: UInt64) -> Int {
        Int(truncatingIfNeeded: tag) & (slots.count - 1)
    }

    /// The slot holding `f`, or nil.
    @inline(__always)
    private func find(_ f: Fingerprint) -> Int? {
        guard !slots.isEmpty else { return nil }
        let tag = Self.tag(f)
        let mask = slots.count - 1
        var i = home(tag: tag)
        while true {
            let slot = slots[i]
            if slot == 0 { return nil }
            if slot >> Self.positionBits == tag, ring[Int(slot & Self.positionMask) - 1] == f { return i }
            i = (i + 1) & mask
        }
    }

    /// Puts `f`, known to be absent, at ring `position`.
    @inline(__always)
    private mutating func insert(_ f: Fingerprint, at position: Int) {
        let tag = Self.tag(f)
        let mask = slots.count - 1
        var i = home(tag: tag)
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = tag << Self.positionBits | UInt64(position + 1)
    }

    /// Forgets the pair at ring `position`, closing the gap in its probe chain by moving
    /// later entries back (no tombstones, so lookups never slow down with age).
    private mutating func remove(_ position: Int) {
        let mask = slots.count - 1
        let wanted = UInt64(position + 1)
        var i = home(tag: Self.tag(ring[position]))
        while slots[i] & Self.positionMask != wanted { i = (i + 1) & mask }
        var j = i
        while true {
            j = (j + 1) & mask
            let slot = slots[j]
            if slot == 0 { break }
            // The entry at j may fill the gap at i unless its home lies cyclically in (i, j].
            let h = home(tag: slot >> Self.positionBits)
            let stays = i <= j ? (i < h && h <= j) : (i < h || h <= j)
            if !stays {
                slots[i] = slot
                i = j
            }
        }
        slots[i] = 0
    }

    /// Doubles the table (from 1,024 slots), re-placing entries by their stored tags.
    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: max(1024, old.count * 2))
        let mask = slots.count - 1
        for slot in old where slot != 0 {
            var i = home(tag: slot >> Self.positionBits)
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = slot
        }
    }
}
