import Foundation

/// A trained AWD-LSTM loaded for inference: weights, vocabulary and tokenizer,
/// read-only and shared by any number of threads (`Sendable`). Each caller
/// computes in its own `InferenceSession` (its recurrent state and workspace),
/// which reads this one weight buffer without copying it.
///
/// The methods here are conveniences that run one fresh session per call; a
/// caller that scores many texts keeps a session and calls it instead, saving
/// the allocation of a workspace per call.
///
/// ```swift
/// let model = try LanguageModel(runFolder: URL(fileURLWithPath: "runs/ptb"))
/// let s = try model.score("the company said")          // every word scored
/// print(s.loss, s.logProbabilities)
/// let next = try model.nextWords(after: "the company", count: 3)
/// await withTaskGroup(of: Double.self) { group in       // one model, many threads
///     for text in texts { group.addTask { (try? model.score(text).loss) ?? .nan } }
/// }
/// ```
public final class LanguageModel: Sendable {
    /// The model's sizes (`vocabSize` = `vocabulary.count`).
    public let config: ModelConfig
    /// The words by id.
    public let vocabulary: Vocabulary
    /// How raw text is cut into words (the run's `config.json`).
    public let tokenizer: TextTokenizer
    /// The parameters in `ParameterLayout(config)`; never written after `init`.
    let weights: FloatBuffer

    /// The model of a run folder (`config.json`, `vocab.txt`, `model.safetensors`:
    /// its best weights), with the tokenizer the folder records. Throws as
    /// `RunFolder.loadModel()` (`RunFolderError`, `CheckpointError`, `FileError`).
    public convenience init(runFolder url: URL) throws {
        let folder = RunFolder(url)
        let (model, config, vocabulary) = try folder.loadModel()
        // The freshly loaded model is ours alone: share its weights instead of copying them.
        try self.init(config: config.model, weights: model.weights, vocabulary: vocabulary, tokenizer: config.tokenizer)
    }

    /// A snapshot of `model`'s current weights (copied once: training `model`
    /// further does not change this one). Throws `ConfigurationError` when
    /// `vocabulary` does not have `model.config.vocabSize` words.
    public convenience init(_ model: AWDLSTMModel, vocabulary: Vocabulary, tokenizer: TextTokenizer = .none) throws {
        let copy = FloatBuffer(count: model.weights.count)
        copy.copy(from: model.weights)
        try self.init(config: model.config, weights: copy, vocabulary: vocabulary, tokenizer: tokenizer)
    }

    private init(config: ModelConfig, weights: FloatBuffer, vocabulary: Vocabulary, tokenizer: TextTokenizer) throws {
        try ConfigurationError.require(vocabulary.count == config.vocabSize, "vocabulary", vocabulary.count, .equalTo(config.vocabSize))
        self.config = config
        self.weights = weights
        self.vocabulary = vocabulary
        self.tokenizer = tokenizer
    }

    /// A new per-caller state and workspace over this model's weights.
    public func makeSession() -> InferenceSession { InferenceSession(model: self) }

    /// The token every text starts from, which conditions its first word: `<eos>`
    /// for the authors' corpora (the end of the line before), fastai's `xxbos`;
    /// nil for a vocabulary with neither (`Vocabulary.lineBoundary`).
    public var startToken: Int32? { Self.startToken(of: vocabulary) }

    /// `startToken` of a model with `vocabulary`.
    public static func startToken(of vocabulary: Vocabulary) -> Int32? {
        switch vocabulary.lineBoundary {
        case .endOfSentence(let id), .beginningOfText(let id): id
        case .unmarked: nil
        }
    }

    /// The id of the vocabulary's unknown token (`Vocabulary.unknownWord`), if any.
    public var unknownToken: Int32? { vocabulary.unknownWord.flatMap { vocabulary.id($0) } }

    /// Raw text to word ids through the run's tokenizer (`TextTokenizer.encode`),
    /// starting from `startToken`: it is put first unless the text already
    /// begins with it (fastai's tokenizer starts every line with `xxbos`).
    /// Throws `CorpusError.wordNotInVocabulary` for a word outside a vocabulary
    /// with no unknown token.
    public func encode(_ text: String) throws -> (ids: [Int32], unknownWords: Int) {
        let (ids, unknown) = try tokenizer.encode(text, vocabulary: vocabulary)
        return (startingFromStart(ids), unknown)
    }

    /// Words (already split, one vocabulary word each) to ids from `startToken`;
    /// words outside the vocabulary become its unknown token and are counted.
    /// Throws `CorpusError.wordNotInVocabulary` when it has none.
    public func encode(words: [String]) throws -> (ids: [Int32], unknownWords: Int) {
        var unknown = 0
        let ids: [Int32] = try words.map { w in
            if let id = vocabulary.id(w) { return id }
            guard let unk = unknownToken else {
                throw CorpusError.wordNotInVocabulary(word: w, source: "words", noUnknownToken: true)
            }
            unknown += 1
            return unk
        }
        return (startingFromStart(ids), unknown)
    }

    private func startingFromStart(_ ids: [Int32]) -> [Int32] {
        guard let start = startToken, ids.first != start else { return ids }
        return [start] + ids
    }

    // MARK: conveniences, one session per call

    /// `InferenceSession.score(_:)` on a fresh session.
    public func score(_ text: String) throws -> TextScore { try makeSession().score(text) }

    /// `InferenceSession.score(words:)` on a fresh session.
    public func score(words: [String]) throws -> TextScore { try makeSession().score(words: words) }

    /// `InferenceSession.score(_:)` for several texts at once, on a fresh session.
    public func score(_ texts: [String]) throws -> [TextScore] { try makeSession().score(texts) }

    /// `InferenceSession.nextWords(after:count:)` on a fresh session.
    public func nextWords(after text: String, count: Int) throws -> [WordProbability] {
        try makeSession().nextWords(after: text, count: count)
    }

    /// The words `InferenceSession.generate(after:count:options:onToken:)` draws,
    /// streamed one at a time as they are drawn, computed on a fresh session off
    /// the caller's thread. Ending the iteration early (or cancelling its task)
    /// stops the generation after the word being drawn. Errors (invalid options,
    /// a word outside the vocabulary) end the stream by throwing.
    public func stream(after text: String, count: Int, options: SamplingOptions = SamplingOptions())
        -> AsyncThrowingStream<GeneratedToken, Error> {
        AsyncThrowingStream { continuation in
            let stopped = StopFlag()
            continuation.onTermination = { _ in stopped.set() }
            DispatchQueue.global().async {
                do {
                    _ = try self.makeSession().generate(after: text, count: count, options: options) { token in
                        continuation.yield(token)
                        return !stopped.isSet
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
        }
    }
}

/// A flag one thread sets and another reads (a stream's consumer going away).
private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
