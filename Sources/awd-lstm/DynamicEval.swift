import ArgumentParser
import AWDLSTM
import Foundation

struct DynamicEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dynamic-eval",
        abstract: "Dynamic evaluation (Krause et al. 2018, RMS with a global prior; their dynamiceval.py).",
        discussion: "Gradient statistics come from the training data; the run's files are never modified.")

    @OptionGroup var target: EvaluationTarget
    @Option(help: "Learning rate eta.") var lr: Double = 0.00005
    @Option(help: "Decay rate lambda towards the trained weights.") var lamb: Double = 0.002
    @Option(help: "Stabilisation epsilon.") var epsilon: Double = 0.00002
    @Option(help: "Segment length (also used for the gradient statistics).") var bptt: Int = 5
    @Option(name: .customLong("batch-size"), help: "Batch size for the gradient statistics.") var batchSize: Int = 100
    @Option(name: .customLong("max-batches"), help: "Use at most this many training batches for the statistics.") var maxBatches: Int?
    @Flag(help: "Print one JSON object with loss, ppl, bpc, tokens on stdout.") var json = false

    @OptionGroup var runtime: ThreadsFlag

    func run() throws {
        try reportingErrors {
            try runtime.apply()
            guard bptt >= 1 else { throw CLIError("--bptt must be at least 1 (got \(bptt))") }
            guard batchSize >= 1 else { throw CLIError("--batch-size must be at least 1 (got \(batchSize))") }
            guard lr >= 0, lamb >= 0, epsilon > 0 else { throw CLIError("--lr and --lamb must be non-negative and --epsilon positive") }
            if let m = maxBatches, m < 1 { throw CLIError("--max-batches must be at least 1 (got \(m))") }
            let loaded = try target.load()
            guard let corpus = loaded.corpus else { throw CLIError("--data is needed: dynamic evaluation takes its gradient statistics from the training split") }
            let model = loaded.model
            guard corpus.train.count / batchSize > bptt + 1 else {
                throw CLIError("--batch-size \(batchSize) is larger than the training data allows")
            }
            try announceBLAS()
            var dyn = DynamicEvaluation()
            (dyn.lr, dyn.lambda, dyn.epsilon, dyn.bptt, dyn.statsBatchSize, dyn.maxStatsBatches) =
                (lr, lamb, epsilon, bptt, batchSize, maxBatches)
            let start = Date()
            let ms = try dyn.gradientStatistics(model: model, train: corpus.train,
                                            progress: ProgressTask("gradient statistics (train)", unit: "batches").handler)
            let tokens = loaded.tokens
            // The authors' loop scores segments while i < rows − 2.
            guard tokens.count >= 3 else { throw CLIError("\(loaded.name) has \(tokens.count) tokens; dynamic evaluation needs at least 3") }
            let progress = ProgressTask("dynamic evaluation \(loaded.name)", unit: "segments").handler
            let result = EvaluationResult(loss: try dyn.loss(model: model, tokens: tokens, ms: ms, progress: progress), tokens: tokens.count)
            logLine(logFormat("| dynamic eval %@ | lr %g lamb %g | loss %5.2f | ppl %8.2f | bpc %8.3f | %.1fs",
                           loaded.name, lr, lamb, result.loss, result.ppl, result.bpc, Date().timeIntervalSince(start)))
            try report(result, json: json)
        }
    }
}
