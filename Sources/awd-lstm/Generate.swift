import ArgumentParser
import AWDLSTM
import Foundation

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample text from a trained model (the authors' generate.py).")

    @Option(help: "Run folder.") var checkpoint: String
    @Option(help: "Number of words to generate.") var words: Int = 1000
    @Option(help: "Temperature; higher is more diverse.") var temperature: Double = 1.0
    @Option(help: "Random seed.") var seed: UInt64 = 1111
    @Option(help: "Text to condition on (unknown words become <unk>).") var prompt: String?
    @Option(help: "Write to this file instead of stdout.") var out: String?

    @OptionGroup var runtime: ThreadsFlag

    func run() throws {
        try reportingErrors {
            try runtime.apply()
            guard words >= 1 else { throw CLIError("--words must be at least 1 (got \(words))") }
            try Generator(temperature: temperature, seed: seed).validate()
            let (model, _, vocabulary) = try RunFolder(URL(fileURLWithPath: checkpoint)).loadModel()
            let promptIds = try prompt.map { try Generator.encode($0, vocabulary: vocabulary) } ?? []
            if prompt != nil && promptIds.isEmpty { throw CLIError("--prompt has no words") }
            try announceBLAS()
            let ids = try Generator(temperature: temperature, seed: seed).sample(model: model, prompt: promptIds, count: words,
                                                                             progress: ProgressTask("generate", unit: "words").handler)
            let text = Generator.text(ids, vocabulary: vocabulary)
            if let out {
                try AtomicFile.write(text, to: URL(fileURLWithPath: out))
                logLine("wrote \(words) words to \(out)")
            } else {
                print(text, terminator: "")
            }
        }
    }
}
