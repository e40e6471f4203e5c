/// What the detectors see of one call's arguments: a fingerprint for loop
/// detection and, per argument path, its class and numeric value.
///
/// Paths are dotted keys from the top (`query`, `filter.status`); array
/// elements share the path `name[]`. Walking stops at depth `maxDepth` and
/// after `maxPaths` leaves, so a hostile argument cannot blow up the work.
public struct ArgsFeatures: Sendable {
    public struct Leaf: Sendable, Equatable {
        public var path: String
        /// The magnitude of a number, for range checks.
        public var number: Double?
        /// A string leaf's value until it is classified: detection needs the class of
        /// a string only in fields with a novelty test, so `shapeClass` computes it on use.
        private var text: String?
        /// The class of any other leaf, or of a string once `resolve` classified it.
        private var knownClass: String

        init(path: String, shapeClass: String, number: Double? = nil) {
            self.path = path
            self.number = number
            knownClass = shapeClass
        }

        init(path: String, text: String) {
            self.path = path
            self.text = text
            knownClass = ""
        }

        /// Type and shape: a `StringShape` class for strings (`sql:SELECT`, `word:open`, …), `num:+`, `num:-`, `num:0`, `bool`, `null`, `object`, `array`.
        /// Computed on each use for an unresolved string leaf: read it once per decision.
        public var shapeClass: String { text.map(StringShape.classify) ?? knownClass }

        /// Classifies a string leaf now, so that repeated comparisons do not.
        mutating func resolve() {
            guard let t = text else { return }
            knownClass = StringShape.classify(t)
            text = nil
        }

        public static func == (a: Leaf, b: Leaf) -> Bool {
            a.path == b.path && a.number == b.number && a.shapeClass == b.shapeClass
        }
    }

    public static let maxDepth = 6
    public static let maxPaths = 64

    /// Hash of the tool name and the canonical (sorted-key) arguments.
    public var fingerprint: UInt64
    /// Distinct paths present in this call, in first-seen order.
    public var leaves: [Leaf]

    public init(tool: String, args: JSONValue?) {
        var hash = StableHash()
        hash.combine(tool)
        leaves = []
        fingerprint = 0
        if let args {
            Self.hash(args, into: &hash)
            if case .object(let members) = args {
                leaves.reserveCapacity(members.count)
                for m in members { walk(m.value, path: m.key, depth: 1) }
            } else {
                walk(args, path: "$", depth: 1)
            }
        }
        fingerprint = hash.value
    }

    /// Walks one value. Leaves stay few (≤ `maxPaths`), so a linear scan
    /// finds repeated paths faster than hashing them.
    private mutating func walk(_ v: JSONValue, path: String, depth: Int) {
        guard leaves.count < Self.maxPaths else { return }
        let first = depth == 1 || !hasLeaf(at: path)
        switch v {
        case .object(let members):
            if first { leaves.append(Leaf(path: path, shapeClass: "object")) }
            guard depth < Self.maxDepth else { return }
            for m in members { walk(m.value, path: path + "." + m.key, depth: depth + 1) }
        case .array(let items):
            if first { leaves.append(Leaf(path: path, shapeClass: "array")) }
            guard depth < Self.maxDepth else { return }
            for item in items.prefix(16) { walk(item, path: path + "[]", depth: depth + 1) }
        default:
            guard !first else { leaves.append(Self.leaf(v, path: path)); return }
            var leaf = Self.leaf(v, path: path)
            // For repeated array elements keep the first of each class, so a
            // new class deep in a list is still seen.
            leaf.resolve()
            for i in leaves.indices where leaves[i].path == path {
                leaves[i].resolve()
                if leaves[i].shapeClass == leaf.shapeClass { return }
            }
            leaves.append(leaf)
        }
    }

    /// By index rather than `contains(where:)`, whose iterator copies every leaf.
    private func hasLeaf(at path: String) -> Bool {
        for i in leaves.indices where leaves[i].path == path { return true }
        return false
    }

    static func leaf(_ v: JSONValue, path: String) -> Leaf {
        switch v {
        case .string(let s): return Leaf(path: path, text: s)
        case .number(let d): return Leaf(path: path, shapeClass: d > 0 ? "num:+" : d < 0 ? "num:-" : "num:0", number: d)
        case .bool: return Leaf(path: path, shapeClass: "bool")
        case .null: return Leaf(path: path, shapeClass: "null")
        case .object: return Leaf(path: path, shapeClass: "object")
        case .array: return Leaf(path: path, shapeClass: "array")
        }
    }

    /// Order-independent over object members, so `{"a":1,"b":2}` and
    /// `{"b":2,"a":1}` fingerprint alike (the canonical form, without building it).
    static func hash(_ v: JSONValue, into h: inout StableHash) {
        switch v {
        case .null: h.combine(1)
        case .bool(let b): h.combine(b ? 2 : 3)
        case .number(let d): h.combine(4); h.combine(d == 0 ? 0 : d.bitPattern)
        case .string(let s): h.combine(5); h.combine(s)
        case .array(let items):
            h.combine(6)
            for item in items { hash(item, into: &h) }
            h.combine(UInt64(items.count))
        case .object(let members):
            var sum: UInt64 = 0
            for m in members {
                var mh = StableHash()
                mh.combine(m.key)
                hash(m.value, into: &mh)
                sum = sum &+ StableHash.mix(mh.value)
            }
            h.combine(7)
            h.combine(sum)
            h.combine(UInt64(members.count))
        }
    }
}
