extension ModelConfig {
    /// Sizes read off a weights file with the authors' names: `emsize` and the
    /// vocabulary from `encoder.weight`, the layer count from the `rnns.{l}`
    /// entries, the layer kind from their names, `nhid` from the first layer
    /// (dropouts keep their defaults), the split cross-entropy's clusters from
    /// `criterion.tail_vectors` (see `checkpointSplits`).
    public static func inferred(from file: SafeTensors, source: String, splits: [Int]? = nil) throws -> ModelConfig {
        guard let enc = file.info("encoder.weight"), enc.shape.count == 2 else {
            throw IOError("\(source): no 2-D 'encoder.weight' tensor")
        }
        // A QRNN has `rnns.{l}.linear.module.weight_raw [3H, window·In]`, an LSTM
        // `rnns.{l}.module.weight_hh_l0_raw [4H, H]`.
        let model: RNNType = file.info("rnns.0.linear.module.weight_raw") != nil ? .qrnn : .lstm
        let first = model == .qrnn ? "linear.module.weight_raw" : "module.weight_hh_l0_raw"
        var layers = 0
        while file.info("rnns.\(layers).\(first)") != nil { layers += 1 }
        guard layers > 0 else { throw IOError("\(source): no recurrent layers ('rnns.0.module.weight_hh_l0_raw' missing)") }
        guard let w = file.info("rnns.0.\(first)"), w.shape.count == 2 else {
            throw IOError("\(source): tensor 'rnns.0.\(first)' is not a matrix")
        }
        let nhid = layers == 1 ? enc.shape[1] : model == .qrnn ? w.shape[0] / 3 : w.shape[1]
        let tails = file.info("criterion.tail_vectors")?.shape.first
        return ModelConfig(vocabSize: enc.shape[0], model: model, emsize: enc.shape[1], nhid: nhid, nlayers: layers,
                           splits: try checkpointSplits(tailClusters: tails, vocabSize: enc.shape[0], given: splits, source: source))
    }

    /// The splits of a checkpoint with `tailClusters` rows of `criterion.tail_vectors`
    /// (nil: none, a full-softmax model). The boundaries are not stored in the
    /// authors' checkpoints: they are `given` (`--splits`) or the defaults of their
    /// `main.py` for the vocabulary size, and their number must match the file's.
    public static func checkpointSplits(tailClusters: Int?, vocabSize: Int, given: [Int]?, source: String) throws -> [Int] {
        guard let k = tailClusters else {
            if let given, !given.isEmpty {
                throw IOError("\(source): --splits given, but the checkpoint has no 'criterion.tail_vectors' (a full-softmax model)")
            }
            return []
        }
        let splits = given ?? defaultSplits(vocabSize: vocabSize)
        guard splits.count == k else {
            throw IOError("\(source): 'criterion.tail_vectors' has \(k) rows (tail clusters), but the splits "
                          + "[\(splits.map(String.init).joined(separator: ", "))] make \(splits.count); give the model's boundaries with --splits A,B,C")
        }
        return splits
    }
}
