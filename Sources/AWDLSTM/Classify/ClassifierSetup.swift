import Foundation

/// A new classifier on a language model's encoder (ULMFiT's third stage): the
/// language model's sizes, vocabulary and tokenizer; its embedding and
/// recurrent layers copied; a fresh fastai head for `classes`.
public struct ClassifierSetup {
    public let run: ClassifierRun

    /// An error setting a classifier up, one line each.
    public enum SetupError: Error, Equatable, CustomStringConvertible {
        case noPaddingToken
        case notLSTM
        case tooFewClasses([String])
        case unknownLabel(source: String, label: String, classes: [String])
        case tooFewDocuments(label: String)

        public var description: String {
            switch self {
            case .noPaddingToken:
                "the language model's vocabulary has no padding token xxpad: train it with --tokenizer fastai or import a fastai model"
            case .notLSTM: "a classifier needs an LSTM language model (fastai's AWD_LSTM), not a QRNN"
            case .tooFewClasses(let c): "a classifier needs at least 2 classes, the data has \(c.count)\(c.isEmpty ? "" : " (\(c.joined(separator: ", ")))")"
            case .unknownLabel(let source, let label, let classes):
                "\(source): label '\(label)' is not one of the classifier's classes (\(classes.joined(separator: ", ")))"
            case .tooFewDocuments(let label): "class '\(label)' has a single document; each class needs at least 2 to train and validate"
            }
        }
    }

    /// Throws `SetupError` when the model cannot carry a classifier, `ConfigurationError` for bad sizes.
    public init(
        languageModel lm: LanguageModel, classes: [String], dropMult: Float = 0.5, bptt: Int = 72,
        maxLength: Int = 1440, linearFeatures: [Int] = [50], seed: UInt64 = 1
    ) throws {
        guard classes.count >= 2 else { throw SetupError.tooFewClasses(classes) }
        guard lm.config.model == .lstm else { throw SetupError.notLSTM }
        guard let pad = lm.vocabulary.id(FastaiRules.padding) else { throw SetupError.noPaddingToken }
        let config = ClassifierConfig(vocabSize: lm.config.vocabSize, classes: classes, emsize: lm.config.emsize,
                                      nhid: lm.config.nhid, nlayers: lm.config.nlayers, dropMult: dropMult, bptt: bptt,
                                      maxLength: maxLength, linearFeatures: linearFeatures, paddingIndex: pad)
        var rng = RandomSource(seed: seed)
        let classifier = try TextClassifier(config: config, rng: &rng)
        // The same sizes give the same entries; the language model's decoder
        // bias and split-softmax tensors have no place in the classifier.
        let source = ParameterLayout(lm.config), target = classifier.encoder.layout
        for (s, t) in zip([source.encoder] + source.layers.flatMap(\.entries), [target.encoder] + target.layers.flatMap(\.entries)) {
            (classifier.encoder.weights.pointer + t.offset).update(from: lm.weights.pointer + s.offset, count: s.count)
        }
        run = ClassifierRun(classifier: classifier, vocabulary: lm.vocabulary, tokenizer: lm.tokenizer)
    }
}
