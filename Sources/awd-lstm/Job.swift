@_spi(CLI) import AWDLSTM
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

    /// Stops every rank of a job of several with one line when the ranks would
    /// not train one model (`RankAgreement`): a different program (version or
    /// executable digest), setting (the model configuration and training options,
    /// each named by its `config.json` key), `--save`/`--resume`, or data (token
    /// counts, digests of the vocabulary and the tokens; the data's path may
    /// differ, as a node may keep its own copy). Call it on every rank before
    /// the trainer's first collective.
    static func requireAgreement(_ communicator: Communicator, settings: some Encodable, corpus: Corpus?,
                                 more: [(name: String, value: String)] = []) throws {
        guard communicator.size > 1 else { return }
        var facts: [(name: String, value: String)] = [("version", AWDLSTMCommand.toolVersion),
                                                      ("executable digest", RankFacts.executableDigest())]
        let object = (try? JSONSerialization.jsonObject(with: JSONFormat.encoder().encode(settings))) as? [String: Any] ?? [:]
        for key in object.keys.sorted() where key != "blas" && key != "data" {
            let value = object[key]!
            let text = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
            facts.append((key, text))
        }
        facts += more
        if let corpus { facts += RankFacts.of(corpus) }
        try RankAgreement.require(facts, communicator: communicator)
    }

    /// Leaves the job after a successful run.
    static func finish(_ communicator: Communicator) {
        (communicator as? MPICommunicator)?.finalize()
    }
}
