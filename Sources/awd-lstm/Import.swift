import ArgumentParser
import AWDLSTM
import Foundation

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn a PyTorch AWD-LSTM or QRNN checkpoint (safetensors) into a run folder.",
        discussion: """
        Sizes (vocabulary, emsize, nhid, nlayers) are inferred from the tensor shapes and checked for \
        consistency; the decoder must be tied to the embedding. The vocabulary is rebuilt from --data in \
        the authors' order (train, valid, test, first appearance) and must have the checkpoint's size; the \
        word order itself cannot be checked, so use the corpus the model was trained on. Writes \
        config.json (default dropouts and training options), vocab.txt and model.safetensors into --save, \
        which must not already hold a model.
        """)

    @Option(name: .customLong("from"), help: ArgumentHelp("Checkpoint to import (.safetensors, F32).", valueName: "file"))
    var checkpoint: String
    @Option(help: ArgumentHelp("Tensor names of the checkpoint: salesforce or fastai.", valueName: "format"))
    var format: CheckpointFormat
    @OptionGroup var data: DataFlags
    @Option(help: ArgumentHelp("Run folder to write.", valueName: "dir")) var save: String
    @Option(help: ArgumentHelp(
        "Split cross-entropy boundaries of a checkpoint with criterion tensors (default: the authors' main.py defaults for its vocabulary size).",
        valueName: "A,B,C")) var splits: SplitsArgument?

    func run() throws {
        try reportingErrors {
            let source = URL(fileURLWithPath: checkpoint)
            guard FileManager.default.fileExists(atPath: source.path) else {
                throw CLIError("--from \(checkpoint): no such file")
            }
            let folder = RunFolder(URL(fileURLWithPath: save))
            for existing in [folder.model, folder.state] where folder.exists(existing) {
                throw CLIError("\(existing.path) already exists; refusing to overwrite it (choose another --save folder)")
            }
            let imported = try CheckpointImport(contentsOf: source, format: format, splits: splits?.values)
            let corpus = try Corpus(folder: data.url)
            try folder.lockForWriting()
            let model = try folder.writeImported(imported, corpus: corpus, dataPath: data.data)
            let c = imported.config
            logLine("Imported \(checkpoint) (\(format.rawValue), \(c.model.rawValue)): vocabulary \(c.vocabSize), emsize \(c.emsize), "
                    + "nhid \(c.nhid), nlayers \(c.nlayers), splits \(c.splitsDescription), \(model.layout.entries.reduce(0) { $0 + $1.count }) parameters -> \(folder.url.path)")
        }
    }
}

extension CheckpointFormat: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
