import ArgumentParser
import Foundation

/// `--threads N`: the threads the engine computes on, the caller included. The
/// same as the environment variable `AWDLSTM_THREADS`, which it sets before the
/// thread pool starts; without either, the cores this process may run on.
struct ThreadsFlag: ParsableArguments {
    @Option(help: "Threads to compute on (default: AWDLSTM_THREADS, else the cores available).") var threads: Int?

    func apply() throws {
        guard let n = threads else { return }
        guard n >= 1 else { throw CLIError("--threads must be at least 1 (got \(n))") }
        setenv("AWDLSTM_THREADS", String(n), 1)
    }
}
