import ArgumentParser
import AWDLSTM
import Foundation

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn a PyTorch AWD-LSTM or QRNN checkpoint (safetensors) into a run folder.",
        discussion: """
        Sizes (vocabulary, emsize, nhid, nlayers) are inferred from the tensor shapes and checked for \
        consistency; the decoder must be tied to the embedding. The checkpoint's words come from --vocab \
        (one per line, used as they are: fastai's itos with xxbos, xxunk, ...), else from a vocab.txt beside \
        the checkpoint, else from --data: \
        its vocabulary rebuilt in the authors' order (train, valid, test, first appearance), which must have \
        the checkpoint's size (the word order itself cannot be checked, so use the corpus the model was \
        trained on). With both, words are matched by string: a mismatch is refused unless --remap-vocab moves \
        the weights onto the data's vocabulary. Writes config.json (default dropouts and training options), \
        vocab.txt and model.safetensors into --save, which must not already hold a model; a refused import \
        leaves no folder behind.
        """)

    @Option(name: .customLong("from"), help: ArgumentHelp("Checkpoint to import (.safetensors, F32).", valueName: "file"))
    var checkpoint: String
    @Option(help: ArgumentHelp("Tensor names of the checkpoint: salesforce or fastai.", valueName: "format"))
    var format: CheckpointFormat
    @Option(help: "Folder with train.txt, valid.txt, test.txt (or wiki.{train,valid,test}.tokens): the vocabulary to use.")
    var data: String?
    @OptionGroup var vocabulary: VocabularyFlags
    @Option(help: ArgumentHelp("Run folder to write.", valueName: "dir")) var save: String
    @Option(help: ArgumentHelp(
        "Split cross-entropy boundaries of a checkpoint with criterion tensors (default: the authors' main.py defaults for its vocabulary size).",
        valueName: "A,B,C")) var splits: SplitsArgument?
    @Option(help: ArgumentHelp(
        "Class labels of a fastai text classifier (its 0.module.* and 1.layers.* names), in the order of its outputs (default 0,1,...).",
        valueName: "A,B,...")) var classes: String?

    func run() throws {
        try reportingErrors {
            let source = URL(fileURLWithPath: checkpoint)
            guard FileManager.default.fileExists(atPath: source.path) else {
                throw CLIError("--from \(checkpoint): no such file")
            }
            let words = try vocabulary.words(beside: source.deletingLastPathComponent().appendingPathComponent("vocab.txt"))
            if data == nil && words == nil {
                throw CLIError("give --data (the corpus the model was trained on) or --vocab (its word list), or both")
            }
            if vocabulary.remapVocab && data == nil {
                throw CLIError("--remap-vocab moves the weights onto the vocabulary of --data: give it")
            }
            try OutputPath.checkRunFolder(save, flag: "--save")
            if format == .fastai, let file = try? SafeTensors(contentsOf: source), ClassifierImport.isClassifier(file) {
                guard let words else { throw CLIError("a fastai text classifier needs its word list: give --vocab FILE") }
                let run = try ClassifierImport.run(from: file, vocabulary: words.words,
                                                   classes: classes.map { $0.split(separator: ",").map(String.init) })
                try run.save(to: URL(fileURLWithPath: save), recipe: ["imported_from": checkpoint])
                let c = run.classifier.config
                logLine("Imported \(checkpoint) (fastai text classifier): vocabulary \(c.encoder.vocabSize), emsize \(c.encoder.emsize), "
                        + "nhid \(c.encoder.nhid), nlayers \(c.encoder.nlayers), classes \(c.classes.joined(separator: ",")) into \(save)")
                return
            }
            if classes != nil { throw CLIError("--classes applies to a fastai text classifier; \(checkpoint) is a language model") }
            let folder = RunFolder(URL(fileURLWithPath: save))
            noteFolderNamedPt(save, flag: "--save")
            // Progress by stage: a large checkpoint (fastai's WikiText-103 model, 0.5 GB) takes a while
            // to read, check and write; the data folder's loading shows its own progress.
            let progress = ProgressTask("import", unit: "steps")
            func stage(_ done: Int, _ what: String) { progress.update(done, of: 4, detail: " | \(what)") }
            stage(0, "reading \(checkpoint)")
            let imported = try CheckpointImport(contentsOf: source, format: format, splits: splits?.values)
            stage(1, "building the model")
            var model = try imported.makeModel()
            stage(2, data.map { "reading the vocabulary of \($0)" } ?? "matching the vocabulary")
            var config = imported.config
            var target = words?.words ?? Vocabulary()
            var remap: VocabularyRemap?
            if let data {
                target = try loadCorpus(URL(fileURLWithPath: data)).vocabulary
                remap = try vocabulary.match(imported, words: words, data: target, dataSource: "the data folder \(data)")
            } else if let words {
                try imported.requireVocabularySize(words.words.count, of: words.source)
            }
            if let remap {
                config.vocabSize = target.count
                config.splits = splits?.values ?? ModelConfig.defaultSplits(vocabSize: target.count)
                model = try model.remapped(to: config, remap)
            }
            stage(3, "writing \(folder.url.path)")
            var runConfig = RunConfig(model: config, training: TrainingOptions(), data: data.map { DataFlags.recorded($0) })
            // fastai's word list (xxbos, no <eos>) comes with fastai's tokenizer: raw text is read as its corpus was.
            if format == .fastai, case .beginningOfText = target.lineBoundary { runConfig.tokenizer = .fastai }
            try folder.writeImported(model, vocabulary: target, config: runConfig,
                                     metadata: ["imported_from": imported.source, "format": format.rawValue])
            stage(4, "done")
            logLine("Imported \(checkpoint) (\(format.rawValue), \(config.model.rawValue)): vocabulary \(config.vocabSize), emsize \(config.emsize), "
                    + "nhid \(config.nhid), nlayers \(config.nlayers), splits \(config.splitsDescription), "
                    + "\(model.layout.entries.reduce(0) { $0 + $1.count }) parameters -> \(folder.url.path)")
            if let remap { logLine(remap.summary) }
        }
    }
}

extension CheckpointFormat: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
