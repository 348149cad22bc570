import ArgumentParser
import AWDLSTM
import Foundation

struct Pointer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pointer",
        abstract: "Evaluate with the continuous cache pointer (Grave et al. 2017; the authors' pointer.py).",
        discussion: """
        Takes pointer.py's flags: --save (the run folder; their PTB.pt is the folder train --save PTB.pt wrote), \
        --data, --bptt, --window, --theta and --lambdasm; --cuda is accepted and ignored. pointer.py scores the test \
        split; --split and --file choose other text.
        """)

    @OptionGroup var target: EvaluationTarget
    @Option(help: "Mixture weight of the cache distribution.") var lambdasm: Double = 0.1
    @Option(help: "Scale of the cache attention logits.") var theta: Double = 1.0
    @Option(help: "Number of previous positions in the cache.") var window: Int = 500
    @Option(help: "Chunk length of the evaluation pass.") var bptt: Int = 5000
    @Flag(help: "Print one JSON object with loss, ppl, bpc, tokens on stdout.") var json = false
    @OptionGroup var device: DeviceFlags

    @OptionGroup var runtime: ThreadsFlag

    func validate() throws {
        try FlagBounds.require([("--window", window), ("--bptt", bptt)])
    }

    func run() throws {
        try reportingErrors {
            try runtime.apply()
            let pointer = CachePointer(lambda: lambdasm, theta: theta, window: window, bptt: bptt)
            try checkFlags(pointer.validate, naming: ["lambda": "--lambdasm"])
            let loaded = try target.load()
            device.note()
            let (model, tokens) = (loaded.model, loaded.tokens)
            try announceBLAS()
            let start = Date()
            let progress = ProgressTask("pointer \(loaded.name)", unit: "chunks of \(bptt) tokens").handler
            let result = try pointer.evaluate(model: model, tokens: tokens, progress: progress)
            logLine(logFormat("| pointer %@ | lambdasm %g theta %g window %d | loss %5.2f | ppl %8.2f | bpc %8.3f | %d tokens scored | %.1fs",
                           loaded.name, lambdasm, theta, window, result.loss, result.ppl, result.bpc, result.scoredTokens ?? 0,
                           Date().timeIntervalSince(start)))
            // Batch size 1: one column of all the tokens.
            noteNormalisation(result, rows: tokens.count, name: loaded.name, advice: "a longer text makes the difference smaller")
            try report(result, json: json)
        }
    }
}
