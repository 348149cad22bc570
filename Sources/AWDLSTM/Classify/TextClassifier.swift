import Foundation

/// A ULMFiT text classifier (Howard & Ruder 2018) as fastai 2.8 builds it with
/// `get_text_classifier(AWD_LSTM, …)`: the language model's embedding and
/// recurrent stack read each document in windows (`SentenceEncoder`), and a
/// `PoolingLinearClassifier` head turns the pooled outputs into class logits.
///
/// The encoder is an `AWDLSTMModel` whose decoder is not used; the head's
/// parameters sit in a buffer of their own. One thread uses a classifier at a
/// time.
public final class TextClassifier {
    public let config: ClassifierConfig
    let encoder: AWDLSTMModel
    let head: PoolingLinearClassifier
    let sentenceEncoder: SentenceEncoder

    /// A classifier with a freshly initialised encoder (as `AWDLSTMModel`) and
    /// head (as fastai). Throws `ConfigurationError` for an invalid `config`.
    public init(config: ClassifierConfig, rng: inout RandomSource) throws(ConfigurationError) {
        try config.validate()
        self.config = config
        encoder = try AWDLSTMModel(config: config.encoder, rng: &rng)
        head = PoolingLinearClassifier(dims: config.headDims, dropouts: config.headDropouts, rng: &rng)
        sentenceEncoder = SentenceEncoder(bptt: config.bptt, maxLength: config.maxLength, paddingIndex: config.paddingIndex)
    }

    /// The logits `[B, classes]` of the documents in evaluation mode (no
    /// dropout, batch norm with its running statistics). Throws `ModelError`
    /// for a token outside the vocabulary.
    public func logits(_ documents: PaddedDocuments) throws(ModelError) -> [Float] {
        var rng = RandomSource(seed: 0)
        let encoded = try sentenceEncoder.forward(encoder, tokens: documents.tokens, batchSize: documents.batchSize,
                                                  length: documents.length, dropout: nil, rng: &rng)
        let pooled = pool(encoded)
        return head.forward(pooled.pooled, batchSize: documents.batchSize, training: false, dropout: false, rng: &rng).logits
    }

    /// The class probabilities `[B, classes]` (softmax of `logits`).
    public func probabilities(_ documents: PaddedDocuments) throws(ModelError) -> [Float] {
        let z = try logits(documents), k = config.classes.count
        var p = [Float](repeating: 0, count: z.count)
        for i in 0..<(z.count / k) {
            let row = z[(i * k)..<(i * k + k)], top = row.max()!
            let sum = row.reduce(Float(0)) { $0 + Foundation.exp($1 - top) }
            for c in 0..<k { p[i * k + c] = Foundation.exp(z[i * k + c] - top) / sum }
        }
        return p
    }

    /// The result of a training pass.
    public struct Loss: Sendable {
        /// Mean cross-entropy over the batch (fastai's reported loss).
        public var crossEntropy: Double
        /// `alpha · mean(out²)` and `beta · mean((out_{t+1} − out_t)²)` on the encoder's outputs.
        public var activation: Double, temporalActivation: Double
        /// `[B, classes]`: the pass's logits (batch statistics, dropout applied).
        public var logits: [Float]
        /// The encoder's output of the pass.
        var encoded: SentenceEncoder.Output
    }

    /// One training forward and backward pass on `documents` with integer class
    /// `labels` (`[B]`): overwrites the gradients of every parameter with those
    /// of the mean cross-entropy plus AR and TAR (fastai's `RNNRegularizer`),
    /// updates the batch norms' running statistics, and returns the losses.
    /// Dropout follows `dropout` (masks from `rng` when `.sampled`; the head's
    /// dropout is off unless `.sampled`). Needs at least 2 documents (batch norm).
    ///
    /// `replaying` a previous pass's encoder output runs the encoder's windows
    /// again from the states and masks that pass recorded (`SentenceEncoder.replay`),
    /// so that the loss depends on the weights as the gradient does: the
    /// finite-difference checks use it.
    ///
    /// With `encoderTrainable` false (every encoder group frozen, ULMFiT's first
    /// stage) the encoder's backward pass is skipped and its gradients are left zero.
    func trainingPass(
        _ documents: PaddedDocuments, labels: [Int], dropout: DropoutMode = .sampled, rng: inout RandomSource,
        replaying previous: SentenceEncoder.Output? = nil, encoderTrainable: Bool = true
    ) throws(ModelError) -> Loss {
        let b = documents.batchSize, k = config.classes.count, e = config.encoder.emsize
        let encoded: SentenceEncoder.Output
        if let previous {
            encoded = try sentenceEncoder.replay(encoder, tokens: documents.tokens, length: documents.length,
                                                 output: previous, dropout: dropout)
            rng = previous.rng
        } else {
            encoded = try sentenceEncoder.forward(encoder, tokens: documents.tokens, batchSize: b,
                                                  length: documents.length, dropout: dropout, rng: &rng)
        }
        let pooled = pool(encoded)
        var sampled = false
        if case .sampled = dropout { sampled = true }
        let headPass = head.forward(pooled.pooled, batchSize: b, training: true, dropout: sampled, rng: &rng)
        let (ce, dLogits) = Self.crossEntropy(headPass.logits, labels: labels, classes: k)
        encoder.gradients.zero()
        head.gradients.zero()
        let dPooled = head.backward(dLogits, trace: headPass.trace, batchSize: b)
        var dOutputs = MaskedConcatPool.backward(dPooled: dPooled, trace: pooled.trace, mask: encoded.mask,
                                                 batchSize: b, length: encoded.keptLength, features: e)
        let (ar, tar) = activationRegularization(encoded, gradient: &dOutputs)
        if encoderTrainable {
            try sentenceEncoder.backward(encoder, tokens: documents.tokens, length: documents.length, output: encoded,
                                         dOutputs: dOutputs, dropout: dropout)
        }
        return Loss(crossEntropy: ce, activation: ar, temporalActivation: tar, logits: headPass.logits, encoded: encoded)
    }

    /// fastai's `awd_lstm_clas_split`: the embedding, each recurrent layer, then
    /// the head — the groups that discriminative learning rates and gradual
    /// unfreezing address (`nlayers + 2` of them). Batch-norm parameters take no
    /// weight decay.
    func parameterGroups() -> [[FastaiAdam.Segment]] {
        let layout = encoder.layout
        func encoderSegment(_ entry: ParameterLayout.Entry) -> FastaiAdam.Segment {
            FastaiAdam.Segment(weights: encoder.weights, gradients: encoder.gradients, offset: entry.offset,
                               count: entry.count, decay: true)
        }
        let headSegments = head.blocks.flatMap { b in
            [FastaiAdam.Segment(weights: head.weights, gradients: head.gradients, offset: b.bnWeight, count: b.inputs, decay: false),
             FastaiAdam.Segment(weights: head.weights, gradients: head.gradients, offset: b.bnBias, count: b.inputs, decay: false),
             FastaiAdam.Segment(weights: head.weights, gradients: head.gradients, offset: b.linearWeight,
                                count: b.inputs * b.outputs, decay: true)]
        }
        return [[encoderSegment(layout.encoder)]] + layout.layers.map { $0.entries.map(encoderSegment) } + [headSegments]
    }

    private func pool(_ encoded: SentenceEncoder.Output) -> (pooled: [Float], trace: MaskedConcatPool.Trace) {
        MaskedConcatPool.forward(outputs: encoded.outputs, mask: encoded.mask, batchSize: encoded.batchSize,
                                 length: encoded.keptLength, features: config.encoder.emsize, bptt: config.bptt)
    }

    /// fastai's `RNNRegularizer` on the encoder's outputs `[B, S, E]` (padding
    /// and all): AR `alpha · mean(out²)` and, when `B > 1` (fastai tests the
    /// first dimension), TAR `beta · mean((out[:, t+1] − out[:, t])²)`. Adds their
    /// gradients to `gradient` and returns both values.
    private func activationRegularization(_ encoded: SentenceEncoder.Output, gradient d: inout [Float]) -> (Double, Double) {
        let out = encoded.outputs, b = encoded.batchSize, s = encoded.keptLength, e = config.encoder.emsize
        var ar = 0.0, tar = 0.0
        let alpha = config.alpha, beta = config.beta
        if alpha != 0 {
            let scale = 2 * alpha / Float(out.count)
            for i in 0..<out.count {
                ar += Double(out[i]) * Double(out[i])
                d[i] += scale * out[i]
            }
            ar *= Double(alpha) / Double(out.count)
        }
        if beta != 0 && b > 1 && s > 1 {
            let n = b * (s - 1) * e, scale = 2 * beta / Float(n)
            for j in 0..<b {
                for t in 0..<(s - 1) {
                    for k in 0..<e {
                        let next = (j * s + t + 1) * e + k, this = (j * s + t) * e + k
                        let diff = out[next] - out[this]
                        tar += Double(diff) * Double(diff)
                        d[next] += scale * diff
                        d[this] -= scale * diff
                    }
                }
            }
            tar *= Double(beta) / Double(n)
        }
        return (ar, tar)
    }

    /// Mean cross-entropy of `logits` `[B, k]` against `labels`, and its gradient.
    static func crossEntropy(_ logits: [Float], labels: [Int], classes k: Int) -> (Double, [Float]) {
        let b = labels.count
        var loss = 0.0, d = [Float](repeating: 0, count: logits.count)
        for i in 0..<b {
            let row = Array(logits[(i * k)..<(i * k + k)]), top = Double(row.max()!)
            let sum = row.reduce(0.0) { $0 + Foundation.exp(Double($1) - top) }
            loss += top + Foundation.log(sum) - Double(row[labels[i]])
            for c in 0..<k {
                d[i * k + c] = Float((Foundation.exp(Double(row[c]) - top) / sum - (c == labels[i] ? 1 : 0)) / Double(b))
            }
        }
        return (loss / Double(b), d)
    }
}
