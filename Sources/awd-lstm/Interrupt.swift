import Foundation

/// Ctrl-C handling like the authors' script: the first SIGINT asks training to
/// stop after the current batch, or a validation or the final test after the
/// current window (`Trainer.shouldStop`; the trainer's events then say what
/// stopped, and the run exits 0); a second one exits at once. SIGTERM (sent by
/// `timeout`, `kill` and cluster schedulers before they stop a job) counts as
/// the same request, so the epoch in progress is saved as after Ctrl-C; in a
/// data-parallel job mpirun's SIGTERM keeps its own meaning (`Job`). SIGHUP
/// (the terminal was closed, an ssh session dropped) is the same request as
/// SIGTERM, in every job: the default action would end the process without
/// saving the epoch in progress. Files are
/// only ever replaced atomically, so exiting mid-write leaves the previous version intact.
final class Interrupt: @unchecked Sendable {
    nonisolated(unsafe) private static var count: Int32 = 0
    /// What a second signal (an exit at once) leaves behind and how to go on,
    /// appended to its line; set by the command before training.
    nonisolated(unsafe) static var exitNote: (() -> String)?
    private let sources: [DispatchSourceSignal]

    var requested: Bool { Interrupt.count > 0 }

    private init(sources: [DispatchSourceSignal]) { self.sources = sources }

    static func install() -> Interrupt {
        let signals = Job.handlesTermination ? [SIGINT, SIGHUP] : [SIGINT, SIGTERM, SIGHUP]
        return Interrupt(sources: signals.map { number in
            let (name, again) = switch number {
            case SIGINT: ("interrupt", "Ctrl-C again")
            case SIGHUP: ("SIGHUP", "a second signal or Ctrl-C")
            default: ("SIGTERM", "a second SIGTERM or Ctrl-C")
            }
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                // Signals that arrive together are coalesced into one event; `data` counts them.
                count += Int32(clamping: max(1, source.data))
                if count >= 2 {
                    logLine("second \(name): exiting now" + (exitNote.map { "; \($0())" } ?? ""))
                    _exit(128 + number)
                }
                logLine("\(name): stopping after this batch or evaluation window (\(again) to exit now)")
            }
            // Registration with the kernel happens later on a dispatch thread, and the signal is
            // ignored until then: wait for it, so that no signal after `install()` is lost.
            let registered = DispatchSemaphore(value: 0)
            source.setRegistrationHandler { registered.signal() }
            source.resume()
            _ = registered.wait(timeout: .now() + 2)
            return source
        })
    }
}
