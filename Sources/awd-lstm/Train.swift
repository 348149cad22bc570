import ArgumentParser
import AWDLSTM
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train an AWD-LSTM (the authors' main.py).",
        discussion: """
        Writes a run folder (--save): model.safetensors (best weights, PyTorch names), config.json, \
        vocab.txt, metrics.jsonl and state.safetensors (resumable). Logs go to stderr; --json prints \
        a summary object on stdout at the end.

        With --resume DIR the run continues as it was configured: flags equal to the saved ones are \
        accepted, and only \(TrainingFlags<MainDefaults>.changeableOnResume) may change.
        """)

    @OptionGroup var data: DataFlags
    @OptionGroup var model: ModelFlags<MainDefaults>
    @OptionGroup var training: TrainingFlags<MainDefaults>
    @OptionGroup var authors: AuthorsFlags
    @Option(help: "Run folder to write (default runs/<date-time>); a name ending in .pt (the authors' file) names the folder.")
    var save: String?
    @Option(help: "A run folder to continue exactly, or a .safetensors file to start from with a fresh optimiser; empty (the authors' default '') for none.")
    var resume: String?
    @OptionGroup var vocabulary: VocabularyFlags
    @Flag(name: .customLong("new-data"),
          help: "With --resume DIR: continue the run on another --data folder (its words must be in the run's vocabulary); config.json records the change.")
    var newData = false
    @Flag(help: "Print a JSON summary on stdout.") var json = false
    @Flag(name: .customLong("no-test"),
          help: "Skip the final test of the best model (the authors always run it; evaluate --split test runs it later).")
    var noTest = false
    @Option(help: """
        The tokenizer the corpus was made with, recorded in config.json so that raw text (evaluate --file, generate \
        --prompt, serve) is read as the corpus was: none (words split on whitespace: PTB, WikiText) or fastai (a corpus \
        written by awd-lstm tokenize). Default none; a resumed run keeps its own.
        """)
    var tokenizer: TextTokenizer?

    @OptionGroup var runtime: ThreadsFlag

    func run() throws {
        try reportingErrors(dataParallel: true) {
            try runtime.apply()
            let communicator = try Job.join()
            let summary = try train(communicator)
            if json && communicator.isRoot { try printJSON(summary) }
            Job.finish(communicator)
        }
    }

    func train(_ communicator: Communicator) throws -> TrainingOutcome {
        // An empty --resume is no resume, as the authors' `if args.resume:` reads their default ''.
        let resumeURL = resume.flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        var isDir: ObjCBool = false
        let resumeRun = resumeURL.map { FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDir) && isDir.boolValue } ?? false
        if let r = resumeURL, !FileManager.default.fileExists(atPath: r.path) {
            throw CLIError("--resume \(r.path): no such file or folder")
        }
        if vocabulary.given && (resumeURL == nil || resumeRun) {
            throw CLIError("--vocab and --remap-vocab go with --resume FILE.safetensors (a run folder keeps its vocabulary)")
        }
        if newData && !resumeRun { throw CLIError("--new-data goes with --resume DIR") }

        let trainer: Trainer
        let folder: RunFolder
        if resumeRun, let r = resumeURL {
            // Continue a run exactly: its configuration, vocabulary and state.
            folder = RunFolder(r)
            if let s = save, URL(fileURLWithPath: s).standardizedFileURL != r.standardizedFileURL {
                throw CLIError("--resume DIR continues in DIR; --save must be omitted or the same folder")
            }
            let saved = try folder.readConfig()
            if let tokenizer, tokenizer != saved.tokenizer {
                throw CLIError("--tokenizer \(tokenizer.rawValue): the run's corpus was made with \(saved.tokenizer.rawValue) "
                               + "(config.json); drop --tokenizer or give that")
            }
            // Every other file the folder needs, before the data is read.
            try folder.requireResumable()
            let otherData = try data.isOther(than: saved.data, newData: newData, toDo: "continue the run")
            let conflicts = model.conflicts(with: saved.model) + training.conflicts(with: saved.training)
            if !conflicts.isEmpty {
                throw FlagConflict.error(conflicts, "--resume DIR continues the run as configured: only "
                                         + "\(TrainingFlags<MainDefaults>.changeableOnResume) may change (drop the others or give the run's values)")
            }
            // vocab.txt is checked as every command checks it (its size is the model's), and
            // against the run's own data, whose vocabulary it was built as.
            let (_, vocabulary) = try folder.readConfigAndVocabulary()
            let corpus: Corpus
            if !otherData && saved.dataHistory.isEmpty {
                corpus = try loadCorpus(data.url)
                try requireSameWords(folder, vocabulary, data: corpus.vocabulary)
            } else {
                corpus = try data.corpus(vocabulary: vocabulary, wayOut: """
                    a run folder keeps its vocabulary, so --remap-vocab does not apply to --resume DIR; start a new run from \
                    its weights instead: `awd-lstm train --resume \(shellWord(folder.model.path)) --data \(shellWord(data.data)) --remap-vocab \
                    --save NEW` (shared words keep their rows; give the model and training flags you want, as for any new run)
                    """)
            }
            var options = saved.training
            training.apply(to: &options)
            try training.refuseUnused(with: options)
            try options.validate(for: corpus, testing: !noTest)
            try Job.checkBatch(options.batchSize, communicator)
            try Job.requireAgreement(communicator, settings: RunConfig(model: saved.model, training: options, data: nil), corpus: corpus,
                                     more: [("--resume", r.path)])
            var rng = RandomSource(seed: 0)
            let m = try AWDLSTMModel(config: saved.model, rng: &rng)
            if communicator.isRoot { try folder.lockForWriting() }
            trainer = try Trainer(resuming: folder, model: m, corpus: corpus, options: options, lrOverride: training.lr,
                                  newData: otherData || saved.data == nil ? data.recordedPath : nil, communicator: communicator)
            if communicator.isRoot {
                try announceBLAS()
                logLine("Resuming \(folder.url.path)")
                if otherData {
                    logLine("Continuing on new data \(data.data) (was \(saved.data!)); recorded in config.json with the next saved state")
                }
            }
        } else {
            if let save { try OutputPath.checkRunFolder(save, flag: "--save") }
            var options = TrainingOptions()
            training.apply(to: &options)
            try training.refuseUnused(with: options)
            try options.validate()
            try Job.checkBatch(options.batchSize, communicator)
            // Weights are checked (shapes, finite values) before the data is read.
            let imported = try resumeURL.map { try CheckpointImport(contentsOf: $0, format: .salesforce, splits: model.splits?.values) }
            let corpus = try loadCorpus(data.url)
            var start: CheckpointImport?
            var remap: VocabularyRemap?
            if let r = resumeURL, let imported {
                let words = try vocabulary.words(beside: r.deletingLastPathComponent().appendingPathComponent("vocab.txt"))
                remap = try vocabulary.match(imported, words: words, data: corpus.vocabulary, dataSource: data.data)
                start = imported
            }
            var base = start?.config
            if remap != nil { base?.splits = model.splits?.values ?? ModelConfig.defaultSplits(vocabSize: corpus.vocabulary.count) }
            let config = model.config(vocabSize: corpus.vocabulary.count, base: base)
            try config.validate()
            try options.validate(for: corpus, testing: !noTest)
            try Job.requireAgreement(communicator, settings: RunConfig(model: config, training: options, data: nil), corpus: corpus,
                                     more: [("--save", save ?? ""), ("--resume", resume ?? "")])
            var rng = RandomSource(seed: options.seed)
            var m = try AWDLSTMModel(config: config, rng: &rng)
            if let start, let remap {
                m = try start.makeModel().remapped(to: config, remap)
            } else if let start {
                try m.loadWeights(from: start.file, source: start.source)
            }
            _ = try BLAS.prepare()  // a BLAS that fails its check stops the run before any folder is made
            if save == nil && communicator.isRoot {
                folder = try RunFolder.createNew(under: URL(fileURLWithPath: "runs"))
                logLine("Run folder: \(folder.url.path)")
            } else {
                folder = RunFolder(URL(fileURLWithPath: save ?? "runs/unnamed"))
            }
            if let s = save { noteFolderNamedPt(s, flag: "--save") }
            if communicator.isRoot { try folder.lockForWriting() }
            try refuseOverwrite(folder)
            trainer = try Trainer(model: m, corpus: corpus, options: options, folder: folder, dataPath: data.recordedPath,
                                  tokenizer: tokenizer ?? .none, communicator: communicator)
            if communicator.isRoot {
                try announceBLAS()
                logLine("Args: \(describe(config, options)) | vocabulary \(corpus.vocabulary.count) | train tokens \(corpus.train.count)")
                logLine("Model total parameters: \(m.layout.entries.reduce(0) { $0 + $1.count })")
                if let remap { logLine(remap.summary) }
                if corpus.vocabulary.isCharacterLevel {
                    logLine("Character-level corpus (\(corpus.vocabulary.count) symbols): bpc = loss / ln 2 is the figure to read")
                }
            }
        }
        if communicator.isRoot {  // only rank 0 logs
            if communicator.size > 1 {
                logLine("Data-parallel: \(communicator.size) ranks of \(trainer.options.batchSize / communicator.size) batch columns each")
            }
            authors.note()
        }
        Job.runFolder = folder.url.path
        let interrupt = Interrupt.install()
        trainer.shouldStop = { interrupt.requested ? .interrupted : nil }
        trainer.testAtEnd = !noTest
        if communicator.isRoot, let interval = trainer.options.checkpointInterval {
            // A hard stop (a second Ctrl-C, kill -9, a closed laptop) loses at most this much training.
            Interrupt.exitNote = {
                let every = "every epoch end and every \(formatMinutes(interval / 60)) of training, --checkpoint-minutes"
                return folder.exists(folder.state)
                    ? "\(folder.url.path)/state.safetensors keeps the run as of its last save (\(every)); continue with "
                        + ErrorMessages.resumeCommand(folder.url.path)
                    : "no state was saved yet (\(every)), so the run starts again"
            }
            logLine("The resumable state is written every \(formatMinutes(interval / 60)) of training and at every epoch end "
                    + "(--checkpoint-minutes), so a hard stop loses at most that")
        }
        return try TrainingOutcome.run(trainer, logging: communicator.isRoot, json: json && communicator.isRoot)
    }

    /// Refuses a `--save` folder that already holds a model or a training state,
    /// with the way on that works for what it holds: a run (state.safetensors)
    /// is resumed; weights alone (an import, a fine-tuned or copied model) are
    /// fine-tuned or started from.
    func refuseOverwrite(_ folder: RunFolder) throws {
        let path = folder.url.path
        if folder.exists(folder.state) {
            throw CLIError("\(path) already holds a training run; continue it with \(ErrorMessages.resumeCommand(path)), or choose another --save")
        }
        if folder.exists(folder.model) {
            // finetune refuses data other than the folder's (config.json) unless told.
            let saved = (try? folder.readConfig())?.data
            let dataFlag = saved.map { data.names($0) } == true ? "" : " --new-data"
            throw CLIError("\(path) already holds a model (model.safetensors, without a training state to resume); fine-tune it with "
                           + "`awd-lstm finetune --checkpoint \(shellWord(path)) --data \(shellWord(data.data))\(dataFlag)`, start a new run from its weights with "
                           + "`awd-lstm train --resume \(shellWord(path + "/model.safetensors")) --data \(shellWord(data.data)) --save NEW`, or choose another --save")
        }
    }

    /// Refuses a run folder whose `vocab.txt` is not the vocabulary of the run's
    /// data (built in the authors' order): its rows would give every embedding row another word.
    func requireSameWords(_ folder: RunFolder, _ words: Vocabulary, data dataWords: Vocabulary) throws {
        guard words != dataWords else { return }
        let path = folder.vocabulary.path
        let row = zip(words.words, dataWords.words).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        let difference = row.map { "row \($0 + 1) is \"\(words.words[$0])\" where the data's vocabulary has \"\(dataWords.words[$0])\"" }
            ?? "it has \(words.count) words, the data's vocabulary \(dataWords.count)"
        throw CLIError("\(path) is not the vocabulary of the run's data \(data.data) (built in the authors' order: train, valid, test, "
                       + "first appearance): \(difference); vocab.txt or the data has changed since the run began")
    }

    func describe(_ c: ModelConfig, _ o: TrainingOptions) -> String {
        "model \(c.model.rawValue) emsize \(c.emsize) nhid \(c.nhid) nlayers \(c.nlayers) dropout \(c.dropout) dropouth \(c.dropouth) "
            + "dropouti \(c.dropouti) dropoute \(c.dropoute) wdrop \(c.wdrop) lr \(o.lr) clip \(o.clip) "
            + "splits \(c.splitsDescription) "
            + "epochs \(o.epochs) batch_size \(o.batchSize) bptt \(o.bptt) seed \(o.seed) optimizer \(o.optimizer.rawValue)"
    }

}
