import ArgumentParser
import AWDLSTM
import Foundation

/// Where the corpus lives.
struct DataFlags: ParsableArguments {
    @Option(help: "Folder with train.txt, valid.txt, test.txt (or wiki.{train,valid,test}.tokens).")
    var data: String

    var url: URL { URL(fileURLWithPath: data) }
    /// The folder as `config.json` records it: absolute, so that a run resumed
    /// from another directory still names the same data.
    var recordedPath: String { Self.recorded(data) }

    /// A data folder as `config.json` records it: `path` made absolute and standard.
    static func recorded(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    /// Whether `--data` names another folder than a run's data `saved` (its
    /// `config.json`; nil when it records none, and then any data is the run's first).
    /// Other data is refused unless `newData` (`--new-data`: to `toDo` on it,
    /// recorded), and `--new-data` with the run's own data is refused as unused.
    func isOther(than saved: String?, newData: Bool, toDo: String) throws -> Bool {
        guard let saved else { return false }
        let other = !names(saved)
        if other && !newData {
            throw CLIError("--data \(data) is not the run's data \(saved) (config.json); give --new-data to \(toDo) "
                           + "on other data (config.json records it)")
        }
        if newData && !other { throw CLIError("--new-data and --data \(data): that is the run's own data (config.json); drop --new-data") }
        return other
    }

    /// Whether `--data` names the folder `path` (a run's `config.json` data), spelt
    /// either way: relative or absolute, through symbolic links.
    func names(_ path: String) -> Bool {
        func resolved(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.resolvingSymlinksInPath().path }
        return resolved(path) == resolved(data)
    }

    /// The corpus of `--data` in a trained run's `vocabulary`. Words outside it
    /// are refused with one of them, their number, and `wayOut` (what to do instead).
    func corpus(vocabulary: Vocabulary, wayOut: String) throws -> Corpus {
        do { return try loadCorpus(url, vocabulary: vocabulary) } catch CorpusError.wordNotInVocabulary(let word, let source, _) {
            // Counted on the error path only: the data read again with a vocabulary of its own.
            let outside = ((try? Corpus(folder: url))?.vocabulary.words ?? []).filter { vocabulary.id($0) == nil }
            throw CLIError("--data \(data) has \(max(1, outside.count)) word(s) outside the run's vocabulary of \(vocabulary.count) "
                           + "('\(word)' in \(source) is one); \(wayOut)")
        }
    }
}

/// Where the defaults of model and training flags come from: `train` applies the authors'
/// `main.py` defaults, `finetune` the run's own values (as `finetune.py` loads the run).
protocol TrainingDefaults {
    /// The help text's note for a training flag whose `main.py` default is `value`.
    static func note(_ value: String) -> String
    /// The same for a model flag.
    static func modelNote(_ value: String) -> String
    /// Whether the command takes `main.py`'s schedule flags, `--optimizer` and
    /// `--when`; `finetune.py` has neither (they stay hidden and are refused).
    static var takesSchedule: Bool { get }
}

enum MainDefaults: TrainingDefaults {
    static func note(_ value: String) -> String { "(default \(value))" }
    static func modelNote(_ value: String) -> String { note(value) }
    static var takesSchedule: Bool { true }
}

enum FinetuneDefaults: TrainingDefaults {
    static func note(_ value: String) -> String { "(default: the run's value)" }
    static func modelNote(_ value: String) -> String { "(must be the run's value)" }
    static var takesSchedule: Bool { false }
}

/// Model flags with the authors' names and defaults. Optional so that a
/// resumed run can tell which were given.
struct ModelFlags<Defaults: TrainingDefaults>: ParsableArguments {
    @Option(help: "Type of recurrent net \(Defaults.modelNote("LSTM")).") var model: RNNType?
    @Option(help: "Size of word embeddings \(Defaults.modelNote("400")).") var emsize: Int?
    @Option(help: "Number of hidden units per layer \(Defaults.modelNote("1150")).") var nhid: Int?
    @Option(help: "Number of layers \(Defaults.modelNote("3")).") var nlayers: Int?
    @Option(help: "Dropout applied to layers \(Defaults.modelNote("0.4")).") var dropout: Float?
    @Option(help: "Dropout for rnn layers \(Defaults.modelNote("0.3")).") var dropouth: Float?
    @Option(help: "Dropout for input embedding layers \(Defaults.modelNote("0.65")).") var dropouti: Float?
    @Option(help: "Dropout to remove words from embedding layer \(Defaults.modelNote("0.1")).") var dropoute: Float?
    @Option(help: "Amount of weight dropout to apply to the RNN hidden to hidden matrix \(Defaults.modelNote("0.5")).") var wdrop: Float?
    @Option(help: ArgumentHelp(
        "Split cross-entropy cluster boundaries, or none for a full softmax \(Defaults.modelNote("as the authors' main.py: none up to 75,000 words, 2800,20000,76000 above, 4200,35000,180000 above 500,000")).",
        valueName: "A,B,C|none")) var splits: SplitsArgument?

    /// Sizes up to `FlagBounds.count` (the model's memory is checked later, with its vocabulary).
    func validate() throws {
        try FlagBounds.require([("--emsize", emsize), ("--nhid", nhid), ("--nlayers", nlayers)] + (splits?.values ?? []).map { ("--splits", $0) })
    }

    /// The flags given with a value other than the saved configuration's.
    func conflicts(with c: ModelConfig) -> [FlagConflict] {
        var out: [FlagConflict] = []
        FlagConflict.check("--model", model?.rawValue, c.model.rawValue, &out)
        FlagConflict.check("--emsize", emsize, c.emsize, &out)
        FlagConflict.check("--nhid", nhid, c.nhid, &out)
        FlagConflict.check("--nlayers", nlayers, c.nlayers, &out)
        FlagConflict.check("--dropout", dropout, c.dropout, &out)
        FlagConflict.check("--dropouth", dropouth, c.dropouth, &out)
        FlagConflict.check("--dropouti", dropouti, c.dropouti, &out)
        FlagConflict.check("--dropoute", dropoute, c.dropoute, &out)
        FlagConflict.check("--wdrop", wdrop, c.wdrop, &out)
        FlagConflict.check("--splits", splits?.description, c.splitsDescription, &out)
        return out
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
        c.splits = splits?.values ?? base?.splits ?? ModelConfig.defaultSplits(vocabSize: vocabSize)
        return c
    }
}

/// Training flags of the authors' `main.py`, plus limits for short runs.
struct TrainingFlags<Defaults: TrainingDefaults>: ParsableArguments {
    @Option(help: "Initial learning rate \(Defaults.note("30")).") var lr: Double?
    @Option(help: "Gradient clipping, 0 for none \(Defaults.note("0.25")).") var clip: Float?
    @Option(help: "Upper epoch limit \(Defaults.note("8000")).") var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Batch size \(Defaults.note("80")).") var batchSize: Int?
    @Option(help: "Sequence length \(Defaults.note("70")).") var bptt: Int?
    @Option(help: "Random seed \(Defaults.note("1111")).") var seed: UInt64?
    @Option(help: "Non-monotone interval for switching to averaged SGD \(Defaults.note("5")).") var nonmono: Int?
    @Option(name: .customLong("log-interval"), help: "Report interval in batches \(Defaults.note("200")).") var logInterval: Int?
    @Option(help: "Alpha L2 regularisation on RNN activation \(Defaults.note("2")).") var alpha: Float?
    @Option(help: "Beta slowness regularisation applied on RNN activation \(Defaults.note("1")).") var beta: Float?
    @Option(help: "Weight decay applied to all weights \(Defaults.note("1.2e-6")).") var wdecay: Float?
    @Option(help: ArgumentHelp("Optimizer to use \(Defaults.note("sgd")).", visibility: Defaults.takesSchedule ? .default : .hidden))
    var optimizer: OptimizerKind?
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Epochs after which the learning rate is divided by 10.",
                                                         visibility: Defaults.takesSchedule ? .default : .hidden))
    var when: [Int] = []
    @Option(name: .customLong("max-batches"), help: "End every epoch after this many batches.") var maxBatches: Int?
    @Option(name: .customLong("max-minutes"),
            help: "End the command within this many minutes of the run's time: training stops early enough to validate the running epoch and test; a test that would run over is cut.")
    var maxMinutes: Double?
    @Flag(name: .customLong("fixed-bptt"), help: "Every window exactly --bptt long (no variable-length BPTT) \(Defaults.note("off")).") var fixedBPTT = false
    @Option(name: .customLong("checkpoint-every"), help: "Also write the resumable state every N batches \(Defaults.note("none")).") var checkpointEvery: Int?
    @Option(name: .customLong("checkpoint-minutes"),
            help: "Also write the resumable state once this many minutes have passed since it was last written, 0 for never \(Defaults.note("15")).")
    var checkpointMinutes: Double?

    /// Counts up to `FlagBounds.count`.
    func validate() throws {
        try FlagBounds.require([("--epochs", epochs), ("--batch-size", batchSize), ("--bptt", bptt), ("--nonmono", nonmono),
                                ("--log-interval", logInterval), ("--max-batches", maxBatches), ("--checkpoint-every", checkpointEvery)]
                               + when.map { ("--when", $0) })
    }

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
        if let v = checkpointMinutes { o.checkpointMinutes = v }
    }

    /// The flags that a resumed run may change; the others define its procedure.
    static var changeableOnResume: String {
        "--lr, --clip, --epochs, --nonmono, --log-interval, --when, --max-batches, --max-minutes, --checkpoint-every, --checkpoint-minutes"
    }

    /// Refuses a flag that the options `o` would leave unused: `--nonmono` with
    /// Adam, since the switch to averaged SGD is for SGD only (the authors' main.py).
    func refuseUnused(with o: TrainingOptions) throws {
        if let n = nonmono, o.optimizer == .adam {
            throw CLIError("--nonmono \(n) and --optimizer adam\(optimizer == nil ? " (the run's, config.json)" : ""): only sgd switches to "
                           + "averaged SGD, so --nonmono would be unused; drop one")
        }
    }

    /// Flags that define the optimisation, given with a value other than the saved one.
    func conflicts(with o: TrainingOptions) -> [FlagConflict] {
        var out: [FlagConflict] = []
        FlagConflict.check("--batch-size", batchSize, o.batchSize, &out)
        FlagConflict.check("--bptt", bptt, o.bptt, &out)
        FlagConflict.check("--seed", seed, o.seed, &out)
        FlagConflict.check("--optimizer", optimizer?.rawValue, o.optimizer.rawValue, &out)
        FlagConflict.check("--alpha", alpha, o.alpha, &out)
        FlagConflict.check("--beta", beta, o.beta, &out)
        FlagConflict.check("--wdecay", wdecay, o.wdecay, &out)
        FlagConflict.check("--fixed-bptt", fixedBPTT ? true : nil, o.fixedBPTT, &out)
        return out
    }
}

/// A flag given with another value than the one a saved run keeps.
struct FlagConflict: CustomStringConvertible {
    let flag: String, saved: String, given: String

    var description: String { "\(flag) \(given) differs from the run's \(saved)" }

    static func check<T: Equatable>(_ flag: String, _ given: T?, _ saved: T, _ out: inout [FlagConflict]) {
        if let given, given != saved { out.append(FlagConflict(flag: flag, saved: "\(saved)", given: "\(given)")) }
    }

    /// One error naming every conflict.
    static func error(_ conflicts: [FlagConflict], _ context: String) -> CLIError {
        CLIError("\(conflicts.map(\.description).joined(separator: "; ")) (config.json); \(context)")
    }
}

/// Flags of the authors' scripts that have nothing to do here, accepted so that
/// their command lines run unchanged.
struct AuthorsFlags: ParsableArguments {
    @Flag(help: "Accepted for the authors' scripts: the decoder is always tied to the embedding.") var tied = false
    @Flag(help: "Accepted for the authors' scripts and ignored: this tool runs on the CPU.") var cuda = false

    func note() {
        if cuda { logLine("--cuda: ignored (this tool runs on the CPU)") }
    }
}

/// `--splits A,B,C` (increasing word counts) or `--splits none`.
struct SplitsArgument: ExpressibleByArgument, CustomStringConvertible {
    let values: [Int]
    var description: String { ModelConfig(vocabSize: 1, splits: values).splitsDescription }

    init?(argument: String) {
        if argument == "none" { values = []; return }
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        values = parts.map { $0! }
    }
}

extension RNNType: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension TextTokenizer: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

extension OptimizerKind: ExpressibleByArgument {
    public init?(argument: String) {
        guard Self.allValueStrings.contains(argument) else { return nil }
        self.init(rawValue: argument)
    }

    /// The values `--optimizer` takes (averaged SGD is reached through the
    /// non-monotone trigger, or `finetune`, not chosen).
    public static var allValueStrings: [String] { ["sgd", "adam"] }
}

/// A trained run and the text to score (a split of --data, or --file): the
/// arguments shared by `evaluate`, `pointer` and `dynamic-eval`.
struct EvaluationTarget: ParsableArguments {
    @Option(name: [.customLong("checkpoint"), .customLong("save")], help: """
        Run folder (config.json, vocab.txt, model.safetensors); --save is the authors' name (pointer.py), and their \
        PTB.pt is the folder train --save PTB.pt wrote.
        """) var checkpoint: String?
    @Option(help: "Folder with train.txt, valid.txt, test.txt (or wiki.{train,valid,test}.tokens); not used with --file.")
    var data: String?
    @Option(help: "Split of --data to score (default test).") var split: Corpus.Split?
    @Option(help: """
        Score this text file instead (read by the run's tokenizer, as the corpus was: whitespace, or fastai's): line \
        ends are marked as the run's vocabulary marks them (<eos> after each line; fastai's word lists: xxbos before \
        each line), and words outside it become its <unk> or xxunk, counted, when it has one.
        """)
    var file: String?

    struct Loaded {
        let model: AWDLSTMModel
        let config: RunConfig
        /// The corpus of --data, when given.
        let corpus: Corpus?
        let tokens: [Int32]
        /// The split's name or the file's path, for the log line.
        let name: String
        /// The authors evaluate test at batch size 1 and validation at 10; a file is scored like test.
        var defaultBatchSize: Int { name == Corpus.Split.valid.rawValue || name == Corpus.Split.train.rawValue ? 10 : 1 }
    }

    /// Loads the run's best weights and the text with the run's vocabulary.
    /// `run` is the authors' other name for the run folder (dynamiceval.py's
    /// `--model FILE`) and its value when given; `split` a split chosen by
    /// another flag (dynamiceval.py's `--val`); `dataWithFile` says that the
    /// command uses --data beside --file. Options that contradict each other,
    /// or one that would be ignored, are refused with a line naming both.
    func load(run: (flag: String, path: String?)? = nil, split chosen: (flag: String, split: Corpus.Split)? = nil,
              dataWithFile: Bool = false, startingFromStartToken: Bool = false) throws -> Loaded {
        if let run, let other = run.path, checkpoint != nil {
            throw CLIError("--checkpoint and \(run.flag) \(other) both name the run folder; give one")
        }
        guard let path = run?.path ?? checkpoint else { throw CLIError("give the run folder with --checkpoint DIR") }
        if let chosen, let split, split != chosen.split {
            throw CLIError("--split \(split.rawValue) and \(chosen.flag) (the \(chosen.split.rawValue) split) contradict each other; give one")
        }
        let split = split ?? chosen?.split
        if let file {
            if let given = self.split.map({ "--split \($0.rawValue)" }) ?? chosen?.flag {
                throw CLIError("\(given) and --file \(file) both choose the text to score; give one")
            }
            if data != nil && !dataWithFile {
                throw CLIError("--data and --file \(file): the file is scored with the run's vocabulary and --data would be unused; drop --data")
            }
        } else if data == nil {
            throw CLIError("give --data DIR (with --split) or --file FILE")
        }
        let folder = try runFolder(path, flag: run?.path != nil ? run!.flag : "--checkpoint")
        let (model, config, vocabulary) = try folder.loadModel()
        let corpus = try data.map { try loadCorpus(URL(fileURLWithPath: $0), vocabulary: vocabulary) }
        let tokens: [Int32], name: String
        if let file {
            let bytes = try readText(file)
            var (ids, unknown) = try config.tokenizer.encode(fileData: bytes, source: file, vocabulary: vocabulary)
            if startingFromStartToken, let start = LanguageModel.startToken(of: vocabulary), ids.first != start {
                ids.insert(start, at: 0)
            }
            if unknown > 0, let unk = vocabulary.unknownWord {
                logLine("\(file): \(unknown) of \(ids.count) tokens are outside the vocabulary and scored as \(unk)")
            }
            (tokens, name) = (ids, file)
        } else {
            let split = split ?? .test
            (tokens, name) = (corpus!.tokens(split), split.rawValue)
        }
        if case .endOfSentence = vocabulary.lineBoundary {} else { logLine("line ends: \(vocabulary.lineBoundary.summary)") }
        guard tokens.count >= 2 else { throw CLIError("\(name) has \(tokens.count) token(s); scoring needs at least 2") }
        return Loaded(model: model, config: config, corpus: corpus, tokens: tokens, name: name)
    }
}

extension Corpus.Split: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// The bytes of `--file PATH`, read to its end so that a pipe (`/dev/stdin`,
/// `<(…)`) works as Python's `open()` reads it; a folder, a missing or an
/// unreadable file is a one-line error.
func readText(_ path: String) throws -> Data {
    var isFolder: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
    guard !isFolder.boolValue else { throw CLIError("--file \(path): is a folder, not a text file") }
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw CLIError("--file \(path): \(exists ? "cannot be opened for reading" : "no such file")")
    }
    defer { try? handle.close() }
    do { return try handle.readToEnd() ?? Data() } catch {
        throw CLIError("--file \(path): cannot read it (\(error.localizedDescription))")
    }
}
