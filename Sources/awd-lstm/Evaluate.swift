import ArgumentParser
import AWDLSTM
import Foundation

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a trained run folder on a split (fixed windows, the authors' normalisation).")

    @OptionGroup var target: EvaluationTarget
    @Option(name: .customLong("batch-size"), help: "Evaluation batch size (default 10 for valid, 1 for test).") var batchSize: Int?
    @Option(help: "Window length (default: the run's bptt).") var bptt: Int?
    @Flag(help: "Print one JSON object with loss, ppl, bpc, tokens, scored_tokens, per_token_loss on stdout.") var json = false
    @Flag(name: .customLong("score-first-word"), help: """
        With --file: start the text from the vocabulary's start token (<eos>; fastai's xxbos, which each line \
        already starts with) so that its first word is scored too; per_token_loss is then the mean -log p of every \
        word, as the inference API's score and serve's /score give it.
        """) var scoreFirstWord = false
    @OptionGroup var device: DeviceFlags

    @OptionGroup var runtime: ThreadsFlag

    func validate() throws {
        try FlagBounds.require([("--batch-size", batchSize), ("--bptt", bptt)])
    }

    func run() throws {
        try reportingErrors {
            try runtime.apply()
            if scoreFirstWord && target.file == nil { throw CLIError("--score-first-word applies to --file; give --file FILE") }
            let loaded = try target.load(startingFromStartToken: scoreFirstWord)
            device.note()
            let b = batchSize ?? loaded.defaultBatchSize
            let window = bptt ?? loaded.config.training.bptt
            guard b >= 1 else { throw CLIError("--batch-size must be at least 1 (got \(b))") }
            guard window >= 1 else { throw CLIError("--bptt must be at least 1 (got \(window))") }
            let tokens = loaded.tokens
            guard tokens.count / b >= 2 else {
                throw CLIError("--batch-size \(b) is larger than the \(loaded.name) data allows (\(tokens.count) tokens)")
            }
            try announceBLAS()
            let data = try BatchedTokens(tokens, batchSize: b)
            let start = Date()
            let result = try Evaluator.evaluate(model: loaded.model, data: data, bptt: window,
                                                progress: ProgressTask("evaluate \(loaded.name)", unit: "windows").handler)
            let seconds = Date().timeIntervalSince(start)
            logLine(logFormat("| %@ | loss %5.2f | ppl %8.2f | bpc %8.3f | %d tokens scored | %.1fs, %.0f tokens/s",
                           loaded.name, result.loss, result.ppl, result.bpc, result.scoredTokens ?? 0, seconds,
                           Double(tokens.count) / seconds))
            noteNormalisation(result, rows: data.rows, name: loaded.name,
                              advice: b > 1 ? "a smaller --batch-size (now \(b)) gives more rows" : "a longer text makes the difference smaller")
            try report(result, json: json)
        }
    }
}
