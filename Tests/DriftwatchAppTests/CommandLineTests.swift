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

    static let preToolUse = #"{"hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{}}"#
    static let postToolUse = #"{"hook_event_name":"PostToolUse","tool_name":"Read","tool_input":{}}"#

    /// For `check` an invalid URL is bad usage (64). The hook says the same in one line, and
    /// for a PreToolUse blocks (exit 2, the only exit Claude Code blocks on) unless --fail-open.
    @Test func anInvalidServerURLIsOneLineAndBlocksAPreToolUse() async throws {
        let check = try await run(["check", "--agent", "bot", "--server", "notaurl"])
        let hook = try await run(["hook", "claude-code", "--server", "notaurl"], stdin: Self.preToolUse)
        let open = try await run(["hook", "claude-code", "--server", "notaurl", "--fail-open"], stdin: Self.preToolUse)
        for (r, code) in [(check, Int32(64)), (hook, 2), (open, 64)] {
            #expect(r.code == code, "\(r.err)")
            #expect(r.err.contains("invalid --server URL"), "\(r.err)")
            #expect(r.err.split(separator: "\n").count == 1, "\(r.err)")
        }
        #expect(hook.err.contains("blocking Read until the hook command is fixed"), "\(hook.err)")
        #expect(open.err.contains("allowing Read (--fail-open)"), "\(open.err)")
    }

    /// The audit's repro: a hook configured with a --config file that is missing, or with a
    /// mistyped option, exited 65 or 64 before asking the server, and Claude Code let the
    /// call through while the agent's breaker was held open.
    @Test func aHookThatCannotStartBlocksAPreToolUse() async throws {
        let missing = ["hook", "claude-code", "--config", dir.path + "/no-such-config.json"]
        let typo = ["hook", "claude-code", "--fail-closd"]
        for arguments in [missing, typo] {
            let pre = try await run(arguments, stdin: Self.preToolUse)
            #expect(pre.code == 2, "\(arguments): \(pre.err)")
            #expect(pre.err.hasPrefix("driftwatch hook is misconfigured: ") && pre.err.contains("blocking Read"), "\(pre.err)")
            let post = try await run(arguments, stdin: Self.postToolUse)
            #expect(post.code == 64 && post.err.contains("PostToolUse not forwarded"), "\(arguments): \(post.err)")
        }
        #expect(try await run(missing, stdin: Self.preToolUse).err.contains("no-such-config.json"))
        #expect(try await run(typo, stdin: Self.preToolUse).err.contains("--fail-closd"))
        let open = try await run(missing + ["--fail-open"], stdin: Self.preToolUse)
        #expect(open.code == 64 && open.err.contains("allowing Read (--fail-open)"), "\(open.err)")
        // Not a hook payload at all: plain bad usage, nothing to block.
        #expect(try await run(typo, stdin: "").code == 64)
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
