#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A child process started with `posix_spawn` and reaped with `waitpid` by this code.
///
/// Foundation's `Process` on Linux learns about exits from a SIGCHLD handler; under the
/// test runner's concurrency it once missed one, and `waitUntilExit()` hung for good
/// next to an unreaped (zombie) child. Here the waiting is a plain `waitpid` on the
/// child's own pid, which cannot miss it.
final class ChildProcess: Sendable {
    let pid: pid_t
    /// The write end of the child's stdin pipe, when it has one.
    private let stdinWriter: Mutex<Int32?>
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable arguments…` in `directory` (through `/bin/sh -c 'cd … && exec …'`),
    /// stdin from `stdinPath` or a pipe (`stdinPipe`), stdout and stderr into files.
    init(_ executable: String, _ arguments: [String], in directory: String, stdinPath: String = "/dev/null",
         stdinPipe: Bool = false, stdoutPath: String = "/dev/null", stderrPath: String) throws
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if stdinPipe {
            // Close-on-exec at once (pipe2 is not in the Glibc module), so that children
            // spawned by other tests do not inherit the write end and keep stdin open.
            guard pipe(&pipeEnds) == 0 else { throw ServeTestFailure("pipe failed: errno \(errno)") }
            for fd in pipeEnds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let argv = ["/bin/sh", "-c", #"cd "$0" && exec "$@""#, directory, executable] + arguments
        var cArguments = argv.map { strdup($0) }
        cArguments.append(nil)
        defer { for p in cArguments { free(p) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, "/bin/sh", &actions, nil, cArguments, environ)
        if stdinPipe { close(pipeEnds[0]) }
        guard result == 0 else {
            if stdinPipe { close(pipeEnds[1]) }
            throw ServeTestFailure("posix_spawn failed: \(result)")
        }
        pid = child
        stdinWriter = Mutex(stdinPipe ? pipeEnds[1] : nil)
    }

    deinit {
        closeStdin()
        if isRunning {
            kill(pid, SIGKILL)
            _ = waitForExit()
        }
    }

    /// Whether the child has not exited yet (reaps it if it has).
    var isRunning: Bool {
        status.withLock { s in
            if s != nil { return false }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid { s = Self.decode(raw) }
            return s == nil
        }
    }

    /// Blocks until the child exits; its exit code, or the signal that ended it.
    @discardableResult
    func waitForExit() -> Int32 {
        if let s = status.withLock({ $0 }) { return s }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 {
            guard errno == EINTR else { return status.withLock { $0 } ?? -1 }  // reaped by `isRunning` meanwhile
        }
        let s = Self.decode(raw)
        status.withLock { $0 = s }
        return s
    }

    /// The exit code, or the terminating signal (as Foundation's `terminationStatus` does).
    var terminationStatus: Int32 { status.withLock { $0 } ?? -1 }

    func signal(_ signal: Int32) { kill(pid, signal) }

    func writeStdin(_ bytes: [UInt8]) {
        stdinWriter.withLock { fd in
            guard let fd else { return }
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
                if n <= 0 { return }
                offset += n
            }
        }
    }

    func closeStdin() {
        stdinWriter.withLock { fd in
            if let open = fd { close(open) }
            fd = nil
        }
    }

    private static func decode(_ raw: Int32) -> Int32 {
        raw & 0x7F == 0 ? (raw >> 8) & 0xFF : raw & 0x7F
    }
}
