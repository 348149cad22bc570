/// One caller's recurrent state and workspace over a shared `LanguageModel`:
/// the hidden state `(h, c)` of every layer (`c` alone for the QRNN), carried
/// from one `forward` to the next until `reset()`, and the buffers a forward
/// pass computes in. The weights are the model's, read and never copied.
///
/// A session is used by one thread at a time (it is not `Sendable`); for many
/// threads, make one session per thread from the one model.
///
/// ```swift
/// let session = model.makeSession()
/// let (ids, _) = try model.encode("the cat")       // [<eos>, the, cat]
/// let out = try session.forward(ids)                // [3, V] log-probabilities
/// let more = try session.forward([sat])             // continues after "cat"
/// session.reset()                                   // back to the zero state
/// ```
public final class InferenceSession {
    /// The shared model.
    public let model: LanguageModel
    /// The evaluation network over `model`'s weights (`AWDLSTMModel(sharing:config:)`).
    let network: AWDLSTMModel
    /// Tokens read since the last `reset()`.
    public private(set) var position = 0

    /// Positions computed per pass when scoring: bounds the `[steps · batch, V]`
    /// log-probabilities a pass holds (16 M floats, 64 MB) without changing any result.
    static let maxOutputFloats = 1 << 24

    init(model: LanguageModel) {
        self.model = model
        network = AWDLSTMModel(sharing: model.weights, config: model.config)
        network.resetHidden(batchSize: 1)
    }

    /// Zeroes the state (the authors' `init_hidden(1)`, and the QRNN's `reset()`).
    public func reset() {
        network.resetHidden(batchSize: 1)
        position = 0
    }

    /// The forward pass, without dropout, over `ids` (`[T]`, T ≥ 1) from the
    /// session's state, which it advances: row `t` of the result is the model's
    /// log-distribution of the word after `ids[t]`, `[T, V]`; with
    /// `layerOutputs`, also every layer's output `[T, H_l]`. The authors'
    /// `model(input, hidden)` in `eval()` mode followed by `log_softmax`.
    /// Throws `ModelError.tokenOutsideVocabulary` for an id outside `0..<V`,
    /// `ConfigurationError` for an empty `ids`.
    public func forward(_ ids: [Int32], layerOutputs: Bool = false) throws -> ForwardOutput {
        try ConfigurationError.require(!ids.isEmpty, "ids.count", ids.count, .atLeast(1))
        if network.hiddenBatchSize != 1 { reset() }
        let v = model.config.vocabSize
        let batch = TokenBatch(inputs: ids, targets: ids, steps: ids.count, batchSize: 1)
        // The weights never change, so the recurrent weights packed by the first pass are reused.
        let out = try network.logProbabilities(batch, reusePreparedWeights: true)
        position += ids.count
        let logProbabilities = Array(UnsafeBufferPointer(start: out.pointer, count: ids.count * v))
        let layers = layerOutputs ? network.layerOutputs(rows: ids.count).map { Array($0) } : nil
        return ForwardOutput(steps: ids.count, vocabularySize: v, logProbabilities: logProbabilities, layerOutputs: layers)
    }

    // MARK: scoring

    /// Scores raw text (the run's tokenizer, `LanguageModel.encode`) from a zero
    /// state: every token, the first one given the start token (`<eos>` or
    /// `xxbos`), gets its log-probability, and `loss` is their mean `−log p`.
    /// With a vocabulary that has no start token the first word only conditions
    /// the rest. The session's state is reset first and left after the text.
    /// Throws `CorpusError.wordNotInVocabulary` for a word outside a vocabulary
    /// with no unknown token.
    public func score(_ text: String) throws -> TextScore {
        let (ids, unknown) = try model.encode(text)
        return try score(ids: ids, unknownWords: unknown)
    }

    /// `score(_:)` for words already split (one vocabulary word each).
    public func score(words: [String]) throws -> TextScore {
        let (ids, unknown) = try model.encode(words: words)
        return try score(ids: ids, unknownWords: unknown)
    }

    /// Scores `ids` (`[N + 1]`, starting with the context token, usually the
    /// start token) from a zero state: the log-probability of each of `ids[1...]`
    /// given the ids before it. Throws `ModelError.tokenOutsideVocabulary`.
    public func score(ids: [Int32], unknownWords: Int = 0) throws -> TextScore {
        reset()
        var logProbabilities: [Double] = []
        logProbabilities.reserveCapacity(max(0, ids.count - 1))
        let window = max(1, Self.maxOutputFloats / model.config.vocabSize)
        var t = 0
        while t < ids.count - 1 {
            let end = min(ids.count - 1, t + window)
            let out = try forward(Array(ids[t..<end]))
            for s in 0..<(end - t) { logProbabilities.append(Double(out.logProbability(step: s, word: ids[t + s + 1]))) }
            t = end
        }
        return textScore(ids, logProbabilities, unknownWords: unknownWords)
    }

    /// Scores several raw texts at once, as independent columns of one batch
    /// (each from a zero state; shorter texts padded at their end, which no
    /// earlier position sees): the same as `score(_:)` on each, up to float
    /// rounding (within 1e-5), in fewer, larger matrix products. Leaves the
    /// session reset. Throws as `score(_:)`.
    public func score(_ texts: [String]) throws -> [TextScore] {
        let encoded = try texts.map { try model.encode($0) }
        return try score(batch: encoded.map(\.ids), unknownWords: encoded.map(\.unknownWords))
    }

    /// `score(ids:)` for several id sequences at once (see `score(_:)` for texts).
    public func score(batch: [[Int32]], unknownWords: [Int]? = nil) throws -> [TextScore] {
        let b = batch.count
        guard b > 0 else { return [] }
        let v = model.config.vocabSize
        let longest = batch.map { $0.count - 1 }.max()!
        var scores = [[Double]](repeating: [], count: b)
        if longest > 0 {
            network.resetHidden(batchSize: b)
            let window = max(1, Self.maxOutputFloats / (v * b))
            var t = 0
            while t < longest {
                let steps = min(longest - t, window)
                // Time-major [steps, b]; a text that has ended reads id 0, which only its own column sees.
                var inputs = [Int32](repeating: 0, count: steps * b)
                for s in 0..<steps {
                    for (c, ids) in batch.enumerated() where t + s < ids.count { inputs[s * b + c] = ids[t + s] }
                }
                let out = try network.logProbabilities(TokenBatch(inputs: inputs, targets: inputs, steps: steps, batchSize: b),
                                                       reusePreparedWeights: true)
                for s in 0..<steps {
                    for (c, ids) in batch.enumerated() where t + s + 1 < ids.count {
                        scores[c].append(Double(out.pointer[(s * b + c) * v + Int(ids[t + s + 1])]))
                    }
                }
                t += steps
            }
        }
        reset()
        return batch.indices.map { textScore(batch[$0], scores[$0], unknownWords: unknownWords?[$0] ?? 0) }
    }

    private func textScore(_ ids: [Int32], _ logProbabilities: [Double], unknownWords: Int) -> TextScore {
        let scored = Array(ids.dropFirst())
        return TextScore(tokens: scored.map { model.vocabulary.words[Int($0)] }, ids: scored,
                         logProbabilities: logProbabilities, unknownWords: unknownWords)
    }

    // MARK: next word and generation

    /// The `count` most likely words after raw `text` (read from the start
    /// token, from a zero state), most likely first, ties by id; all `V` words
    /// when `count` ≥ V. Throws `ConfigurationError` when `count` < 1 or the
    /// text has no word and the vocabulary no start token, and as `score(_:)`.
    public func nextWords(after text: String, count: Int) throws -> [WordProbability] {
        try ConfigurationError.require(count >= 1, "k", count, .atLeast(1))
        let ids = try model.encode(text).ids
        try ConfigurationError.require(!ids.isEmpty, "words in the text", 0, .atLeast(1))
        reset()
        let out = try forward(ids)
        let row = out.row(out.steps - 1)
        let base = row.startIndex
        let order = (0..<row.count).sorted { row[base + $0] != row[base + $1] ? row[base + $0] > row[base + $1] : $0 < $1 }
        return order.prefix(count).map {
            WordProbability(word: model.vocabulary.words[$0], id: Int32($0), probability: exp(Double(row[base + $0])))
        }
    }

    /// Draws up to `count` words after raw `text` (read from the start token,
    /// from a zero state), each from the model's distribution filtered by
    /// `options` (`SamplingOptions`), and hands each to `onToken` as it is drawn;
    /// `onToken` returns false to stop. Ends early when the stop word is drawn.
    /// Returns the words drawn. Throws `ConfigurationError` for invalid options or
    /// a negative `count`, `CorpusError.wordNotInVocabulary` when the stop word is
    /// not a word of the vocabulary or the text holds none and there is no start
    /// token, and whatever `onToken` throws.
    @discardableResult
    public func generate(
        after text: String, count: Int, options: SamplingOptions = SamplingOptions(),
        onToken: (GeneratedToken) throws -> Bool = { _ in true }
    ) throws -> [GeneratedToken] {
        try generate(after: try model.encode(text).ids, count: count, options: options, onToken: onToken)
    }

    /// `generate(after:count:options:onToken:)` after ids (`[N]`, N ≥ 1).
    @discardableResult
    public func generate(
        after ids: [Int32], count: Int, options: SamplingOptions = SamplingOptions(),
        onToken: (GeneratedToken) throws -> Bool = { _ in true }
    ) throws -> [GeneratedToken] {
        try options.validate()
        try ConfigurationError.require(count >= 0, "count", count, .atLeast(0))
        try ConfigurationError.require(!ids.isEmpty, "words in the text", 0, .atLeast(1))
        let vocabulary = model.vocabulary
        let stop: Int32? = try options.stopWord.map { word in
            guard let id = vocabulary.id(word) else {
                throw CorpusError.wordNotInVocabulary(word: word, source: "stop word", noUnknownToken: false)
            }
            return id
        }
        var rng = RandomSource(seed: options.seed)
        reset()
        var input = ids
        var drawn: [GeneratedToken] = []
        for _ in 0..<count {
            let out = try forward(input)
            let row = out.row(out.steps - 1)
            let weights = options.weights(row, unknown: model.unknownToken)
            let total = weights.reduce(0, +)
            guard total > 0 else { break }  // every word excluded (a vocabulary of only the unknown token)
            var u = rng.uniform() * total
            var next = weights.lastIndex { $0 > 0 }!
            for (j, w) in weights.enumerated() where w > 0 {
                u -= w
                if u < 0 { next = j; break }
            }
            if Int32(next) == stop { break }
            let token = GeneratedToken(word: vocabulary.words[next], id: Int32(next),
                                       probability: exp(Double(row[row.startIndex + next])))
            drawn.append(token)
            if try !onToken(token) { break }
            input = [Int32(next)]
        }
        return drawn
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
