import ArgumentParser
import AWDLSTM
import Foundation

struct Finetune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune a trained run with averaged SGD (the authors' finetune.py).",
        discussion: """
        Continues from the run's best weights with averaged SGD from the first step, saves into the same \
        folder whenever validation improves (the trained weights, state and config.json are kept as \
        model.pre-finetune.safetensors, state.pre-finetune.safetensors and config.pre-finetune.json), stops at the \
        non-monotone condition or the epoch limit, then evaluates test. The command prints which values it uses and \
        where each comes from; config.json records them with the first state saved, so that \
        `train --resume DIR` continues an interrupted fine-tuning with them.

        Of the authors' finetune.py flags it uses --data (a folder other than the run's only with --new-data, \
        which config.json records), --save (the run folder), --lr, --clip, --epochs, \
        --batch-size, --bptt, --seed, --nonmono, --log-interval, --alpha, --beta and --wdecay, each defaulting \
        to the run's value (config.json), not to finetune.py's defaults. Its model flags (--model, --emsize, \
        --nhid, --nlayers, --dropout, --dropouth, --dropouti, --dropoute, --wdrop) must equal the run's, since \
        the model is the run's; --tied and --cuda are accepted and change nothing. main.py's --optimizer and \
        --when do not apply to fine-tuning and are refused.
        """)

    @Option(name: [.customLong("checkpoint"), .customLong("save")],
            help: "Run folder to fine-tune; --save is the authors' name.") var checkpoint: String
    @OptionGroup var data: DataFlags
    @OptionGroup var model: ModelFlags<FinetuneDefaults>
    @OptionGroup var training: TrainingFlags<FinetuneDefaults>
    @OptionGroup var authors: AuthorsFlags
    @Flag(name: .customLong("new-data"),
          help: "Fine-tune on another --data folder than the run's (its words must be in the run's vocabulary); config.json records the change.")
    var newData = false
    @Flag(help: "Print a JSON summary on stdout.") var json = false
    @Flag(name: .customLong("no-test"),
          help: "Skip the final test of the best model (the authors always run it; evaluate --split test runs it later).")
    var noTest = false

    @OptionGroup var runtime: ThreadsFlag

    func run() throws {
        try reportingErrors {
            try runtime.apply()
            if let o = training.optimizer {
                throw CLIError("--optimizer \(o.rawValue): fine-tuning always uses averaged SGD (the authors' finetune.py); drop it")
            }
            if !training.when.isEmpty { throw CLIError("--when: fine-tuning never divides the learning rate; drop it") }
            let folder = try runFolder(checkpoint, flag: "--checkpoint")
            let (network, config, vocabulary) = try folder.loadModel()
            let conflicts = model.conflicts(with: config.model)
            if !conflicts.isEmpty { throw FlagConflict.error(conflicts, "fine-tuning continues the run's model (drop the model flags or give its values)") }
            // As with `train --resume DIR`: other data is a choice to make explicitly and to record.
            let otherData = try data.isOther(than: config.data, newData: newData, toDo: "fine-tune")
            let corpus = try data.corpus(vocabulary: vocabulary, wayOut: """
                fine-tuning keeps the run's vocabulary (finetune has no --remap-vocab); start a run on this data from the \
                weights first, `awd-lstm train --resume \(shellWord(folder.model.path)) --data \(shellWord(data.data)) --remap-vocab --save NEW` \
                (shared words keep their rows), then fine-tune NEW
                """)
            var options = config.training
            options.maxBatches = nil
            options.maxMinutes = nil
            training.apply(to: &options)
            try options.validate(for: corpus, testing: !noTest)
            authors.note()
            logLine(describe(options))
            try announceBLAS()
            noteFolderNamedPt(checkpoint, flag: "--save")
            try folder.lockForWriting()
            // Installed first: Ctrl-C during the starting validation (in the trainer's set-up) ends the command below.
            let interrupt = Interrupt.install()
            let trainer = try Trainer(finetuning: folder, model: network, corpus: corpus, options: options,
                                      newData: otherData || config.data == nil ? data.recordedPath : nil)
            if interrupt.requested {
                logLine("Fine-tuning stopped before its first batch: \(folder.url.path) is as it was (config.json, model and state "
                        + "untouched; model.pre-finetune.safetensors is a copy of the model)")
                throw ExitCode(130)
            }
            if otherData {
                logLine("Fine-tuning on new data \(data.data) (was \(config.data!)); recorded in config.json with the first saved state")
            }
            trainer.shouldStop = { interrupt.requested ? .interrupted : nil }
            trainer.testAtEnd = !noTest
            if let start = trainer.startingValidation {
                logLine(logFormat( "Fine-tuning %@ | starting valid ppl %.2f | valid bpc %.3f", folder.url.path, start.ppl, start.bpc))
            }
            let outcome = try TrainingOutcome.run(trainer, logging: true, json: json)
            if json { try printJSON(outcome) }
        }
    }

    /// The settings in use, the given ones apart from the run's.
    func describe(_ o: TrainingOptions) -> String {
        let t = training
        let settings: [(String, String, Bool)] = [
            ("lr", "\(o.lr)", t.lr != nil), ("clip", "\(o.clip)", t.clip != nil), ("epochs", "\(o.epochs)", t.epochs != nil),
            ("batch_size", "\(o.batchSize)", t.batchSize != nil), ("bptt", "\(o.bptt)", t.bptt != nil),
            ("seed", "\(o.seed)", t.seed != nil), ("nonmono", "\(o.nonmono)", t.nonmono != nil),
            ("alpha", "\(o.alpha)", t.alpha != nil), ("beta", "\(o.beta)", t.beta != nil), ("wdecay", "\(o.wdecay)", t.wdecay != nil),
            ("log_interval", "\(o.logInterval)", t.logInterval != nil)]
        func list(_ given: Bool) -> String {
            settings.filter { $0.2 == given }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
        }
        let given = list(true), run = list(false)
        return "Fine-tuning settings: " + (given.isEmpty ? "" : "\(given) (given); ") + "\(run) (the run's)"
    }
}
