#if canImport(Glibc)
@preconcurrency import Glibc  // stdout and stderr are C globals
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif
import Foundation

/// The command's stdout and stderr as C streams, whose failures are reported
/// or ignored but never trap (`FileHandle.write` traps on a full disk or
/// `2>/dev/full`).
enum StandardStreams {
    /// A pipe whose reader has exited (`… 2>&1 | head -3`, a `tee` that died)
    /// kills a process that writes to it with SIGPIPE unless the signal is
    /// ignored; ignored, the write fails with EPIPE instead. On stderr that is
    /// "stderr unwritable, carry on" (`writeError`): training still saves its
    /// model and state and `--json` still prints. On stdout it is output lost,
    /// reported at exit (`requireOutputWritten`) with exit status 1.
    static func ignoreClosedPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// Writes `text` to stderr; a failure is ignored, as there is nowhere left to report it.
    static func writeError(_ text: String) {
        fputs(text, stderr)
    }

    /// Registered with `atexit`: flushes stdout and turns a failed write
    /// (`> /dev/full`, a full disk) into one error line and exit status 1, as
    /// Python does, so that lost output never ends in exit status 0.
    static let requireOutputWritten: @convention(c) () -> Void = {
        let flushed = fflush(stdout) == 0
        let reason = flushed ? nil : String(cString: strerror(errno))
        guard !flushed || ferror(stdout) != 0 else { return }
        logLine("awd-lstm: error: \(Job.errorPrefix)cannot write the output to stdout" + (reason.map { ": \($0)" } ?? ""))
        _exit(1)
    }
}
