extension ModelConfig {
    /// Sizes read off a weights file with the authors' names: `emsize` and the
    /// vocabulary from `encoder.weight`, the layer count from the `rnns.{l}`
    /// entries, `nhid` from the first layer (dropouts keep their defaults).
    public static func inferred(from file: SafeTensors, source: String) throws -> ModelConfig {
        guard let enc = file.info("encoder.weight"), enc.shape.count == 2 else {
            throw IOError("\(source): no 2-D 'encoder.weight' tensor")
        }
        var layers = 0
        while file.info("rnns.\(layers).module.weight_ih_l0") != nil { layers += 1 }
        guard layers > 0 else { throw IOError("\(source): no LSTM layers ('rnns.0.module.weight_ih_l0' missing)") }
        guard let hh = file.info("rnns.0.module.weight_hh_l0_raw"), hh.shape.count == 2 else {
            throw IOError("\(source): missing 'rnns.0.module.weight_hh_l0_raw'")
        }
        let nhid = layers == 1 ? enc.shape[1] : hh.shape[1]
        return ModelConfig(vocabSize: enc.shape[0], emsize: enc.shape[1], nhid: nhid, nlayers: layers)
    }
}
