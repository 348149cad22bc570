import ArgumentParser
import AWDLSTM
import Foundation

struct Finetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune a trained run with averaged SGD (the authors' finetune.py).",
        discussion: """
        Continues from the run's best weights with averaged SGD from the first step, saves into the same \
        folder whenever validation improves (the trained weights are kept as model.pre-finetune.safetensors), \
        stops at the non-monotone condition or the epoch limit, then evaluates test. Training flags default \
        to the run's own settings.
        """)

    @Option(help: "Run folder to fine-tune.") var checkpoint: String
    @OptionGroup var data: DataFlags
    @OptionGroup var training: TrainingFlags
    @Flag(help: "Print a JSON summary on stdout.") var json = false

    func run() throws {
        try reportingErrors {
            let folder = RunFolder(URL(fileURLWithPath: checkpoint))
            let (model, config, vocabulary) = try folder.loadModel()
            let corpus = try Corpus(folder: data.url, vocabulary: vocabulary)
            var options = config.training
            options.maxBatches = nil
            options.maxMinutes = nil
            training.apply(to: &options)
            if let problem = options.validationError() { throw CLIError(problem) }
            try announceBLAS()
            let trainer = try Trainer(finetuning: folder, model: model, corpus: corpus, options: options)
            trainer.log = logLine
            let interrupt = Interrupt.install()
            trainer.shouldStop = { interrupt.requested ? .interrupted : nil }
            let start = trainer.startingValidLoss ?? .nan
            logLine(String(format: "Fine-tuning %@ | starting valid ppl %.2f | valid bpc %.3f", folder.url.path,
                           exp(start), start / log(2.0)))
            let result = try trainer.run()
            if json {
                try printJSON(Train.Summary(save: folder.url.path, epochs: result.epochsCompleted,
                                            interrupted: result.interrupted, valid: result.bestValid, test: result.test))
            }
        }
    }
}
