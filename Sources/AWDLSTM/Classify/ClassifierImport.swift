import Foundation

/// A fastai `text_classifier_learner` model's `state_dict` (saved as
/// safetensors) read as a `ClassifierRun`: the sizes inferred from the tensor
/// shapes (`0.module.encoder.weight [V, E]`, `rnns.{l}.weight_hh_l0_raw
/// [4H, H]`, each head block's batch norm `[n_in]` and linear `[n_out, n_in]`),
/// the head's dropout from its layout (a linear layer at `.1.` had p = 0; at
/// `.2.` fastai's defaults for `drop_mult` 0.5 are assumed, which only matter
/// for further training), the tokenizer fastai's.
public enum ClassifierImport {
    /// Names that mark a fastai classifier rather than a language model.
    public static func isClassifier(_ file: SafeTensors) -> Bool { file.info(ClassifierWeights.encoderPrefix + "encoder.weight") != nil }

    /// Throws `ImportError`/`CheckpointError` naming a missing or inconsistent tensor.
    public static func run(from file: SafeTensors, vocabulary: Vocabulary, classes: [String]?) throws -> ClassifierRun {
        func shape(_ name: String) throws -> [Int] {
            guard let info = file.info(name) else { throw CheckpointError.missingTensor(source: file.source, tensor: name) }
            return info.shape
        }
        let embedding = try shape(ClassifierWeights.encoderPrefix + "encoder.weight")
        guard embedding.count == 2 else {
            throw CheckpointError.malformed(source: file.source, reason: "the embedding has shape \(embedding), not [V, E]")
        }
        var layers = 0
        while file.info("\(ClassifierWeights.encoderPrefix)rnns.\(layers).weight_hh_l0_raw") != nil { layers += 1 }
        guard layers >= 1 else { throw CheckpointError.missingTensor(source: file.source, tensor: "0.module.rnns.0.weight_hh_l0_raw") }
        let nhid = layers > 1 ? try shape("\(ClassifierWeights.encoderPrefix)rnns.0.weight_hh_l0_raw")[1] : embedding[1]
        var features: [Int] = [], dropouts: [Float] = [], outputs = 0, block = 0
        while let bn = file.info("1.layers.\(block).0.weight") {
            let withDropout = file.info(ClassifierWeights.linearName(block: block, dropout: 1)) != nil
            let linear = try shape(ClassifierWeights.linearName(block: block, dropout: withDropout ? 1 : 0))
            guard linear.count == 2, linear[1] == bn.shape.first else {
                throw CheckpointError.malformed(source: file.source, reason: "head block \(block): linear layer \(linear) does not follow its batch norm \(bn.shape)")
            }
            if block > 0 { features.append(linear[1]) }
            dropouts.append(withDropout ? (block == 0 ? 0.2 : 0.1) : 0)
            outputs = linear[0]
            block += 1
        }
        guard block >= 1 else { throw CheckpointError.missingTensor(source: file.source, tensor: "1.layers.0.0.weight") }
        let labels = classes ?? (0..<outputs).map(String.init)
        guard labels.count == outputs else {
            throw CheckpointError.malformed(source: file.source, reason: "the head has \(outputs) classes, \(labels.count) class names were given")
        }
        guard vocabulary.count == embedding[0] else {
            throw CheckpointError.malformed(source: file.source, reason: "the embedding has \(embedding[0]) words, the vocabulary \(vocabulary.count)")
        }
        var config = ClassifierConfig(vocabSize: embedding[0], classes: labels, emsize: embedding[1], nhid: nhid, nlayers: layers,
                                      linearFeatures: features, paddingIndex: vocabulary.id(FastaiRules.padding) ?? 1)
        config.headDropouts = dropouts
        var rng = RandomSource(seed: 0)
        let classifier = try TextClassifier(config: config, rng: &rng)
        try ClassifierWeights.load(file, into: classifier)
        return ClassifierRun(classifier: classifier, vocabulary: vocabulary, tokenizer: .fastai)
    }
}
