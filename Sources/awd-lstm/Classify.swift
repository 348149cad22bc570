import ArgumentParser
import AWDLSTM
import Foundation

/// `awd-lstm classify train|predict|evaluate`: ULMFiT text classification.
struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "ULMFiT text classification: train a classifier on a language model's encoder, predict, evaluate.",
        subcommands: [ClassifyTrain.self, ClassifyPredict.self, ClassifyEvaluate.self])
}

/// Where labelled texts come from: a folder per class, or a CSV file.
struct LabelledData: ParsableArguments {
    @Option(help: "A folder with a sub-folder per class (fastai's from_folder: DIR/train/<class>/*, and DIR/valid/<class>/* when present; or DIR/<class>/* directly).")
    var data: String?
    @Option(help: "A CSV file with a header row (fastai's from_csv).") var csv: String?
    @Option(name: .customLong("text-col"), help: "The CSV column holding the text.") var textCol = "text"
    @Option(name: .customLong("label-col"), help: "The CSV column holding the label.") var labelCol = "label"

    func validate() throws {
        guard (data == nil) != (csv == nil) else { throw ValidationError("give either --data DIR or --csv FILE") }
    }

    /// The training texts and, when the data has them, the given validation texts.
    func load() throws -> (train: LabelledTexts, valid: LabelledTexts?) {
        if let csv {
            return (try LabelledTexts.fromCSV(URL(fileURLWithPath: csv), textColumn: textCol, labelColumn: labelCol), nil)
        }
        let root = URL(fileURLWithPath: data!)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
            throw CLIError("--data \(root.path) is not a folder")
        }
        let train = root.appendingPathComponent("train"), valid = root.appendingPathComponent("valid")
        guard FileManager.default.fileExists(atPath: train.path) else { return (try LabelledTexts.fromFolder(root), nil) }
        return (try LabelledTexts.fromFolder(train),
                FileManager.default.fileExists(atPath: valid.path) ? try LabelledTexts.fromFolder(valid) : nil)
    }
}

struct ClassifyTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a ULMFiT classifier: the language model's encoder plus fastai's pooling head, fastai's recipe.",
        discussion: """
        The recipe is fastai's text tutorial: fit_one_cycle with the head alone (2e-2), then freeze_to(-2) and \
        freeze_to(-3) for an epoch each with discriminative rates slice(lr/2.6^4, lr) (1e-2, 5e-3), then all \
        layers for two epochs (1e-3); Adam with decoupled weight decay 0.01, momenta (0.8, 0.7, 0.8), AR 2 and TAR 1. \
        --stages picks stages (1-4, e.g. 1 or 2,3,4) and --lr-scale scales every rate.
        """)

    @Option(help: "The language model's run folder (fastai's vocabulary with xxpad: trained with --tokenizer fastai, or imported from fastai).")
    var lm: String
    @OptionGroup var labelled: LabelledData
    @Option(help: "The run folder to write the classifier to.") var save: String
    @Option(name: .customLong("valid-pct"), help: "Fraction drawn for validation when the data has no valid split.") var validPct = 0.2
    @Option(help: "Random seed (split, shuffling, dropout).") var seed: UInt64 = 1
    @Option(name: .customLong("batch-size"), help: "Documents per batch (fastai's bs).") var batchSize = 64
    @Option(name: .customLong("drop-mult"), help: "Scale of every dropout probability (fastai's drop_mult).") var dropMult: Float = 0.5
    @Option(help: "Tokens per encoder window (fastai's seq_len).") var bptt = 72
    @Option(name: .customLong("max-len"), help: "Encoder outputs kept from the end of each batch (fastai's max_len).") var maxLen = 1440
    @Option(name: .customLong("lin-ftrs"), help: "Hidden sizes of the head, comma-separated (fastai's lin_ftrs).") var linFtrs = "50"
    @Option(help: "Recipe stages to run, comma-separated from 1-4 (default all).") var stages = "1,2,3,4"
    @Option(name: .customLong("lr-scale"), help: "Scale of every learning rate of the recipe.") var lrScale = 1.0
    @Flag(help: "Print one JSON object per epoch on stdout.") var json = false
    @OptionGroup var runtime: ThreadsFlag

    func run() throws {
        try reportingErrors {
            try runtime.apply()
            let features = try linFtrs.split(separator: ",").map { s -> Int in
                guard let n = Int(s), n >= 1 else { throw CLIError("--lin-ftrs must be positive sizes separated by commas (got \(linFtrs))") }
                return n
            }
            let chosen = try stages.split(separator: ",").map { s -> Int in
                guard let n = Int(s), (1...4).contains(n) else { throw CLIError("--stages must be numbers from 1 to 4 (got \(stages))") }
                return n
            }
            guard validPct > 0 && validPct < 1 else { throw CLIError("--valid-pct must be in (0, 1) (got \(validPct))") }
            guard batchSize >= 2 else { throw CLIError("--batch-size must be at least 2 (batch norm needs 2 documents) (got \(batchSize))") }
            let lmModel = try LanguageModel(runFolder: URL(fileURLWithPath: lm))
            let data = try labelled.load()
            let counts = Dictionary(grouping: data.train.items, by: \.label).mapValues(\.count)
            if data.valid == nil, let single = counts.first(where: { $0.value < 2 })?.key {
                throw ClassifierSetup.SetupError.tooFewDocuments(label: single)
            }
            let (trainTexts, validTexts) = data.valid.map { (data.train, $0) } ?? data.train.split(validFraction: validPct, seed: seed)
            let classes = trainTexts.classes
            let setup = try ClassifierSetup(languageModel: lmModel, classes: classes, dropMult: dropMult, bptt: bptt,
                                            maxLength: maxLen, linearFeatures: features, seed: seed)
            let train = try setup.run.documents(trainTexts), valid = try setup.run.documents(validTexts)
            logLine("| classes \(classes.joined(separator: ", ")) | \(train.count) training and \(valid.count) validation documents")
            let trainer = ClassifierTrainer(classifier: setup.run.classifier, seed: seed)
            let recipe = ULMFiTRecipe.fastai(scale: lrScale)
            var epoch = 0
            for index in chosen {
                let stage = recipe.stages[index - 1]
                trainer.freezeTo(stage.freezeTo)
                let started = Date()
                var trainLoss = 0.0, batches = 0
                try trainer.fitOneCycle(train, epochs: stage.epochs, lrMax: stage.rates(groups: trainer.groupCount),
                                        batchSize: batchSize, onStep: { trainLoss += $0.loss; batches += 1 }, onEpoch: { _ in
                    epoch += 1
                    let (loss, metrics) = try trainer.evaluate(valid, batchSize: batchSize)
                    let f1 = classes.count == 2 ? String(format: " | F1 %.4f", metrics.f1(1)) : ""
                    let meanTrainLoss = trainLoss / Double(max(batches, 1))
                    logLine(String(format: "| stage %d | epoch %d | train loss %.4f | valid loss %.4f | accuracy %.4f%@ | %.0fs",
                                   index, epoch, meanTrainLoss, loss, metrics.accuracy, f1, Date().timeIntervalSince(started)))
                    if json {
                        try printJSON(ClassifierEpochRecord(stage: index, epoch: epoch, trainLoss: meanTrainLoss, validLoss: loss,
                                                            accuracy: metrics.accuracy, f1: classes.count == 2 ? metrics.f1(1) : nil,
                                                            seconds: Date().timeIntervalSince(started)))
                    }
                    trainLoss = 0
                    batches = 0
                    try setup.run.save(to: URL(fileURLWithPath: save), recipe: ["stages": stages, "lr_scale": "\(lrScale)", "seed": "\(seed)"])
                    return true
                })
            }
            logLine("| saved the classifier to \(save)")
        }
    }
}

struct ClassifierEpochRecord: Encodable {
    var stage: Int, epoch: Int
    var trainLoss: Double, validLoss: Double, accuracy: Double
    var f1: Double?
    /// Seconds since the stage began.
    var seconds: Double

    /// The snake-case keys of the other commands' `--json`.
    enum CodingKeys: String, CodingKey {
        case stage, epoch, accuracy, f1, seconds
        case trainLoss = "train_loss", validLoss = "valid_loss"
    }
}

struct ClassifyPredict: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Predict the class of each line of a file (one document per line).")

    @Option(help: "The classifier's run folder.") var checkpoint: String
    @Option(help: "The documents, one per line.") var file: String
    @Flag(help: "Print one JSON object per document on stdout.") var json = false
    @OptionGroup var runtime: ThreadsFlag

    func run() throws {
        try reportingErrors {
            try runtime.apply()
            let run = try ClassifierRun(folder: URL(fileURLWithPath: checkpoint))
            guard let text = String(data: try readText(file), encoding: .utf8) else { throw CLIError("\(file) is not UTF-8 text") }
            var lines = text.components(separatedBy: "\n")
            if lines.last == "" { lines.removeLast() }
            for result in try run.classify(lines) {
                if json {
                    try printJSON(result)
                } else {
                    let p = run.classifier.config.classes.map { String(format: "%.4f", result.probabilities[$0] ?? 0) }
                    print(([result.label] + p).joined(separator: "\t") + (result.note.map { "\t(\($0))" } ?? ""))
                }
            }
        }
    }
}

struct ClassifyEvaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Accuracy, per-class precision and recall, and the confusion matrix on labelled texts.")

    @Option(help: "The classifier's run folder.") var checkpoint: String
    @OptionGroup var labelled: LabelledData
    @Option(name: .customLong("batch-size"), help: "Documents per batch.") var batchSize = 64
    @Flag(help: "Print one JSON object on stdout.") var json = false
    @OptionGroup var runtime: ThreadsFlag

    func run() throws {
        try reportingErrors {
            try runtime.apply()
            let run = try ClassifierRun(folder: URL(fileURLWithPath: checkpoint))
            let data = try labelled.load()
            let texts = data.valid ?? data.train
            let classes = run.classifier.config.classes
            let documents = try run.documents(texts)
            let trainer = ClassifierTrainer(classifier: run.classifier, seed: 0)
            let (loss, m) = try trainer.evaluate(documents, batchSize: batchSize)
            if json {
                try printJSON(ClassifierEvaluation(loss: loss, accuracy: m.accuracy, classes: classes,
                                                   precision: classes.indices.map(m.precision), recall: classes.indices.map(m.recall),
                                                   confusion: m.confusion))
                return
            }
            print(String(format: "loss %.4f | accuracy %.4f | %d documents", loss, m.accuracy, m.count))
            for (c, name) in classes.enumerated() {
                print(String(format: "%@: precision %.4f | recall %.4f | F1 %.4f", name, m.precision(c), m.recall(c), m.f1(c)))
            }
            print("confusion (rows: true class, columns: predicted): " + classes.joined(separator: ", "))
            for row in m.confusion { print(row.map(String.init).joined(separator: "\t")) }
        }
    }
}

struct ClassifierEvaluation: Encodable {
    var loss: Double, accuracy: Double
    var classes: [String]
    var precision: [Double], recall: [Double]
    var confusion: [[Int]]
}
