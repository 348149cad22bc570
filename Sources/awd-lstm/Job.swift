import AWDLSTM
import Foundation

/// The command line's side of a data-parallel job (`mpirun -np N awd-lstm train …`):
/// joins it, names the rank in error lines, and explains an end forced by mpirun.
enum Job {
    /// "rank r of N: " in a job of several ranks, else empty; prefixes error lines.
    nonisolated(unsafe) static var errorPrefix = ""

    /// The run folder being written, named in the message printed when mpirun
    /// ends this rank because another one failed.
    nonisolated(unsafe) static var runFolder: String?

    /// This process's communicator (`SingleProcess` unless started by mpirun with
    /// more than one rank).
    static func join() throws -> Communicator {
        let communicator = try MPICommunicator.launch()
        guard communicator.size > 1 else { return communicator }
        errorPrefix = "rank \(communicator.rank) of \(communicator.size): "
        // mpirun ends the other ranks with SIGTERM when one dies or fails.
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler {
            let resume = runFolder.map { folder in
                RunFolder(URL(fileURLWithPath: folder)).exists(RunFolder(URL(fileURLWithPath: folder)).state)
                    ? "; the last checkpoint in \(folder) is intact: continue with \(ErrorMessages.resumeCommand(folder))"
                    : "; no checkpoint was written to \(folder) yet: run the same command again"
            } ?? ""
            logLine("awd-lstm: error: \(errorPrefix)ended by mpirun (another rank failed or the job was stopped)\(resume)")
            _exit(143)
        }
        source.resume()
        terminationSource = source
        return communicator
    }

    nonisolated(unsafe) private static var terminationSource: DispatchSourceSignal?

    /// Whether SIGTERM is mpirun's (a job of several ranks), not a request to stop (`Interrupt`).
    static var handlesTermination: Bool { terminationSource != nil }

    /// The error for a global batch that does not split evenly over the ranks.
    static func checkBatch(_ batchSize: Int, _ communicator: Communicator) throws {
        guard batchSize % communicator.size != 0 else { return }
        throw CLIError("--batch-size \(batchSize) does not split over \(communicator.size) ranks; use a multiple of \(communicator.size) (each rank trains on batch-size / ranks columns)")
    }

    /// Leaves the job after a successful run.
    static func finish(_ communicator: Communicator) {
        (communicator as? MPICommunicator)?.finalize()
    }
}
