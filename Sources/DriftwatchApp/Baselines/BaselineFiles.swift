#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
public import DriftwatchCore

/// Baseline files on disk: `DIR/<agent>.json`, one per agent.
public enum BaselineFiles {
    /// A file name for any agent string: bytes outside `[A-Za-z0-9_.-]` and a
    /// leading dot become `%XX`, so names are unique and never a path (`../x`,
    /// `a/b`, NUL, unicode all map to a plain file name). An encoding longer
    /// than `maxEncodedBytes` (a 128-byte non-ASCII name triples) is cut and
    /// suffixed with a hash of the whole name, staying unique and under the
    /// 255-byte limit of file systems. The agent itself is read from the file.
    public static let maxEncodedBytes = 200

    public static func fileName(for agent: String) -> String {
        let encoded = encode(agent)
        guard encoded.utf8.count > maxEncodedBytes else { return encoded + ".json" }
        let hash = String(StableHash.of(agent), radix: 16)
        return String(encoded.prefix(maxEncodedBytes)) + "~" + hash + ".json"
    }

    static func encode(_ agent: String) -> String {
        var out = ""
        for (i, b) in agent.utf8.enumerated() {
            let safe = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || (b == UInt8(ascii: ".") && i > 0)
            if safe {
                out.append(Character(Unicode.Scalar(b)))
            } else {
                let hex = String(b, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }

    /// Writes one baseline, atomically (temp file + rename).
    public static func save(_ baseline: Baseline, in directory: String) throws {
        try makeDirectory(directory)
        let path = Self.path(of: fileName(for: baseline.agent), in: directory)
        let temp = path + ".tmp"
        do {
            let out = try OutputStream(creating: temp)
            try out.write(baseline.fileText)
            try out.flush()
        }
        guard rename(temp, path) == 0 else { throw IOError(call: "rename", path: path, errno: errno) }
    }

    /// Loads every `*.json` baseline in a directory (the agent comes from the file's content).
    /// - Throws: naming the file and the field when one is malformed.
    public static func loadAll(from directory: String) throws -> [Baseline] {
        guard let dir = opendir(directory) else { throw IOError(call: "opendir", path: directory, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasSuffix(".json"), !name.hasPrefix(".") { names.append(name) }
        }
        return try names.sorted().map { try load(Self.path(of: $0, in: directory)) }
    }

    public static func load(_ path: String) throws -> Baseline {
        let bytes = try FileInput.readAll(path)
        do {
            return try Baseline(json: try JSONScanner.parse(bytes))
        } catch let error as JSONError {
            throw IOError(message: "\(path): \(error)")
        } catch let error as BaselineError {
            throw IOError(message: "\(path): \(error)")
        }
    }

    /// Makes `path` and its missing parents (`mkdir -p`). Empty components (`a//b`, a
    /// trailing `/`) are skipped, so an error names the directory as a user would write it.
    static func makeDirectory(_ path: String) throws {
        var partial = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            partial = Self.path(of: String(component), in: partial)
            if mkdir(partial, 0o755) != 0, errno != EEXIST { throw IOError(call: "mkdir", path: partial, errno: errno) }
        }
    }

    /// `directory/name`, with one slash between them whether or not `directory` ends in
    /// one (`--out bl/`); just `name` for an empty directory.
    static func path(of name: String, in directory: String) -> String {
        directory.isEmpty || directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

/// `driftwatch baseline learn`: one builder per agent over known-good history.
/// A retried event (same agent and `call_id`, spec §1) is learned once, so that
/// retries do not teach the baseline that repeats are normal.
public struct BaselineLearner {
    private var builders: [String: BaselineBuilder] = [:]
    public private(set) var events = 0
    public private(set) var rejected = 0
    /// Events skipped because their agent and `call_id` came before.
    public private(set) var duplicates = 0
    /// Lines read over all inputs, blank ones included.
    public private(set) var lines = 0
    private var callIDs: CallIDWindow
    private let reject: (String) -> Void

    /// - Parameter callIDWindow: how many distinct `call_id`s are remembered for de-duplication.
    public init(callIDWindow: Int = CallIDWindow.defaultCapacity, reject: @escaping (String) -> Void) {
        self.callIDs = CallIDWindow(capacity: callIDWindow)
        self.reject = reject
    }

    /// Learns from one input; `label` prefixes error messages when there are several inputs.
    /// - Throws: `IOError` when the input cannot be read or is gzip-compressed.
    public mutating func learn(_ input: borrowing FileInput, label: String?) throws {
        var splitter = LineSplitter()
        var lineNumber = 0
        let name = input.name
        func learn(_ event: Event, _ prefix: String, _ me: inout BaselineLearner) {
            guard let ts = event.ts else {
                me.rejected += 1
                me.reject(prefix + DecodeError.missingTime("to learn a baseline").description)
                return
            }
            if let callID = event.callID, !me.callIDs.admit(agent: event.agent, callID: callID) {
                me.duplicates += 1
                return
            }
            me.events += 1
            let features = event.tool.map { ArgsFeatures(tool: $0, args: event.args) }
            me.builders[event.agent, default: BaselineBuilder(agent: event.agent)].add(event, features: features, at: ts)
        }
        func handle(_ line: LineSplitter.Line, _ me: inout BaselineLearner) throws {
            lineNumber += 1
            let prefix = (label.map { "\($0): " } ?? "") + "line \(lineNumber): "
            switch line {
            case .tooLong(let n):
                me.rejected += 1
                me.reject(prefix + "line is longer than the limit (\(n) bytes)")
            case .line(let bytes):
                if lineNumber == 1 { try CompressedInput.refuse(bytes, name: name, command: "baseline learn - --out DIR") }
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
                do {
                    switch try EventDecoder.decode(bytes) {
                    case .event(let event): learn(event, prefix, &me)
                    case .events(let events): for event in events { learn(event, prefix, &me) }
                    case .preToolUse: return
                    }
                } catch {
                    me.rejected += 1
                    me.reject(prefix + error.description)
                }
            }
        }
        try input.forEachChunk { chunk in try splitter.feed(chunk) { try handle($0, &self) } }
        try splitter.finish { try handle($0, &self) }
        lines += lineNumber
    }

    /// The finished baselines, by agent name.
    public mutating func finish() -> [Baseline] {
        builders.keys.sorted().map { builders[$0]!.finish() }
    }
}
