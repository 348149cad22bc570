/// The sizes and regularisation of a ULMFiT text classifier (Howard & Ruder
/// 2018), with the defaults of fastai's `text_classifier_learner` (fastai 2.8,
/// `get_text_classifier` and `awd_lstm_clas_config`).
public struct ClassifierConfig: Codable, Equatable, Sendable {
    /// The language model's embedding and recurrent stack. Its `dropout` (the
    /// language model's output dropout) is 0: fastai applies no dropout to the
    /// encoder's last layer and uses `output_p` as the head's first dropout instead.
    public var encoder: ModelConfig
    /// The class labels, in the order of the logits.
    public var classes: [String]
    /// Tokens per encoder window (fastai's `seq_len`).
    public var bptt: Int = 72
    /// Encoder outputs kept from the end of a batch of documents (fastai's `max_len`).
    public var maxLength: Int = 72 * 20
    /// The hidden sizes of the head between the pooled features and the logits (`lin_ftrs`).
    public var linearFeatures: [Int] = [50]
    /// One dropout probability per head block (fastai's `ps`, with `output_p` first).
    public var headDropouts: [Float]
    /// The padding token's id (`xxpad`).
    public var paddingIndex: Int32 = 1
    /// AR and TAR on the encoder's outputs (`TextLearner`'s `alpha` and `beta`).
    public var alpha: Float = 2, beta: Float = 1

    /// fastai's configuration for `vocabSize` words and `classes`, every dropout
    /// probability of `awd_lstm_clas_config` (embed 0.05, input 0.4, hidden 0.3,
    /// weight 0.5, output 0.4) times `dropMult`; the other head blocks' dropout
    /// 0.1, which fastai does not scale.
    public init(
        vocabSize: Int, classes: [String], emsize: Int = 400, nhid: Int = 1152, nlayers: Int = 3,
        dropMult: Float = 0.5, bptt: Int = 72, maxLength: Int = 72 * 20, linearFeatures: [Int] = [50],
        paddingIndex: Int32 = 1
    ) {
        encoder = ModelConfig(vocabSize: vocabSize, emsize: emsize, nhid: nhid, nlayers: nlayers, dropout: 0,
                              dropouth: 0.3 * dropMult, dropouti: 0.4 * dropMult, dropoute: 0.05 * dropMult,
                              wdrop: 0.5 * dropMult)
        self.classes = classes
        self.bptt = bptt
        self.maxLength = maxLength
        self.linearFeatures = linearFeatures
        headDropouts = [0.4 * dropMult] + linearFeatures.map { _ in 0.1 }
        self.paddingIndex = paddingIndex
    }

    /// `config.json` keys: fastai's names where fastai has one.
    enum CodingKeys: String, CodingKey {
        case encoder, classes, bptt, alpha, beta
        case maxLength = "max_len", linearFeatures = "lin_ftrs", headDropouts = "ps", paddingIndex = "pad_idx"
    }

    /// The head's sizes: `[3·emsize, linearFeatures…, classes]`.
    public var headDims: [Int] { [3 * encoder.emsize] + linearFeatures + [classes.count] }

    /// Checks what the model's construction relies on. Throws `ConfigurationError` naming the first bad field.
    public func validate() throws(ConfigurationError) {
        typealias C = ConfigurationError
        try encoder.validate()
        try C.require(classes.count >= 2, "classes", classes.count, .atLeast(2))
        try C.require(bptt >= 1, "bptt", bptt, .atLeast(1))
        try C.require(maxLength >= bptt, "maxLength", maxLength, .atLeast(bptt))
        for n in linearFeatures { try C.require(n >= 1, "linearFeatures", n, .atLeast(1)) }
        try C.require(headDropouts.count == linearFeatures.count + 1, "headDropouts", headDropouts.count,
                      .equalTo(linearFeatures.count + 1))
        for p in headDropouts { try C.require(p >= 0 && p < 1, "headDropouts", p, .dropProbability) }
        try C.require(paddingIndex >= 0 && Int(paddingIndex) < encoder.vocabSize, "paddingIndex", paddingIndex,
                      .belowVocabularySize(encoder.vocabSize))
    }
}
