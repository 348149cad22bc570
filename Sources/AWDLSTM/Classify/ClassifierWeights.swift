/// A classifier's parameters under the `state_dict` names of fastai's
/// `text_classifier_learner` model (`SequentialRNN(SentenceEncoder(AWD_LSTM),
/// PoolingLinearClassifier)`), so that `model.load_state_dict` in fastai reads
/// what `awd-lstm classify train` saves and the other way round:
///
/// - `0.module.encoder.weight [V, E]` (and its alias `0.module.encoder_dp.emb.weight`),
/// - `0.module.rnns.{l}.weight_hh_l0_raw`, `.module.weight_ih_l0`, `.module.bias_ih_l0`, `.module.bias_hh_l0`,
/// - per head block `k`: `1.layers.{k}.0.weight`, `.bias`, `.running_mean`,
///   `.running_var`, `.num_batches_tracked` (the batch norm), and the linear
///   layer's `1.layers.{k}.2.weight [n_out, n_in]` (`.1.` when the block has no dropout).
enum ClassifierWeights {
    static let encoderPrefix = "0.module."

    /// The linear layer's index inside head block `k` (fastai leaves out a `Dropout` of p = 0).
    static func linearName(block k: Int, dropout: Float) -> String { "1.layers.\(k).\(dropout > 0 ? 2 : 1).weight" }

    /// One trained parameter: its fastai name and shape, and its place in the
    /// weight and gradient buffers (`count` floats at `offset` of both).
    struct Parameter {
        let name: String, shape: [Int]
        let weights: FloatBuffer, gradients: FloatBuffer
        let offset: Int
        var count: Int { shape.reduce(1, *) }
        var values: [Float] { Array(UnsafeBufferPointer(start: weights.pointer + offset, count: count)) }
    }

    /// The trained parameters, in `state_dict` order.
    static func parameters(_ classifier: TextClassifier) -> [Parameter] {
        let model = classifier.encoder, head = classifier.head
        func encoder(_ name: String, _ entry: ParameterLayout.Entry) -> Parameter {
            Parameter(name: encoderPrefix + name, shape: entry.shape, weights: model.weights, gradients: model.gradients, offset: entry.offset)
        }
        func headParameter(_ name: String, _ shape: [Int], _ offset: Int) -> Parameter {
            Parameter(name: name, shape: shape, weights: head.weights, gradients: head.gradients, offset: offset)
        }
        var out = [encoder("encoder.weight", model.layout.encoder)]
        for (l, layer) in model.layout.layers.enumerated() {
            guard case .lstm(let e) = layer else { continue }
            for (suffix, entry) in [("weight_hh_l0_raw", e.weightHH), ("module.weight_ih_l0", e.weightIH),
                                    ("module.bias_ih_l0", e.biasIH), ("module.bias_hh_l0", e.biasHH)] {
                out.append(encoder("rnns.\(l).\(suffix)", entry))
            }
        }
        for (k, b) in head.blocks.enumerated() {
            out.append(headParameter("1.layers.\(k).0.weight", [b.inputs], b.bnWeight))
            out.append(headParameter("1.layers.\(k).0.bias", [b.inputs], b.bnBias))
            out.append(headParameter(linearName(block: k, dropout: head.dropouts[k]), [b.outputs, b.inputs], b.linearWeight))
        }
        return out
    }

    /// Every tensor of `classifier`: the parameters, the embedding's alias
    /// `encoder_dp.emb.weight`, and the batch norms' running statistics.
    static func tensors(_ classifier: TextClassifier) -> [(name: String, shape: [Int], values: [Float])] {
        let parameters = parameters(classifier), head = classifier.head
        let embedding = parameters[0]
        var out = parameters.map { ($0.name, $0.shape, $0.values) }
        out.insert((encoderPrefix + "encoder_dp.emb.weight", embedding.shape, embedding.values), at: 1)
        for k in head.blocks.indices {
            let bn = "1.layers.\(k).0."
            out.append((bn + "running_mean", [head.blocks[k].inputs], head.runningMean[k]))
            out.append((bn + "running_var", [head.blocks[k].inputs], head.runningVariance[k]))
            out.append((bn + "num_batches_tracked", [], [Float(head.batchesTracked[k])]))
        }
        return out
    }

    /// Reads the parameters and running statistics from `file` into
    /// `classifier` (the embedding's alias, the same matrix, is not needed; a
    /// linear weight may be saved under either dropout layout). Throws
    /// `CheckpointError` naming a missing tensor or a shape that differs.
    static func load(_ file: SafeTensors, into classifier: TextClassifier) throws {
        func checked(_ name: String, shape: [Int]) throws -> String {
            let found = file.info(name) != nil ? name : alternateLinearName(name).flatMap { file.info($0) != nil ? $0 : nil }
            guard let found, let info = file.info(found) else { throw CheckpointError.missingTensor(source: file.source, tensor: name) }
            guard info.shape == shape else {
                throw CheckpointError.malformed(source: file.source, reason: "tensor '\(found)' has shape \(info.shape), the classifier needs \(shape)")
            }
            try file.requireFinite(found)
            return found
        }
        for p in parameters(classifier) {
            try file.read(try checked(p.name, shape: p.shape), into: UnsafeMutableBufferPointer(start: p.weights.pointer + p.offset, count: p.count))
        }
        let head = classifier.head
        for (k, b) in head.blocks.enumerated() {
            let bn = "1.layers.\(k).0."
            try file.read(try checked(bn + "running_mean", shape: [b.inputs]), into: &head.runningMean[k])
            try file.read(try checked(bn + "running_var", shape: [b.inputs]), into: &head.runningVariance[k])
            head.batchesTracked[k] = Int(try file.scalar(bn + "num_batches_tracked"))
        }
    }

    /// A linear weight saved with the other dropout layout (`.1.` for `.2.`).
    private static func alternateLinearName(_ name: String) -> String? {
        guard name.hasPrefix("1.layers.") else { return nil }
        if name.hasSuffix(".2.weight") { return String(name.dropLast(".2.weight".count)) + ".1.weight" }
        if name.hasSuffix(".1.weight") { return String(name.dropLast(".1.weight".count)) + ".2.weight" }
        return nil
    }
}
