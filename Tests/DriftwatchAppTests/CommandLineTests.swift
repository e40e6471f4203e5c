import Foundation
import Testing

/// The `driftwatch` executable's own behaviour (spec §3): `--help` on every command
/// group, exit codes, and the messages a first-time user meets. Each test runs the
/// built binary as a child process in a fresh directory.
@Suite(.enabled(if: ServeProcess.binary != nil, "the driftwatch executable is not built (run swift build first)"))
struct CommandLineTests {
    let dir: TemporaryDirectory

    init() throws { dir = try TemporaryDirectory() }

    func run(_ arguments: [String], stdin: String = "") async throws -> (code: Int32, out: String, err: String) {
        let (code, out, err) = try await runDriftwatch(arguments, stdin: stdin, in: dir.path)
        return (code, out, err)
    }

    @Test(arguments: [["baseline", "--help"], ["baseline", "-h"], ["audit", "--help"], ["audit", "-h"], ["hook", "--help"]])
    func everyCommandGroupHasHelp(_ arguments: [String]) async throws {
        let r = try await run(arguments)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.hasPrefix("usage: driftwatch \(arguments[0])"), "\(r.out)")
        #expect(r.err.isEmpty, "\(r.err)")
    }

    @Test func aGroupWithoutItsSubcommandIsStillBadUsage() async throws {
        #expect(try await run(["baseline"]).code == 64)
        #expect(try await run(["audit"]).code == 64)
        #expect(try await run(["baseline", "frobnicate"]).code == 64)
        let hook = try await run(["hook"])
        #expect(hook.code == 64 && hook.err.contains("claude-code") && hook.out.isEmpty, "\(hook)")
    }

    @Test func anInvalidServerURLExits64WithOneLine() async throws {
        for arguments in [["check", "--agent", "bot", "--server", "notaurl"],
                          ["hook", "claude-code", "--server", "notaurl"]] {
            let r = try await run(arguments, stdin: #"{"hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{}}"#)
            #expect(r.code == 64, "\(arguments): \(r.err)")
            #expect(r.err.contains("invalid --server URL"), "\(r.err)")
            #expect(r.err.split(separator: "\n").count == 1, "\(r.err)")
        }
    }

    /// The audit's repro: 25 copies of one call_id raised loop.repeat and opened the
    /// breaker in replay, while serve counted 24 duplicates.
    @Test func replayCountsADuplicateCallIDOnce() async throws {
        let line = #"{"ts":"2026-11-20T10:00:00Z","agent":"bot","session":"s","call_id":"same","tool":"t"}"#
        _ = try dir.write("dup.ndjson", Array(repeating: line, count: 25).joined(separator: "\n") + "\n")
        try FileManager.default.createDirectory(atPath: dir.file("bl"), withIntermediateDirectories: true)
        let r = try await run(["replay", "--baselines", "bl", "dup.ndjson"])
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.isEmpty, "\(r.out)")
        #expect(r.err.contains("events: 1 from 25 lines") && r.err.contains("duplicates: 24"), "\(r.err)")
    }

    @Test func aGzipInputIsOneClearDataError() async throws {
        var bytes: [UInt8] = [0x1F, 0x8B, 0x08, 0x00]
        for i in 0..<50_000 { bytes.append(UInt8(truncatingIfNeeded: i &* 2654435761 >> 13)) }
        try Data(bytes).write(to: URL(fileURLWithPath: dir.file("events.ndjson.gz")))
        let replay = try await run(["replay", "events.ndjson.gz"])
        #expect(replay.code == 65)
        #expect(replay.err.split(separator: "\n").count == 1, "\(replay.err)")
        #expect(replay.err.contains("zcat events.ndjson.gz | driftwatch replay -"), "\(replay.err)")
        let learn = try await run(["baseline", "learn", "--out", "bl", "events.ndjson.gz"])
        #expect(learn.code == 65)
        #expect(learn.err.split(separator: "\n").count == 1, "\(learn.err)")
        #expect(!FileManager.default.fileExists(atPath: dir.file("bl")))
    }

    @Test func learningNothingIsADataErrorAndWritesNothing() async throws {
        _ = try dir.write("junk.ndjson", "not json\n{\"agent\":\"a\",\"tool\":\"t\"}\n")
        for input in ["/dev/null", "junk.ndjson"] {
            let r = try await run(["baseline", "learn", "--out", "bl5", input])
            #expect(r.code == 65, "\(input): \(r.err)")
            #expect(r.err.contains("no events"), "\(r.err)")
            #expect(!r.err.contains("learned 0"), "\(r.err)")
            #expect(!FileManager.default.fileExists(atPath: dir.file("bl5")))
        }
    }

    @Test func aMissingOutputPathIsPrintedAsWritten() async throws {
        let line = #"{"ts":"2026-11-20T10:00:00Z","agent":"bot","tool":"t"}"#
        _ = try dir.write("ok.ndjson", line + "\n")
        let r = try await run(["baseline", "learn", "--out", "/proc/nope", "ok.ndjson"])
        #expect(r.code == 65, "\(r.err)")
        #expect(r.err.contains("/proc/nope") && !r.err.contains("//proc"), "\(r.err)")
    }

    /// Outside the repository the demo's files are missing: a data error (65) that says
    /// where to run it, not bad usage (64) for a command given no options at all.
    @Test func theDemoOutsideTheRepositorySaysWhereToRunIt() async throws {
        let r = try await run(["demo", "--listen", "127.0.0.1:0"])
        #expect(r.code == 65, "\(r.err)")
        #expect(r.err.contains("repository root") && r.err.contains("--baselines DIR"), "\(r.err)")
    }
}
