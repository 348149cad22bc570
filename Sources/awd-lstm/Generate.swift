import ArgumentParser
@_spi(CLI) import AWDLSTM
import Foundation

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample text from a trained model (the authors' generate.py).",
        discussion: """
        Takes generate.py's flags: --checkpoint (the run folder; their model.pt is the folder train --save model.pt \
        wrote), --outf (the same as --out; without either the words go to stdout, not to generated.txt), --words, \
        --seed, --temperature and --log-interval. Their --data is not needed (the words come from the run's vocab.txt); \
        when given, its vocabulary must be the run's. Their --model must name the run's model type. --cuda and \
        --no-cuda are accepted and ignored.
        """)

    @Option(help: "Run folder (the authors' model.pt is the folder train --save model.pt wrote).") var checkpoint: String
    @Option(help: "Number of words to generate.") var words: Int = 1000
    @Option(help: "Temperature; higher is more diverse.") var temperature: Double = 1.0
    @Option(help: "Random seed.") var seed: UInt64 = 1111
    @Option(help: """
        Text to condition on, read like evaluate --file (through the run's tokenizer): unknown words become <unk> \
        (or xxunk), counted; with fastai's word lists it starts with xxbos.
        """) var prompt: String?
    @Option(name: [.customLong("out"), .customLong("outf")], help: "Write the words to this file (replaced atomically; a FIFO, a device or /dev/stdout is written through) instead of stdout; --outf is the authors' name.")
    var out: String?
    @Option(name: .customLong("log-interval"), help: "Also log '| Generated N/M words' every N words (generate.py's reporting interval).")
    var logInterval: Int?
    @Option(help: "generate.py's corpus folder: not needed; when given, its vocabulary must be the run's.") var data: String?
    @Option(help: "generate.py's model type (LSTM, QRNN): must be the run's.") var model: RNNType?
    @OptionGroup var device: DeviceFlags

    @OptionGroup var runtime: ThreadsFlag

    func validate() throws {
        try FlagBounds.require([("--words", words)], atMost: FlagBounds.words)
        try FlagBounds.require([("--log-interval", logInterval)])
    }

    func run() throws {
        try reportingErrors {
            try runtime.apply()
            if let out { try OutputPath.check(out, flag: "--out") }
            guard words >= 1 else { throw CLIError("--words must be at least 1 (got \(words))") }
            if let n = logInterval, n < 1 { throw CLIError("--log-interval must be at least 1 (got \(n))") }
            try Generator(temperature: temperature, seed: seed).validate()
            let (network, config, vocabulary) = try runFolder(checkpoint, flag: "--checkpoint").loadModel()
            if let model, model != config.model.model {
                throw CLIError("--model \(model.rawValue) differs from the run's \(config.model.model.rawValue) (config.json); drop --model")
            }
            if let data {
                let words = try loadCorpus(URL(fileURLWithPath: data)).vocabulary
                guard words == vocabulary else {
                    throw CLIError("--data \(data): its vocabulary (\(words.count) words) is not the run's vocab.txt (\(vocabulary.count) words); "
                                   + "the words come from the run folder, so drop --data")
                }
            }
            device.note()
            var promptIds: [Int32] = []
            if let prompt {
                let (ids, unknown) = try config.tokenizer.encode(prompt, vocabulary: vocabulary)
                guard !ids.isEmpty else { throw CLIError("--prompt has no words") }
                if unknown > 0, let unk = vocabulary.unknownWord {
                    logLine("prompt: \(unknown) of \(ids.count) tokens are outside the vocabulary and read as \(unk)")
                }
                promptIds = ids
            }
            try announceBLAS()
            let display = ProgressTask("generate", unit: "words").handler
            let ids = try Generator(temperature: temperature, seed: seed).sample(model: network, prompt: promptIds, count: words) { done, total in
                display(done, total)
                if let n = logInterval, done % n == 0 { logLine("| Generated \(done)/\(total) words") }
            }
            let text = try Generator.text(ids, vocabulary: vocabulary)
            if let out {
                try AtomicFile.write(text, to: URL(fileURLWithPath: out))
                logLine("wrote \(words) words to \(out)")
            } else {
                print(text, terminator: "")
            }
        }
    }
}
