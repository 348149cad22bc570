import Foundation

/// Model weights as safetensors with the authors' PyTorch `state_dict` names,
/// so `torch.load`-style users can read them with `safetensors.torch.load_file`
/// and `load_state_dict` them into the reference model.
extension AWDLSTMModel {
    /// The tensors to save, in layout order, plus the tied `decoder.weight`
    /// (same values as `encoder.weight`, as PyTorch stores both names).
    /// `values` defaults to the model's own weights; pass another buffer of the
    /// same layout (e.g. averaged weights) to save that instead.
    public func namedTensors(from values: FloatBuffer? = nil) -> [SafeTensors.Tensor] {
        let base = UnsafePointer((values ?? weights).pointer)
        var out: [SafeTensors.Tensor] = []
        for e in layout.entries {
            let view = UnsafeBufferPointer(start: base + e.offset, count: e.count)
            out.append(.init(name: e.name, shape: e.shape, values: view))
            if e.name == layout.encoder.name {
                out.append(.init(name: ParameterLayout.decoderWeightName, shape: e.shape, values: view))
            }
        }
        return out
    }

    /// Writes the weights (atomically) to `url`.
    public func saveWeights(to url: URL, from values: FloatBuffer? = nil, metadata: [String: String] = [:]) throws {
        try SafeTensors.write(namedTensors(from: values), metadata: metadata, to: url)
    }

    /// Loads every parameter from `file` after checking that each expected name is
    /// present with the expected shape and dtype F32 and holds finite values only;
    /// nothing is changed on error.
    /// `decoder.weight`, when present, must have the embedding's shape (its values
    /// are those of `encoder.weight` in a tied model and are not read).
    public func loadWeights(from file: SafeTensors, into values: FloatBuffer? = nil, source: String) throws {
        for e in layout.entries {
            guard let t = file.info(e.name) else { throw IOError("\(source): missing tensor '\(e.name)'") }
            guard t.shape == e.shape else {
                throw IOError("\(source): tensor '\(e.name)' has shape \(t.shape), the configuration expects \(e.shape)")
            }
            guard t.dtype == "F32" else { throw IOError("\(source): tensor '\(e.name)' has dtype \(t.dtype); only F32 is supported") }
            try file.requireFinite(e.name)
        }
        if let d = file.info(ParameterLayout.decoderWeightName), d.shape != layout.encoder.shape {
            throw IOError("\(source): tensor 'decoder.weight' has shape \(d.shape), expected \(layout.encoder.shape) (tied to encoder.weight)")
        }
        let target = values ?? weights
        for e in layout.entries {
            try file.read(e.name, into: UnsafeMutableBufferPointer(start: target.pointer + e.offset, count: e.count))
        }
    }
}
