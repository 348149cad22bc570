import Foundation

/// A classifier's run folder: `config.json` (the `ClassifierConfig`, the
/// tokenizer and the training recipe that made it), `vocab.txt` (one word per
/// line, id order) and `model.safetensors` (fastai's names, `ClassifierWeights`).
public struct ClassifierRun {
    public let classifier: TextClassifier
    public let vocabulary: Vocabulary
    public let tokenizer: TextTokenizer

    /// What `config.json` holds.
    struct Config: Codable {
        var kind = "text_classifier"
        var classifier: ClassifierConfig
        var tokenizer: TextTokenizer
        var recipe: [String: String]?
    }

    public init(classifier: TextClassifier, vocabulary: Vocabulary, tokenizer: TextTokenizer) {
        self.classifier = classifier
        self.vocabulary = vocabulary
        self.tokenizer = tokenizer
    }

    /// Loads a folder written by `save`. Throws `RunFolderError`/`CheckpointError` for a missing or unreadable file.
    public init(folder: URL) throws {
        let configURL = folder.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else {
            throw RunFolderError.missingConfiguration(path: configURL.path, folder: folder.path)
        }
        let config: Config
        do { config = try JSONDecoder().decode(Config.self, from: Data(contentsOf: configURL)) } catch {
            throw RunFolderError.malformedConfiguration(path: configURL.path)
        }
        do { try config.classifier.validate() } catch { throw RunFolderError.invalidConfiguration(path: configURL.path, error) }
        vocabulary = try Vocabulary.read(from: folder.appendingPathComponent("vocab.txt"))
        tokenizer = config.tokenizer
        var rng = RandomSource(seed: 0)
        classifier = try TextClassifier(config: config.classifier, rng: &rng)
        try ClassifierWeights.load(try SafeTensors(contentsOf: folder.appendingPathComponent("model.safetensors")), into: classifier)
    }

    /// Writes the three files atomically into `folder` (created when missing).
    public func save(to folder: URL, recipe: [String: String]? = nil) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(vocabulary.fileText(), to: folder.appendingPathComponent("vocab.txt"))
        try AtomicFile.write(try SafeTensors.encode(ClassifierWeights.tensors(classifier)),
                             to: folder.appendingPathComponent("model.safetensors"))
        try AtomicFile.write(try encoder.encode(Config(classifier: classifier.config, tokenizer: tokenizer, recipe: recipe)),
                             to: folder.appendingPathComponent("config.json"))
    }

    /// The token ids of one document: fastai's tokens of the whole text (with
    /// `fastai`; words split on white space with `none`), unknown words as the
    /// vocabulary's unknown word. An empty document is `[xxbos]` (fastai's
    /// tokenizer gives every text its start token) or the padding alone.
    public func ids(of text: String) -> [Int32] {
        Self.ids(of: text, tokenizer: tokenizer, vocabulary: vocabulary, padding: classifier.config.paddingIndex)
    }

    /// The texts as documents of this classifier, labels by class index.
    /// Throws `ClassifierSetup.SetupError.unknownLabel` for a label not among its classes.
    public func documents(_ texts: LabelledTexts) throws -> [LabelledDocument] {
        let classes = classifier.config.classes
        return try texts.items.map { item in
            guard let label = classes.firstIndex(of: item.label) else {
                throw ClassifierSetup.SetupError.unknownLabel(source: item.source, label: item.label, classes: classes)
            }
            return LabelledDocument(ids: ids(of: item.text), label: label)
        }
    }

    static func ids(of text: String, tokenizer: TextTokenizer, vocabulary: Vocabulary, padding: Int32) -> [Int32] {
        let words: [String]
        switch tokenizer {
        case .fastai: words = FastaiTokenizer().tokenize(text)
        case .none: words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        }
        let unknown = vocabulary.unknownWord.flatMap { vocabulary.id($0) } ?? padding
        let ids = words.map { vocabulary.id($0) ?? unknown }
        return ids.isEmpty ? [padding] : ids
    }

    /// The class probabilities of each text, `[texts.count][classes]`, in evaluation mode.
    public func probabilities(_ texts: [String], batchSize: Int = 64) throws -> [[Float]] {
        let ids = texts.map { self.ids(of: $0) }, k = classifier.config.classes.count
        var none: RandomSource? = nil
        var out = [[Float]](repeating: [], count: texts.count)
        for batch in SortedBatches.batches(lengths: ids.map(\.count), batchSize: batchSize, shuffle: &none) {
            let padded = PaddedDocuments(batch.map { ids[$0] }, bptt: classifier.config.bptt, paddingIndex: classifier.config.paddingIndex)
            let p = try classifier.probabilities(padded)
            for (i, index) in batch.enumerated() { out[index] = Array(p[(i * k)..<(i * k + k)]) }
        }
        return out
    }

    /// The class of each text and the probabilities behind it, in evaluation
    /// mode (`probabilities(_:)`), texts without a word noted as empty documents.
    public func classify(_ texts: [String], batchSize: Int = 64) throws -> [Classification] {
        let classes = classifier.config.classes
        return try zip(texts, probabilities(texts, batchSize: batchSize)).map { text, p in
            let best = p.indices.max { p[$0] < p[$1] }!
            return Classification(label: classes[best], probabilities: Dictionary(uniqueKeysWithValues: zip(classes, p.map(Double.init))),
                                  note: text.contains { !$0.isWhitespace } ? nil : "empty document")
        }
    }
}
