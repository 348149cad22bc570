import Foundation

/// Which row of a model's vocabulary each word of another vocabulary takes,
/// matching words by their bytes (as `Vocabulary` tells them apart).
///
/// Weights travel with their vocabulary: row `i` of the embedding (and of the
/// tied decoder and its bias) stands for word `i`. Moving weights to data with
/// other words either keeps every word on its row (`isIdentity`) or needs this
/// map (`--remap-vocab`); as fastai's `match_embeds` does for transfer learning,
/// shared words keep their rows and new words start at the mean row.
public struct VocabularyRemap: Sendable, Equatable {
    /// For each word of the target vocabulary, its id in the source one (nil: a new word).
    public let sourceRows: [Int?]
    /// Target words found in the source vocabulary.
    public let shared: Int
    /// Source words absent from the target vocabulary, whose rows are dropped.
    public let dropped: Int
    /// Target words the source vocabulary lacks.
    public var new: Int { sourceRows.count - shared }
    /// Shared words that sit on another row in the target vocabulary.
    public let moved: Int

    /// The rows of `target`'s words in `source` (a trained model's vocabulary).
    public init(from source: Vocabulary, to target: Vocabulary) {
        sourceRows = target.words.map { source.id($0).map(Int.init) }
        shared = sourceRows.lazy.compactMap { $0 }.count
        dropped = source.count - shared
        moved = sourceRows.enumerated().filter { $1 != nil && $1 != $0 }.count
    }

    /// Whether both vocabularies are the same word list (nothing to remap).
    public var isIdentity: Bool { dropped == 0 && new == 0 && moved == 0 }

    /// The one line that reports a remapping.
    public var summary: String {
        "vocabulary remapped by word: \(shared) shared, \(new) new (mean embedding row and bias), \(dropped) dropped"
    }
}

extension AWDLSTMModel {
    /// A model of `config` (this model's sizes with the target vocabulary of
    /// `remap`, and any dropouts and splits) holding this model's weights with
    /// the vocabulary's rows moved: the embedding rows (also the tied decoder's)
    /// and the decoder bias entries of shared words carry over; a new word starts
    /// at the mean embedding row and the mean bias over all source words (as
    /// fastai does). The recurrent layers are copied. The split cross-entropy's
    /// tail vectors and biases carry over when both models have the same number
    /// of tail clusters, and otherwise start at zero (the authors' initialisation).
    ///
    /// - Throws: `CheckpointError.remapMismatch` when `config`'s recurrent layers differ from this model's,
    ///   its vocabulary size is not that of `remap`'s target, or `remap` reads rows this model lacks
    ///   (its source vocabulary is not this model's); `ConfigurationError` when `config` is invalid.
    public func remapped(to config: ModelConfig, _ remap: VocabularyRemap) throws -> AWDLSTMModel {
        guard config.vocabSize == remap.sourceRows.count, config.emsize == self.config.emsize else {
            throw CheckpointError.remapMismatch(reason: "the model has emsize \(config.emsize) and \(config.vocabSize) words, "
                                                + "expected emsize \(self.config.emsize) and \(remap.sourceRows.count) words")
        }
        if let row = remap.sourceRows.lazy.compactMap({ $0 }).first(where: { $0 >= self.config.vocabSize }) {
            throw CheckpointError.remapMismatch(reason: "the remapping reads source row \(row) of a model with "
                                                + "\(self.config.vocabSize) words (it was made from another vocabulary)")
        }
        var rng = RandomSource(seed: 0)
        let target = try AWDLSTMModel(config: config, rng: &rng)
        let from = layout, to = target.layout
        let layers = zip(from.layers, to.layers).map { ($0.entries, $1.entries) }
        guard from.layers.count == to.layers.count, layers.allSatisfy({ $0.map(\.shape) == $1.map(\.shape) }) else {
            throw CheckpointError.remapMismatch(reason: "the recurrent layers of the configuration differ from the weights'")
        }
        let src = UnsafePointer(weights.pointer), dst = target.weights.pointer
        func copy(_ a: ParameterLayout.Entry, _ b: ParameterLayout.Entry) {
            dst.advanced(by: b.offset).update(from: src + a.offset, count: a.count)
        }
        for (a, b) in layers { zip(a, b).forEach(copy) }
        if let a = from.tailVectors, let b = to.tailVectors, a.shape == b.shape, let c = from.tailBias, let d = to.tailBias {
            copy(a, b)
            copy(c, d)
        }

        // Means over every source word, in Double (a 267,735-word sum in Float loses digits).
        let e = config.emsize, oldV = self.config.vocabSize
        var meanRow = [Double](repeating: 0, count: e), meanBias = 0.0
        for r in 0..<oldV {
            let row = src + from.encoder.offset + r * e
            for k in 0..<e { meanRow[k] += Double(row[k]) }
            meanBias += Double(src[from.decoderBias.offset + r])
        }
        let mean = meanRow.map { Float($0 / Double(oldV)) }
        for (r, old) in remap.sourceRows.enumerated() {
            let row = dst + to.encoder.offset + r * e
            if let old {
                row.update(from: src + from.encoder.offset + old * e, count: e)
                dst[to.decoderBias.offset + r] = src[from.decoderBias.offset + old]
            } else {
                row.update(from: mean, count: e)
                dst[to.decoderBias.offset + r] = Float(meanBias / Double(oldV))
            }
        }
        return target
    }
}
