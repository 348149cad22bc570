import ArgumentParser
import Foundation

/// `--threads N`: the threads the engine computes on, the caller included. The
/// same as the environment variable `AWDLSTM_THREADS`, which it sets before the
/// thread pool starts; without either, the cores this process may run on.
struct ThreadsFlag: ParsableArguments {
    @Option(help: "Threads to compute on (default: AWDLSTM_THREADS, else the cores available).") var threads: Int?

    /// Sets `AWDLSTM_THREADS` from `--threads`, or checks the one the caller set:
    /// both are refused unless a whole number of at least 1, rather than ignored.
    func apply() throws {
        if let n = threads {
            guard n >= 1 else { throw CLIError("--threads must be at least 1 (got \(n))") }
            setenv("AWDLSTM_THREADS", String(n), 1)
        } else if let value = ProcessInfo.processInfo.environment["AWDLSTM_THREADS"] {
            guard let n = Int(value), n >= 1 else {
                throw CLIError("AWDLSTM_THREADS must be a whole number of at least 1 (got '\(value)')")
            }
        }
    }
}
