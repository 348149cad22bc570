import Foundation

/// The folder a training run writes (`--save DIR`), laid out like a Hugging Face
/// model folder: `model.safetensors` (best weights, PyTorch names),
/// `config.json`, `vocab.txt`, `metrics.jsonl`, and `state.safetensors` (the
/// resumable training state). Every file is replaced atomically.
public struct RunFolder: Sendable {
    /// The folder.
    public let url: URL

    /// The run folder at `url` (nothing is read or created).
    public init(_ url: URL) { self.url = url }

    /// `model.safetensors`: the best weights under the authors' `state_dict` names.
    public var model: URL { url.appendingPathComponent("model.safetensors") }
    /// `config.json`: `RunConfig`.
    public var config: URL { url.appendingPathComponent("config.json") }
    /// `vocab.txt`: one word per line, line number = id.
    public var vocabulary: URL { url.appendingPathComponent("vocab.txt") }
    /// `metrics.jsonl`: one `MetricsRecord` per line.
    public var metrics: URL { url.appendingPathComponent("metrics.jsonl") }
    /// `state.safetensors`: the resumable training state (weights, optimiser, position, random state).
    public var state: URL { url.appendingPathComponent("state.safetensors") }

    /// Creates the folder (and its parents) when missing; throws when that fails.
    public func create() throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw FileError.cannotCreateFolder(path: url.path)
        }
    }

    /// A new, empty run folder `parent/<yyyyMMdd-HHmmss>` (with `-2`, `-3`, …
    /// appended when that name is taken): created here, so two runs started in
    /// the same second never share one.
    public static func createNew(under parent: URL) throws -> RunFolder {
        do { try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw FileError.cannotCreateFolder(path: parent.path)
        }
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        let stamp = f.string(from: Date())
        for n in 1...1000 {
            let url = parent.appendingPathComponent(n == 1 ? stamp : "\(stamp)-\(n)")
            if mkdir(url.path, 0o755) == 0 { return RunFolder(url) }
            guard errno == EEXIST else { throw FileError.cannotCreateFolder(path: url.path) }
        }
        throw RunFolderError.noFreeName(parent: parent.path, stamp: stamp)
    }

    /// Whether `file` exists.
    public func exists(_ file: URL) -> Bool { FileManager.default.fileExists(atPath: file.path) }

    /// Throws `RunFolderError.alreadyExists` when the folder already holds a
    /// model or a training state, which a new run or an import would overwrite.
    public func refuseOverwrite() throws(RunFolderError) {
        for file in [model, state] where exists(file) { throw .alreadyExists(path: file.path) }
    }

    /// Writes `config.json` atomically; throws when it cannot be written.
    public func writeConfig(_ config: RunConfig) throws {
        try AtomicFile.write(try JSONFormat.encoder(pretty: true).encode(config) + Data("\n".utf8), to: self.config)
    }

    /// `config.json`, decoded and checked: throws `RunFolderError` when it is
    /// missing, malformed, or holds an invalid model configuration or training option.
    public func readConfig() throws -> RunConfig {
        guard let data = FileManager.default.contents(atPath: config.path) else {
            throw RunFolderError.missingConfiguration(path: config.path, folder: url.path)
        }
        let decoded: RunConfig
        do { decoded = try JSONFormat.decoder().decode(RunConfig.self, from: data) } catch {
            // A hand-edited file: say which key holds what, and what it allows.
            if let error = error as? DecodingError, let problem = ConfigurationEntry.problem(error, in: data)
                ?? ConfigurationEntry.culprit(in: data, decodes: { (try? JSONFormat.decoder().decode(RunConfig.self, from: $0)) != nil }) {
                throw RunFolderError.invalidEntry(path: config.path, problem: problem)
            }
            throw RunFolderError.malformedConfiguration(path: config.path)
        }
        do {
            try decoded.model.validate()
            try decoded.training.validate()
        } catch { throw RunFolderError.invalidConfiguration(path: config.path, error) }
        return decoded
    }

    /// Writes `vocab.txt` atomically; throws when it cannot be written.
    public func writeVocabulary(_ vocabulary: Vocabulary) throws {
        try AtomicFile.write(vocabulary.fileText(), to: self.vocabulary)
    }

    /// Reads `vocab.txt`; throws as `Vocabulary.read(from:)`.
    /// A missing `vocab.txt` beside a `config.json` throws `RunFolderError.missingFile`.
    public func readVocabulary() throws -> Vocabulary {
        if !exists(vocabulary) && exists(config) {
            throw RunFolderError.missingFile(path: vocabulary.path, folder: url.path,
                                             evidence: "config.json is there (vocab.txt holds the run's words, one per line, row i of the embedding)")
        }
        return try Vocabulary.read(from: vocabulary)
    }

    /// `config.json` and `vocab.txt`, each checked (`readConfig()`, `readVocabulary()`),
    /// and throws `RunFolderError.vocabularySizeMismatch` unless the vocabulary has the configured size.
    public func readConfigAndVocabulary() throws -> (RunConfig, Vocabulary) {
        let config = try readConfig()
        let vocabulary = try readVocabulary()
        guard vocabulary.count == config.model.vocabSize else {
            throw RunFolderError.vocabularySizeMismatch(path: self.vocabulary.path, words: vocabulary.count, vocabSize: config.model.vocabSize)
        }
        return (config, vocabulary)
    }

    /// Loads the model of a finished or running training run (its best weights).
    public func loadModel() throws -> (AWDLSTMModel, RunConfig, Vocabulary) {
        let (config, vocabulary) = try readConfigAndVocabulary()
        guard exists(self.model) else {
            // A state that records a best model says the file was saved and
            // has since gone: "no model saved yet" would send the user the wrong way.
            if exists(state), let best = try? TrainingState.progress(in: state).bestValidLoss {
                throw RunFolderError.missingFile(path: self.model.path, folder: url.path, evidence: String(
                    format: "state.safetensors records a best model (validation loss %.4f) saved there", best))
            }
            throw RunFolderError.missingModel(path: self.model.path)
        }
        var rng = RandomSource(seed: 0)
        let model = try AWDLSTMModel(config: config.model, rng: &rng)
        try model.loadWeights(from: SafeTensors(contentsOf: self.model), source: self.model.path)
        return (model, config, vocabulary)
    }
}

/// `config.json`: the model configuration and training options in one flat
/// object under the authors' argument names, plus where the data came from.
public struct RunConfig: Codable, Equatable, Sendable {
    /// Sizes and regularisation of the model.
    public var model: ModelConfig
    /// The training options of the run (the last ones, after a resume).
    public var training: TrainingOptions
    /// The data folder the run trains on, as an absolute path (earlier ones in
    /// `dataHistory`); nil when none is known (a model imported with its word
    /// list only), and then absent from the file.
    public var data: String?
    /// The data folders the run trained on before `data` (`train --resume DIR --new-data`), oldest first.
    public var dataHistory: [DataChange] = []
    /// The BLAS and CPU the run last trained on (written for the record, never required).
    public var blas: BLASReport?
    /// The tokenizer the run's corpus was made with, applied to raw text
    /// (`tokenizer` in the file; absent in older folders: `none`).
    public var tokenizer: TextTokenizer = .none

    /// A configuration to write into `config.json`.
    public init(model: ModelConfig, training: TrainingOptions, data: String?, blas: BLASReport? = nil) {
        self.model = model
        self.training = training
        self.data = data
        self.blas = blas
    }

    /// A data folder a run left: its path and the epochs that `metrics.jsonl` held when it changed.
    public struct DataChange: Codable, Equatable, Sendable {
        /// A data folder the run trained on, as given.
        public var data: String
        /// The epochs `metrics.jsonl` held when the run moved on from `data`.
        public var epochs: Int

        /// A change of data folder after `epochs` epochs on `data`.
        public init(data: String, epochs: Int) { (self.data, self.epochs) = (data, epochs) }
    }

    private enum Keys: String, CodingKey { case data, tied, blas, tokenizer, dataHistory = "data_history" }

    /// This configuration continuing with `options` on the data at `newData`
    /// (nil: the same data), `epochsSoFar` epochs into the run: what a resumed or
    /// fine-tuned run records once it has saved a state with them. A change of
    /// data moves the previous folder to `dataHistory` with `epochsSoFar`.
    public func continued(with options: TrainingOptions, newData: String?, epochsSoFar: Int, blas: BLASReport?) -> RunConfig {
        var next = self
        next.training = options
        if let newData, newData != data {
            if let old = data { next.dataHistory.append(.init(data: old, epochs: epochsSoFar)) }
            next.data = newData
        }
        next.blas = blas ?? self.blas
        return next
    }

    /// Reads the flat object; a malformed `blas` entry is dropped, not an error.
    public init(from decoder: Decoder) throws {
        model = try ModelConfig(from: decoder)
        training = try TrainingOptions(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        // Earlier versions wrote "" for an import without data.
        data = try c.decodeIfPresent(String.self, forKey: .data).flatMap { $0.isEmpty ? nil : $0 }
        dataHistory = try c.decodeIfPresent([DataChange].self, forKey: .dataHistory) ?? []
        blas = try? c.decodeIfPresent(BLASReport.self, forKey: .blas)
        tokenizer = try c.decodeIfPresent(TextTokenizer.self, forKey: .tokenizer) ?? .none
    }

    /// Writes the flat object, with `tied: true` as the authors' `--tied`.
    public func encode(to encoder: Encoder) throws {
        try model.encode(to: encoder)
        try training.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeIfPresent(data, forKey: .data)
        if !dataHistory.isEmpty { try c.encode(dataHistory, forKey: .dataHistory) }
        try c.encode(true, forKey: .tied)
        try c.encodeIfPresent(blas, forKey: .blas)
        try c.encode(tokenizer, forKey: .tokenizer)
    }
}
