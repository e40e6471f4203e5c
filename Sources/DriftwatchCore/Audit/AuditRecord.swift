/// One row of the append-only, hash-chained audit log (design.md § Storage).
///
/// `hash = hex(SHA-256(prevHash ‖ content))`, where `prevHash` is the previous row's
/// hash as 64 lowercase hex characters (64 zeros for the first row) and `content`
/// is ``canonicalContent``: the row's fields, id included, as canonical JSON (sorted
/// keys, no whitespace) with `detail` spliced in byte for byte as stored. Binding the
/// id means deleting or reordering rows breaks the chain as surely as editing one.
public struct AuditRecord: Sendable, Equatable {
    public var id: Int64
    public var tsNS: Int64
    /// Who: `token:admin`, `driftwatch` (automatic), `cli`.
    public var actor: String
    /// The role the actor acted with: `admin`, `open` (no tokens configured), `system`.
    public var role: String
    /// What: `breaker.open`, `breaker.trip`, `baseline.frozen`, …
    public var action: String
    /// Usually an agent.
    public var subject: String
    /// A JSON object's text, canonical when written by driftwatch.
    public var detail: String
    public var prevHash: String
    public var hash: String

    /// The first row's `prevHash`.
    public static let genesisHash = String(repeating: "0", count: 64)

    public init(id: Int64, tsNS: Int64, actor: String, role: String, action: String, subject: String,
                detail: String, prevHash: String, hash: String = "") {
        self.id = id
        self.tsNS = tsNS
        self.actor = actor
        self.role = role
        self.action = action
        self.subject = subject
        self.detail = detail
        self.prevHash = prevHash
        self.hash = hash
    }

    /// A new row chained after `prevHash`, with its hash computed.
    public static func chained(id: Int64, tsNS: Int64, actor: String, role: String, action: String, subject: String,
                               detail: JSONValue, after prevHash: String) -> AuditRecord {
        var r = AuditRecord(id: id, tsNS: tsNS, actor: actor, role: role, action: action, subject: subject,
                            detail: detail.canonicalString, prevHash: prevHash)
        r.hash = r.computedHash
        return r
    }

    /// The bytes that are hashed after the previous hash.
    public var canonicalContent: [UInt8] {
        var w = JSONWriter(sortKeys: true)
        // Keys in sorted order, written by hand so that `detail` goes in verbatim:
        // re-serialising it would hide an edit that merely reformats it.
        w.raw("{\"action\":")
        w.writeString(action)
        w.raw(",\"actor\":")
        w.writeString(actor)
        w.raw(",\"detail\":")
        w.raw(detail)
        w.raw(",\"id\":\(id),\"role\":")
        w.writeString(role)
        w.raw(",\"subject\":")
        w.writeString(subject)
        w.raw(",\"ts_ns\":\(tsNS)}")
        return w.bytes
    }

    /// `hex(SHA-256(prevHash ‖ canonicalContent))`.
    public var computedHash: String {
        var h = SHA256()
        h.update(Array(prevHash.utf8))
        h.update(canonicalContent)
        return HexEncoding.encode(h.finalize())
    }
}

/// Walks an audit chain in id order (`driftwatch audit verify`).
public struct AuditChainVerifier: Sendable {
    /// Why a row breaks the chain.
    public enum Break: Sendable, Equatable, CustomStringConvertible {
        /// The row's `prev_hash` is not the previous row's hash (a row before it was removed or replaced).
        case prevHashMismatch(id: Int64)
        /// The row's content does not hash to its `hash` (the row itself was edited).
        case hashMismatch(id: Int64)

        public var id: Int64 {
            switch self {
            case .prevHashMismatch(let id), .hashMismatch(let id): id
            }
        }

        public var description: String {
            switch self {
            case .prevHashMismatch(let id): "row \(id): prev_hash does not match the previous row's hash (a row was removed, inserted or replaced)"
            case .hashMismatch(let id): "row \(id): content does not match its hash (the row was edited)"
            }
        }
    }

    public private(set) var count = 0
    public private(set) var lastHash = AuditRecord.genesisHash
    public private(set) var firstBreak: Break?

    public init() {}

    /// Checks the next row; after the first break, further rows are not judged.
    public mutating func check(_ row: AuditRecord) {
        guard firstBreak == nil else { return }
        count += 1
        if row.prevHash != lastHash {
            firstBreak = .prevHashMismatch(id: row.id)
        } else if row.computedHash != row.hash {
            firstBreak = .hashMismatch(id: row.id)
        }
        lastHash = row.hash
    }
}
