import ArgumentParser
@_spi(CLI) import AWDLSTM
import Foundation

/// `--threads N`: the threads the engine computes on, the caller included. The
/// same as the environment variable `AWDLSTM_THREADS`, which it sets before the
/// thread pool starts; without either, the cores this process may run on
/// (`AvailableCores`: the CPU affinity mask and a container's CPU quota).
struct ThreadsFlag: ParsableArguments {
    @Option(help: "Threads to compute on, at most the cores available (default: AWDLSTM_THREADS, else the cores available).") var threads: Int?

    /// Sets `AWDLSTM_THREADS` from `--threads`, or checks the one the caller set:
    /// both are refused unless a whole number of at least 1, rather than ignored.
    /// `--threads` above the cores this process may use is capped to them with a
    /// note: threads beyond the cores wait for each other and run 4–10× slower.
    /// `AWDLSTM_THREADS` is taken as given (it is how a benchmark oversubscribes on purpose).
    func apply() throws {
        if let n = threads {
            guard n >= 1 else { throw CLIError("--threads must be at least 1 (got \(n))") }
            let cores = AvailableCores.count
            if n > cores {
                logLine("note: --threads \(n) is more than the \(cores) cores this process may use (CPU affinity and quota); "
                        + "computing on \(cores) threads, as more than the cores run several times slower")
            }
            setenv("AWDLSTM_THREADS", String(min(n, cores)), 1)
        } else if let value = ProcessInfo.processInfo.environment["AWDLSTM_THREADS"] {
            guard let n = Int(value), n >= 1 else {
                throw CLIError("AWDLSTM_THREADS must be a whole number of at least 1 (got '\(value)')")
            }
        }
    }
}
