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
    @Option(help: "A run folder to continue exactly, or a .safetensors file to start from with a fresh optimiser.")
    var resume: String?
    @Flag(help: "Print a JSON summary on stdout.") var json = false

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

    struct Summary: Encodable {
        var save: String
        var epochs: Int
        var interrupted: Bool
        var valid: EvaluationResult?
        var test: EvaluationResult?
    }

    func train(_ communicator: Communicator) throws -> Summary {
        let resumeURL = resume.map { URL(fileURLWithPath: $0) }
        var isDir: ObjCBool = false
        let resumeRun = resumeURL.map { FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDir) && isDir.boolValue } ?? false
        if let r = resumeURL, !FileManager.default.fileExists(atPath: r.path) {
            throw CLIError("--resume \(r.path): no such file or folder")
        }

        let trainer: Trainer
        let folder: RunFolder
        if resumeRun, let r = resumeURL {
            // Continue a run exactly: its configuration, vocabulary and state.
            folder = RunFolder(r)
            if let s = save, URL(fileURLWithPath: s).standardizedFileURL != r.standardizedFileURL {
                throw CLIError("--resume DIR continues in DIR; --save must be omitted or the same folder")
            }
            let saved = try folder.readConfig()
            let conflicts = model.conflicts(with: saved.model) + training.conflicts(with: saved.training)
            if !conflicts.isEmpty {
                throw FlagConflict.error(conflicts, "--resume DIR continues the run as configured: only "
                                         + "\(TrainingFlags<MainDefaults>.changeableOnResume) may change (drop the others or give the run's values)")
            }
            let vocabulary = try folder.readVocabulary()
            let corpus = try loadCorpus(vocabulary: vocabulary)
            var options = saved.training
            training.apply(to: &options)
            try options.validate()
            try Job.checkBatch(options.batchSize, communicator)
            var rng = RandomSource(seed: 0)
            let m = AWDLSTMModel(config: saved.model, rng: &rng)
            if communicator.isRoot { try folder.lockForWriting() }
            trainer = try Trainer(resuming: folder, model: m, corpus: corpus, options: options, lrOverride: training.lr,
                                  communicator: communicator)
            if communicator.isRoot {
                try announceBLAS()
                logLine("Resuming \(folder.url.path)")
            }
        } else {
            var options = TrainingOptions()
            training.apply(to: &options)
            try options.validate()
            try Job.checkBatch(options.batchSize, communicator)
            let corpus = try Corpus(folder: data.url)
            var startWeights: SafeTensors?
            var base: ModelConfig?
            if let r = resumeURL {
                let file = try SafeTensors(contentsOf: r)
                base = try ModelConfig.inferred(from: file, source: r.path, splits: model.splits?.values)
                guard base!.vocabSize == corpus.vocabulary.count else {
                    throw CLIError("\(r.path): vocabulary of \(base!.vocabSize) words, but \(data.data) has \(corpus.vocabulary.count)")
                }
                try checkWordsMatch(weights: r, corpus.vocabulary)
                startWeights = file
            }
            let config = model.config(vocabSize: corpus.vocabulary.count, base: base)
            try config.validate()
            try checkFits(corpus: corpus, options: options)
            var rng = RandomSource(seed: options.seed)
            let m = AWDLSTMModel(config: config, rng: &rng)
            if let file = startWeights, let r = resumeURL { try m.loadWeights(from: file, source: r.path) }
            _ = try BLAS.prepare()  // a BLAS that fails its check stops the run before any folder is made
            if save == nil && communicator.isRoot {
                folder = try RunFolder.createNew(under: URL(fileURLWithPath: "runs"))
                logLine("Run folder: \(folder.url.path)")
            } else {
                folder = RunFolder(URL(fileURLWithPath: save ?? "runs/unnamed"))
            }
            if let s = save, s.hasSuffix(".pt") {
                logLine("--save \(s): writing the run folder \(s)/ (model.safetensors, config.json, vocab.txt, metrics.jsonl, state.safetensors), not one .pt file")
            }
            if communicator.isRoot { try folder.lockForWriting() }
            if folder.exists(folder.model) || folder.exists(folder.state) {
                throw CLIError("\(folder.url.path) already holds a training run; continue it with `awd-lstm train --resume \(folder.url.path) --data \(data.data)`, or choose another --save")
            }
            trainer = try Trainer(model: m, corpus: corpus, options: options, folder: folder, dataPath: data.data,
                                  communicator: communicator)
            if communicator.isRoot {
                try announceBLAS()
                logLine("Args: \(describe(config, options)) | vocabulary \(corpus.vocabulary.count) | train tokens \(corpus.train.count)")
                logLine("Model total parameters: \(m.layout.entries.reduce(0) { $0 + $1.count })")
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
            trainer.log = logLine
            if isatty(2) != 0 { trainer.progress = { FileHandle.standardError.write(Data("\r\u{1B}[K\($0)".utf8)) } }
        }
        Job.runFolder = folder.url.path
        let interrupt = Interrupt.install()
        trainer.shouldStop = { interrupt.requested ? .interrupted : nil }
        let result = try trainer.run()
        return Summary(save: folder.url.path, epochs: result.epochsCompleted, interrupted: result.interrupted,
                       valid: result.bestValid, test: result.test)
    }

    func loadCorpus(vocabulary: Vocabulary) throws -> Corpus {
        let corpus = try Corpus(folder: data.url, vocabulary: vocabulary)
        return corpus
    }

    /// Weights travel with their vocabulary: when a `vocab.txt` sits beside them,
    /// each embedding row must stand for the same word in the data's vocabulary.
    func checkWordsMatch(weights: URL, _ vocabulary: Vocabulary) throws {
        let beside = weights.deletingLastPathComponent().appendingPathComponent("vocab.txt")
        guard FileManager.default.fileExists(atPath: beside.path) else { return }
        let theirs = try Vocabulary.read(from: beside)
        let rows = vocabulary.words.map { theirs.id($0) }
        if theirs.count == vocabulary.count && rows.enumerated().allSatisfy({ $1 == Int32($0) }) { return }
        let shared = rows.compactMap { $0 }.count
        let moved = rows.enumerated().filter { $1 != nil && $1 != Int32($0) }.count
        throw CLIError("\(beside.path) (the weights' words) differs from the vocabulary of \(data.data): \(shared) of its "
                       + "\(vocabulary.count) words are shared, \(moved) of them on other rows; starting from these weights would give "
                       + "words the embeddings of others")
    }

    func checkFits(corpus: Corpus, options: TrainingOptions) throws {
        if corpus.train.count / options.batchSize < 3 {
            throw CLIError("--batch-size \(options.batchSize) is larger than the training data allows (\(corpus.train.count) tokens)")
        }
        if corpus.valid.count / options.evalBatchSize < 2 {
            throw CLIError("\(data.data): validation data (\(corpus.valid.count) tokens) is smaller than one evaluation batch")
        }
        if corpus.test.count < 2 {
            throw CLIError("\(data.data): test data has fewer than 2 tokens")
        }
    }

    func describe(_ c: ModelConfig, _ o: TrainingOptions) -> String {
        "model \(c.model.rawValue) emsize \(c.emsize) nhid \(c.nhid) nlayers \(c.nlayers) dropout \(c.dropout) dropouth \(c.dropouth) "
            + "dropouti \(c.dropouti) dropoute \(c.dropoute) wdrop \(c.wdrop) lr \(o.lr) clip \(o.clip) "
            + "splits \(c.splitsDescription) "
            + "epochs \(o.epochs) batch_size \(o.batchSize) bptt \(o.bptt) seed \(o.seed) optimizer \(o.optimizer.rawValue)"
    }

}
