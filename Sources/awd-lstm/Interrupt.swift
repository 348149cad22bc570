import Foundation

/// Ctrl-C handling like the authors' script: the first SIGINT asks training to
/// stop after the current batch (the best model is then tested and the run
/// exits 0); a second one exits at once. Files are only ever replaced
/// atomically, so exiting mid-write leaves the previous version intact.
final class Interrupt: @unchecked Sendable {
    nonisolated(unsafe) private static var count: Int32 = 0
    private let source: DispatchSourceSignal

    var requested: Bool { Interrupt.count > 0 }

    private init(source: DispatchSourceSignal) { self.source = source }

    static func install() -> Interrupt {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            // Signals that arrive together are coalesced into one event; `data` counts them.
            count += Int32(clamping: max(1, source.data))
            if count >= 2 {
                logLine("second interrupt: exiting now")
                _exit(130)
            }
            logLine("interrupt: stopping after this batch (Ctrl-C again to exit now)")
        }
        source.resume()
        return Interrupt(source: source)
    }
}
