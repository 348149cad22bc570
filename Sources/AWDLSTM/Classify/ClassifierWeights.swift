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

    /// Every tensor of `classifier`, in `state_dict` order.
    static func tensors(_ classifier: TextClassifier) -> [(name: String, shape: [Int], values: [Float])] {
        let model = classifier.encoder, layout = model.layout
        func values(_ e: ParameterLayout.Entry) -> [Float] {
            Array(UnsafeBufferPointer(start: model.weights.pointer + e.offset, count: e.count))
        }
        var out: [(name: String, shape: [Int], values: [Float])] = []
        for name in ["encoder.weight", "encoder_dp.emb.weight"] {
            out.append((encoderPrefix + name, layout.encoder.shape, values(layout.encoder)))
        }
        for (l, layer) in layout.layers.enumerated() {
            guard case .lstm(let e) = layer else { continue }
            let prefix = "\(encoderPrefix)rnns.\(l)."
            for (suffix, entry) in [("weight_hh_l0_raw", e.weightHH), ("module.weight_ih_l0", e.weightIH),
                                    ("module.bias_ih_l0", e.biasIH), ("module.bias_hh_l0", e.biasHH)] {
                out.append((prefix + suffix, entry.shape, values(entry)))
            }
        }
        let head = classifier.head, w = head.weights.pointer
        for (k, b) in head.blocks.enumerated() {
            let bn = "1.layers.\(k).0."
            out.append((bn + "weight", [b.inputs], Array(UnsafeBufferPointer(start: w + b.bnWeight, count: b.inputs))))
            out.append((bn + "bias", [b.inputs], Array(UnsafeBufferPointer(start: w + b.bnBias, count: b.inputs))))
            out.append((bn + "running_mean", [b.inputs], head.runningMean[k]))
            out.append((bn + "running_var", [b.inputs], head.runningVariance[k]))
            out.append((bn + "num_batches_tracked", [], [Float(head.batchesTracked[k])]))
            out.append((linearName(block: k, dropout: head.dropouts[k]), [b.outputs, b.inputs],
                        Array(UnsafeBufferPointer(start: w + b.linearWeight, count: b.inputs * b.outputs))))
        }
        return out
    }

    /// The trained parameters by fastai name, each with its place in the weight
    /// and gradient buffers (`count` floats at `offset` of both), in `state_dict` order.
    static func parameters(_ classifier: TextClassifier)
        -> [(name: String, weights: FloatBuffer, gradients: FloatBuffer, offset: Int, count: Int)]
    {
        let model = classifier.encoder, head = classifier.head
        var out = [("\(encoderPrefix)encoder.weight", model.weights, model.gradients, model.layout.encoder.offset,
                    model.layout.encoder.count)]
        for (l, layer) in model.layout.layers.enumerated() {
            guard case .lstm(let e) = layer else { continue }
            for (suffix, entry) in [("weight_hh_l0_raw", e.weightHH), ("module.weight_ih_l0", e.weightIH),
                                    ("module.bias_ih_l0", e.biasIH), ("module.bias_hh_l0", e.biasHH)] {
                out.append(("\(encoderPrefix)rnns.\(l).\(suffix)", model.weights, model.gradients, entry.offset, entry.count))
            }
        }
        for (k, b) in head.blocks.enumerated() {
            out.append(("1.layers.\(k).0.weight", head.weights, head.gradients, b.bnWeight, b.inputs))
            out.append(("1.layers.\(k).0.bias", head.weights, head.gradients, b.bnBias, b.inputs))
            out.append((linearName(block: k, dropout: head.dropouts[k]), head.weights, head.gradients, b.linearWeight,
                        b.inputs * b.outputs))
        }
        return out
    }

    /// Reads every tensor of `tensors`' names from `file` into `classifier`.
    /// Throws `CheckpointError` naming a missing tensor or a shape that differs.
    static func load(_ file: SafeTensors, into classifier: TextClassifier) throws {
        let head = classifier.head
        // The embedding's alias: safetensors stores a shared tensor once, so a
        // file saved from fastai's state_dict may hold only one of the two names.
        let alias = encoderPrefix + "encoder_dp.emb.weight"
        for t in tensors(classifier) where !(t.name == alias && file.info(alias) == nil) {
            let name = file.info(t.name) != nil ? t.name : alternateLinearName(t.name) ?? t.name
            guard let info = file.info(name) else { throw CheckpointError.missingTensor(source: file.source, tensor: t.name) }
            if name.hasSuffix("num_batches_tracked") {
                let k = blockIndex(name)
                head.batchesTracked[k] = Int(try file.scalar(name))
                continue
            }
            guard info.shape == t.shape else {
                throw CheckpointError.malformed(source: file.source, reason: "tensor '\(name)' has shape \(info.shape), the classifier needs \(t.shape)")
            }
            try file.requireFinite(name)
            var values = [Float](repeating: 0, count: t.values.count)
            try file.read(name, into: &values)
            try store(values, as: t.name, in: classifier)
        }
    }

    /// A linear weight saved with the other dropout layout (`.1.` for `.2.`).
    private static func alternateLinearName(_ name: String) -> String? {
        guard name.hasPrefix("1.layers.") else { return nil }
        if name.hasSuffix(".2.weight") { return String(name.dropLast(".2.weight".count)) + ".1.weight" }
        if name.hasSuffix(".1.weight") { return String(name.dropLast(".1.weight".count)) + ".2.weight" }
        return nil
    }

    private static func blockIndex(_ name: String) -> Int { Int(name.split(separator: ".")[2])! }

    private static func store(_ values: [Float], as name: String, in classifier: TextClassifier) throws {
        let model = classifier.encoder, head = classifier.head
        if name.hasPrefix(encoderPrefix) {
            let local = String(name.dropFirst(encoderPrefix.count))
            if local == "encoder_dp.emb.weight" { return }  // the same matrix as encoder.weight
            let entry: ParameterLayout.Entry
            if local == "encoder.weight" {
                entry = model.layout.encoder
            } else {
                let parts = local.split(separator: ".", maxSplits: 2)
                guard case .lstm(let e) = model.layout.layers[Int(parts[1])!] else { return }
                switch String(parts[2]) {
                case "weight_hh_l0_raw": entry = e.weightHH
                case "module.weight_ih_l0": entry = e.weightIH
                case "module.bias_ih_l0": entry = e.biasIH
                default: entry = e.biasHH
                }
            }
            values.withUnsafeBufferPointer { (model.weights.pointer + entry.offset).update(from: $0.baseAddress!, count: entry.count) }
            return
        }
        let k = blockIndex(name), b = head.blocks[k], w = head.weights.pointer
        switch name.split(separator: ".").suffix(2).joined(separator: ".") {
        case "0.weight": values.withUnsafeBufferPointer { (w + b.bnWeight).update(from: $0.baseAddress!, count: b.inputs) }
        case "0.bias": values.withUnsafeBufferPointer { (w + b.bnBias).update(from: $0.baseAddress!, count: b.inputs) }
        case "0.running_mean": head.runningMean[k] = values
        case "0.running_var": head.runningVariance[k] = values
        default: values.withUnsafeBufferPointer { (w + b.linearWeight).update(from: $0.baseAddress!, count: b.inputs * b.outputs) }
        }
    }
}
