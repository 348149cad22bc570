import ArgumentParser
import AWDLSTM
import Foundation

/// Where the corpus lives.
struct DataFlags: ParsableArguments {
    @Option(help: "Folder with train.txt, valid.txt, test.txt (or wiki.{train,valid,test}.tokens).")
    var data: String

    var url: URL { URL(fileURLWithPath: data) }
}

/// Model flags with the authors' names and defaults. Optional so that a
/// resumed run can tell which were given.
struct ModelFlags: ParsableArguments {
    @Option(help: "Type of recurrent net: LSTM or QRNN (default LSTM).") var model: RNNType?
    @Option(help: "Size of word embeddings (default 400).") var emsize: Int?
    @Option(help: "Number of hidden units per layer (default 1150).") var nhid: Int?
    @Option(help: "Number of layers (default 3).") var nlayers: Int?
    @Option(help: "Dropout applied to layers (default 0.4).") var dropout: Float?
    @Option(help: "Dropout for rnn layers (default 0.3).") var dropouth: Float?
    @Option(help: "Dropout for input embedding layers (default 0.65).") var dropouti: Float?
    @Option(help: "Dropout to remove words from embedding layer (default 0.1).") var dropoute: Float?
    @Option(help: "Amount of weight dropout to apply to the RNN hidden to hidden matrix (default 0.5).") var wdrop: Float?

    var anyGiven: Bool {
        model != nil || emsize != nil || nhid != nil || nlayers != nil || dropout != nil || dropouth != nil
            || dropouti != nil || dropoute != nil || wdrop != nil
    }

    func config(vocabSize: Int, base: ModelConfig? = nil) -> ModelConfig {
        var c = base ?? ModelConfig(vocabSize: vocabSize)
        c.vocabSize = vocabSize
        if let v = model { c.model = v }
        if let v = emsize { c.emsize = v }
        if let v = nhid { c.nhid = v }
        if let v = nlayers { c.nlayers = v }
        if let v = dropout { c.dropout = v }
        if let v = dropouth { c.dropouth = v }
        if let v = dropouti { c.dropouti = v }
        if let v = dropoute { c.dropoute = v }
        if let v = wdrop { c.wdrop = v }
        return c
    }
}

/// Training flags of the authors' `main.py`, plus limits for short runs.
struct TrainingFlags: ParsableArguments {
    @Option(help: "Initial learning rate (default 30).") var lr: Double?
    @Option(help: "Gradient clipping, 0 for none (default 0.25).") var clip: Float?
    @Option(help: "Upper epoch limit (default 8000).") var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Batch size (default 80).") var batchSize: Int?
    @Option(help: "Sequence length (default 70).") var bptt: Int?
    @Option(help: "Random seed (default 1111).") var seed: UInt64?
    @Option(help: "Non-monotone interval for switching to averaged SGD (default 5).") var nonmono: Int?
    @Option(name: .customLong("log-interval"), help: "Report interval in batches (default 200).") var logInterval: Int?
    @Option(help: "Alpha L2 regularisation on RNN activation (default 2).") var alpha: Float?
    @Option(help: "Beta slowness regularisation applied on RNN activation (default 1).") var beta: Float?
    @Option(help: "Weight decay applied to all weights (default 1.2e-6).") var wdecay: Float?
    @Option(help: "Optimizer to use: sgd, adam (default sgd).") var optimizer: OptimizerKind?
    @Option(parsing: .upToNextOption, help: "Epochs after which the learning rate is divided by 10.") var when: [Int] = []
    @Option(name: .customLong("max-batches"), help: "End every epoch after this many batches.") var maxBatches: Int?
    @Option(name: .customLong("max-minutes"), help: "Stop training after this many minutes (the running epoch is validated).") var maxMinutes: Double?
    @Flag(name: .customLong("fixed-bptt"), help: "Every window exactly --bptt long (no variable-length BPTT).") var fixedBPTT = false
    @Option(name: .customLong("checkpoint-every"), help: "Also write the resumable state every N batches.") var checkpointEvery: Int?

    func apply(to o: inout TrainingOptions) {
        if let v = lr { o.lr = v }
        if let v = clip { o.clip = v }
        if let v = epochs { o.epochs = v }
        if let v = batchSize { o.batchSize = v }
        if let v = bptt { o.bptt = v }
        if let v = seed { o.seed = v }
        if let v = nonmono { o.nonmono = v }
        if let v = logInterval { o.logInterval = v }
        if let v = alpha { o.alpha = v }
        if let v = beta { o.beta = v }
        if let v = wdecay { o.wdecay = v }
        if let v = optimizer { o.optimizer = v }
        if !when.isEmpty { o.when = when }
        if let v = maxBatches { o.maxBatches = v }
        if let v = maxMinutes { o.maxMinutes = v }
        if fixedBPTT { o.fixedBPTT = true }
        if let v = checkpointEvery { o.checkpointEvery = v }
    }

    /// Flags that would change the optimisation itself, which a resumed run keeps.
    var changesProcedure: [String] {
        var names: [String] = []
        if batchSize != nil { names.append("--batch-size") }
        if bptt != nil { names.append("--bptt") }
        if seed != nil { names.append("--seed") }
        if optimizer != nil { names.append("--optimizer") }
        if alpha != nil { names.append("--alpha") }
        if beta != nil { names.append("--beta") }
        if wdecay != nil { names.append("--wdecay") }
        if fixedBPTT { names.append("--fixed-bptt") }
        return names
    }
}

extension RNNType: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension OptimizerKind: ExpressibleByArgument {
    public init?(argument: String) {
        guard argument == "sgd" || argument == "adam" else { return nil }
        self.init(rawValue: argument)
    }
}

/// A trained run and the split to score: the arguments shared by `evaluate`,
/// `pointer` and `dynamic-eval`.
struct EvaluationTarget: ParsableArguments {
    @Option(help: "Run folder (config.json, vocab.txt, model.safetensors).") var checkpoint: String
    @OptionGroup var data: DataFlags
    @Option(help: "valid or test (default test).") var split: String = "test"

    struct Loaded {
        let model: AWDLSTMModel
        let config: RunConfig
        let corpus: Corpus
        let split: Corpus.Split
        var tokens: [Int32] { corpus.tokens(split) }
    }

    /// Loads the run's best weights and the data with the run's vocabulary.
    func load() throws -> Loaded {
        guard let which = Corpus.Split(rawValue: split), which != .train else {
            throw CLIError("--split must be valid or test (got \(split))")
        }
        let (model, config, vocabulary) = try RunFolder(URL(fileURLWithPath: checkpoint)).loadModel()
        let corpus = try Corpus(folder: data.url, vocabulary: vocabulary)
        guard corpus.tokens(which).count >= 2 else { throw CLIError("\(split) data has fewer than 2 tokens") }
        return Loaded(model: model, config: config, corpus: corpus, split: which)
    }
}
