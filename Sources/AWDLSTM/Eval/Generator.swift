import Foundation

/// Sampling from a trained model, as the authors' `generate.py`: feed a word,
/// divide the log-probabilities by the temperature, sample the next word from
/// the softmax, feed it back. (The reference divides the logits; for a full
/// softmax that is the same distribution, and for the split softmax the model's
/// exact log-probabilities are what there is to divide.) Without a prompt the first word is drawn uniformly
/// from the vocabulary, like the reference.
public struct Generator: Sendable {
    /// Divides the log-probabilities before sampling: below 1 sharper, above 1 flatter;
    /// must be positive (the authors' `--temperature`, 1.0).
    public var temperature: Double = 1.0
    /// Seed of the draws: the same seed, model and prompt give the same words.
    public var seed: UInt64 = 1111

    /// A sampler with the authors' defaults unless given.
    public init(temperature: Double = 1.0, seed: UInt64 = 1111) {
        self.temperature = temperature
        self.seed = seed
    }

    /// Throws `ConfigurationError.invalid` (field `temperature`) unless the
    /// temperature is positive and finite; any such value samples without NaN.
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require(temperature > 0 && temperature.isFinite, "temperature", temperature, .positiveAndFinite)
    }

    /// `count` sampled word ids following `prompt` (ids; may be empty).
    /// `progress` is called after each word with the words sampled and `count`.
    /// Throws `ConfigurationError` when the temperature is not positive and finite
    /// (`validate()`) or `count` is negative, `ModelError` when a prompt id is
    /// outside the model's vocabulary.
    public func sample(
        model: AWDLSTMModel, prompt: [Int32], count: Int, progress: ((Int, Int) -> Void)? = nil
    ) throws -> [Int32] {
        try validate()
        try ConfigurationError.require(count >= 0, "count", count, .atLeast(0))
        var rng = RandomSource(seed: seed)
        let v = model.config.vocabSize
        model.resetHidden(batchSize: 1)
        var input = prompt.isEmpty ? [Int32(rng.next() % UInt64(v))] : prompt
        var out: [Int32] = []
        out.reserveCapacity(count)
        var weights = [Double](repeating: 0, count: v)
        for k in 0..<count {
            let batch = TokenBatch(inputs: input, targets: input, steps: input.count, batchSize: 1)
            let logProbabilities = try model.logProbabilities(batch, reusePreparedWeights: k > 0)
            let last = logProbabilities.pointer + (input.count - 1) * v
            // exp((l_j − max l) / T): the difference is ≤ 0 before the division, so no
            // temperature (down to the smallest double) overflows; the largest gets weight 1.
            var m = -Double.infinity
            for j in 0..<v { m = max(m, Double(last[j])) }
            var sum = 0.0
            for j in 0..<v { weights[j] = Foundation.exp((Double(last[j]) - m) / temperature); sum += weights[j] }
            var u = rng.uniform() * sum
            var next = v - 1
            for j in 0..<v {
                u -= weights[j]
                if u < 0 { next = j; break }
            }
            out.append(Int32(next))
            input = [Int32(next)]
            progress?(k + 1, count)
        }
        return out
    }

    /// Words joined by spaces, lines marked as the vocabulary marks them
    /// (`Vocabulary.lineBoundary`): `<eos>` written as a line break, or fastai's
    /// `xxbos` as a line break before the text it begins. Throws
    /// `CorpusError.idOutsideVocabulary` for an id that is no word of `vocabulary`.
    public static func text(_ ids: [Int32], vocabulary: Vocabulary) throws(CorpusError) -> String {
        let boundary = vocabulary.lineBoundary
        var s = ""
        for id in ids {
            guard id >= 0 && Int(id) < vocabulary.count else {
                throw .idOutsideVocabulary(id: id, vocabularySize: vocabulary.count)
            }
            switch boundary {
            case .endOfSentence(let eos) where id == eos:
                s += "\n"
            case .beginningOfText(let bos) where id == bos:
                if !s.isEmpty && !s.hasSuffix("\n") { s += "\n" }
            default:
                if !s.isEmpty && !s.hasSuffix("\n") { s += " " }
                s += vocabulary.words[Int(id)]
            }
        }
        return s.hasSuffix("\n") ? s : s + "\n"
    }

    /// Prompt text to ids, read as `Corpus.tokenize(_:source:mappingUnknownWordsOf:)`
    /// reads a file, except that a prompt not ending in a line break is an unfinished
    /// line (no `<eos>` after it): unknown words become the vocabulary's unknown token
    /// (`<unk>` or `xxunk`) and are counted, and with fastai's convention the text
    /// starts with `xxbos`. Throws `CorpusError.wordNotInVocabulary` when a word is
    /// outside a vocabulary with no unknown token; a prompt without words gives no ids.
    public static func encode(_ prompt: String, vocabulary: Vocabulary) throws -> (ids: [Int32], unknownWords: Int) {
        guard prompt.contains(where: { !$0.isWhitespace }) else { return ([], 0) }
        var (ids, unknown) = try Corpus.tokenize(Data(prompt.utf8), source: "prompt", mappingUnknownWordsOf: vocabulary)
        if case .endOfSentence(let eos) = vocabulary.lineBoundary, !prompt.hasSuffix("\n"), !prompt.hasSuffix("\r"), ids.last == eos {
            ids.removeLast()
        }
        return (ids, unknown)
    }
}
