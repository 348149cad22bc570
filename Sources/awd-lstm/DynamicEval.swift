import ArgumentParser
import AWDLSTM
import Foundation

struct DynamicEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dynamic-eval",
        abstract: "Dynamic evaluation (Krause et al. 2018, RMS with a global prior; their dynamiceval.py).",
        discussion: """
        Gradient statistics come from the training data; the run's files are never modified.

        Takes dynamiceval.py's flags: --model (the run folder; their PTB.pt is the folder train --save PTB.pt \
        wrote), --data, --val (the validation split), --lr, --lamb, --epsilon, --bptt, --batch_size and \
        --max_batches (0 or less: every batch, as their -1); --QRNN must match the run's model and --gpu is \
        accepted and ignored. Their --grid, --gridfast and --oldhyper are not implemented and are refused.
        """)

    @OptionGroup var target: EvaluationTarget
    @Option(name: .customLong("model"), help: ArgumentHelp("The run folder, dynamiceval.py's name for it (same as --checkpoint).", valueName: "dir"))
    var modelPath: String?
    @Flag(help: "Score the validation split (dynamiceval.py's --val; the same as --split valid).") var val = false
    @Option(help: "Learning rate eta.") var lr: Double = 0.00005
    @Option(help: "Decay rate lambda towards the trained weights.") var lamb: Double = 0.002
    @Option(help: "Stabilisation epsilon.") var epsilon: Double = 0.00002
    @Option(help: "Segment length (also used for the gradient statistics).") var bptt: Int = 5
    @Option(name: .customLong("batch-size"), help: "Batch size for the gradient statistics.") var batchSize: Int = 100
    @Option(name: .customLong("max-batches"), help: "Use at most this many training batches for the statistics (0 or less: all).") var maxBatches: Int?
    @Flag(name: .customLong("QRNN"), help: "dynamiceval.py's flag for a QRNN model: accepted when the run is one (the model type is read from the run).")
    var qrnn = false
    @Flag(help: "dynamiceval.py's grid search over --lr and --lamb: not implemented, refused.") var grid = false
    @Flag(help: "dynamiceval.py's grid search on part of the validation split: not implemented, refused.") var gridfast = false
    @Flag(help: "dynamiceval.py's rescaling of old hyperparameters: not implemented, refused.") var oldhyper = false
    @Flag(help: "Print one JSON object with loss, ppl, bpc, tokens on stdout.") var json = false
    @OptionGroup var device: DeviceFlags

    @OptionGroup var runtime: ThreadsFlag

    func validate() throws {
        try FlagBounds.require([("--bptt", bptt), ("--batch-size", batchSize), ("--max-batches", maxBatches)])
    }

    func run() throws {
        try reportingErrors {
            try runtime.apply()
            for (given, flag) in [(grid, "--grid"), (gridfast, "--gridfast"), (oldhyper, "--oldhyper")] where given {
                throw CLIError("\(flag) (dynamiceval.py) is not implemented: run dynamic-eval --val once for each --lr and --lamb to tune them")
            }
            var dyn = DynamicEvaluation()
            (dyn.lr, dyn.lambda, dyn.epsilon, dyn.bptt, dyn.statsBatchSize, dyn.maxStatsBatches) =
                (lr, lamb, epsilon, bptt, batchSize, maxBatches.flatMap { $0 > 0 ? $0 : nil })
            try checkFlags(dyn.validate, naming: ["lambda": "--lamb", "statsBatchSize": "--batch-size"])
            let loaded = try target.load(run: ("--model", modelPath), split: val ? ("--val", .valid) : nil, dataWithFile: true)
            if qrnn && loaded.config.model.model != .qrnn {
                throw CLIError("--QRNN: the run's model is \(loaded.config.model.model.rawValue) (config.json), not QRNN; drop --QRNN")
            }
            device.note()
            guard let corpus = loaded.corpus else { throw CLIError("--data is needed: dynamic evaluation takes its gradient statistics from the training split") }
            let model = loaded.model
            // Sizes first, before the statistics pass (minutes on PTB). Krause's gradstat() batches the
            // training split into --batch-size columns and takes windows of --bptt rows (the last one
            // shorter) while i < rows − 2, so it needs 3 rows whatever --bptt is; the scoring loop
            // likewise needs 3 tokens of text.
            let rows = corpus.train.count / batchSize
            guard rows >= 3 else {
                throw CLIError("--batch-size \(batchSize) is larger than the training split allows (\(corpus.train.count) tokens give "
                               + "\(rows) row(s) per column; the gradient statistics need at least 3): give a smaller --batch-size")
            }
            let tokens = loaded.tokens
            guard tokens.count >= 3 else { throw CLIError("\(loaded.name) has \(tokens.count) tokens; dynamic evaluation needs at least 3") }
            try announceBLAS()
            let start = Date()
            let ms = try dyn.gradientStatistics(model: model, train: corpus.train,
                                            progress: ProgressTask("gradient statistics (train)", unit: "batches").handler)
            let progress = ProgressTask("dynamic evaluation \(loaded.name)", unit: "segments").handler
            let result = try dyn.evaluate(model: model, tokens: tokens, ms: ms, progress: progress)
            logLine(logFormat("| dynamic eval %@ | lr %g lamb %g | loss %5.2f | ppl %8.2f | bpc %8.3f | %d tokens scored | %.1fs",
                           loaded.name, lr, lamb, result.loss, result.ppl, result.bpc, result.scoredTokens ?? 0,
                           Date().timeIntervalSince(start)))
            // Krause's loss is a mean per scored token: no normalisation note is needed.
            if lr > 0 && !result.loss.isFinite {
                if json { try printJSON(result) }
                throw CLIError("the loss is \(result.loss.isNaN ? "NaN" : "infinite"): the dynamic updates diverged with --lr \(lr) and "
                               + "--lamb \(lamb) (--lr 0 scores without updates); give a smaller --lr or a larger --lamb")
            }
            try report(result, json: json)
        }
    }
}
