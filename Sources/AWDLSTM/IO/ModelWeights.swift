import Foundation

/// The tensor names of an AWD-LSTM `state_dict`: the one mapping between this
/// toolkit's parameters and the names PyTorch code saves them under, used to
/// save, load and import weights.
///
/// - `salesforce`: the authors' `RNNModel` (salesforce/awd-lstm-lm), the names
///   of this toolkit's own files: `encoder.weight`, `rnns.{l}.module.weight_ih_l0`,
///   `rnns.{l}.module.weight_hh_l0_raw`, `rnns.{l}.module.bias_ih_l0`,
///   `rnns.{l}.module.bias_hh_l0`, `decoder.weight` (tied: the embedding's
///   values), `decoder.bias`. A QRNN (`--model QRNN`: torchqrnn's `QRNNLayer`
///   with `WeightDrop` on its `linear`) has instead
///   `rnns.{l}.linear.module.weight_raw [3H, window·In]` (gate blocks z, f, o;
///   window 2 on the first layer) and `rnns.{l}.linear.module.bias [3H]`. A
///   model trained with the split cross-entropy (WikiText-103) also holds the
///   criterion's `criterion.tail_vectors` and `criterion.tail_bias` (the
///   authors' `SplitCrossEntropyLoss` parameters, prefixed `criterion.`).
/// - `fastai`: fastai's language model, `SequentialRNN(AWD_LSTM, LinearDecoder)`
///   (LSTM only): `0.encoder.weight`, `0.encoder_dp.emb.weight` (the same tensor),
///   `0.rnns.{l}.weight_hh_l0_raw` (outside `.module`),
///   `0.rnns.{l}.module.weight_ih_l0`, `0.rnns.{l}.module.bias_ih_l0`,
///   `0.rnns.{l}.module.bias_hh_l0`, `1.decoder.weight`, `1.decoder.bias`.
///
/// In both, a copy of the weight-dropped matrix (`….module.weight_hh_l0`, a
/// QRNN's `….linear.module.weight`) may be present; it is derived from the raw
/// matrix and is ignored.
public enum CheckpointFormat: String, CaseIterable, Sendable {
    case salesforce, fastai

    /// The names of the embedding (first: the one the format always has), in the
    /// order they are looked for. All present copies must be identical.
    var embeddingNames: [String] {
        switch self {
        case .salesforce: ["encoder.weight"]
        case .fastai: ["0.encoder.weight", "0.encoder_dp.emb.weight"]
        }
    }

    var decoderWeight: String { self == .salesforce ? "decoder.weight" : "1.decoder.weight" }
    var decoderBias: String { self == .salesforce ? "decoder.bias" : "1.decoder.bias" }
    var layerPrefix: String { self == .salesforce ? "rnns." : "0.rnns." }
    /// Every name of the embedding matrix: its own names, then the tied decoder's.
    var embeddingCopies: [String] { embeddingNames + [decoderWeight] }
    static let tailVectors = "criterion.tail_vectors", tailBias = "criterion.tail_bias"
    /// The split cross-entropy's parameters, which only the authors' code has.
    var criterionNames: [String] { self == .salesforce ? [Self.tailVectors, Self.tailBias] : [] }

    /// Per-layer tensors, as suffixes after `layerPrefix + "{l}."`.
    enum LayerTensor: CaseIterable {
        case weightIH, weightHHRaw, biasIH, biasHH, droppedWeightHH
        case qrnnWeightRaw, qrnnBias, qrnnDroppedWeight

        var isQRNN: Bool { self == .qrnnWeightRaw || self == .qrnnBias || self == .qrnnDroppedWeight }
    }

    func suffix(_ t: LayerTensor) -> String {
        switch t {
        case .weightIH: "module.weight_ih_l0"
        case .weightHHRaw: self == .salesforce ? "module.weight_hh_l0_raw" : "weight_hh_l0_raw"
        case .biasIH: "module.bias_ih_l0"
        case .biasHH: "module.bias_hh_l0"
        case .droppedWeightHH: "module.weight_hh_l0"
        case .qrnnWeightRaw: "linear.module.weight_raw"
        case .qrnnBias: "linear.module.bias"
        case .qrnnDroppedWeight: "linear.module.weight"
        }
    }

    func name(_ t: LayerTensor, layer l: Int) -> String { "\(layerPrefix)\(l).\(suffix(t))" }

    /// The layer and tensor a name stands for, or nil when it is not a layer tensor.
    func parseLayerName(_ name: String) -> (Int, LayerTensor)? {
        guard name.hasPrefix(layerPrefix) else { return nil }
        let rest = name.dropFirst(layerPrefix.count)
        guard let dot = rest.firstIndex(of: ".") else { return nil }
        let digits = String(rest[..<dot])
        // Canonical non-negative decimal only ("01" or "+1" are not PyTorch names).
        guard let l = Int(digits), l >= 0, String(l) == digits else { return nil }
        let suffix = String(rest[rest.index(after: dot)...])
        // Only the authors' code builds a QRNN under these names.
        guard let t = LayerTensor.allCases.first(where: { self.suffix($0) == suffix && (self == .salesforce || !$0.isQRNN) })
        else { return nil }
        return (l, t)
    }

    /// Whether `file` has this format's characteristic names.
    func looksLike(_ file: SafeTensors) -> Bool {
        file.info(embeddingNames[0]) != nil || file.info(name(.weightIH, layer: 0)) != nil
    }

    /// Every parameter of `layout` with the names this format stores it under:
    /// first the one always written, then the tied copies holding the same values
    /// (the embedding's aliases and `decoder.weight`). In layout order.
    func tensorNames(_ layout: ParameterLayout) -> [(entry: ParameterLayout.Entry, names: [String])] {
        var out = [(entry: layout.encoder, names: embeddingCopies)]
        for (l, layer) in layout.layers.enumerated() {
            let kinds: [LayerTensor] = switch layer {
            case .lstm: [.weightIH, .weightHHRaw, .biasIH, .biasHH]
            case .qrnn: [.qrnnWeightRaw, .qrnnBias]
            }
            for (entry, kind) in zip(layer.entries, kinds) { out.append((entry, [name(kind, layer: l)])) }
        }
        out.append((layout.decoderBias, [decoderBias]))
        if let v = layout.tailVectors, let b = layout.tailBias {
            out += [(v, [Self.tailVectors]), (b, [Self.tailBias])]
        }
        return out
    }
}

/// Model weights as safetensors with the authors' PyTorch `state_dict` names,
/// so `torch.load`-style users can read them with `safetensors.torch.load_file`
/// and `load_state_dict` them into the reference model.
extension AWDLSTMModel {
    /// The tensors to save, in layout order, each under every name of `format`
    /// (the tied `decoder.weight` too: PyTorch stores both names).
    /// `values` defaults to the model's own weights; pass another buffer of the
    /// same layout (e.g. averaged weights) to save that instead.
    func namedTensors(from values: FloatBuffer? = nil, format: CheckpointFormat = .salesforce) -> [SafeTensors.Tensor] {
        let base = UnsafePointer((values ?? weights).pointer)
        return format.tensorNames(layout).flatMap { e, names in
            let view = UnsafeBufferPointer(start: base + e.offset, count: e.count)
            return names.map { SafeTensors.Tensor(name: $0, shape: e.shape, values: view) }
        }
    }

    /// Writes the weights (atomically) to `url`, with `metadata` in the file's
    /// `__metadata__`. Throws `FileError` when the file cannot be written.
    public func saveWeights(to url: URL, metadata: [String: String] = [:]) throws {
        try saveWeights(to: url, from: nil, metadata: metadata)
    }

    /// `saveWeights(to:metadata:)` of `values` (nil: the model's own weights), a
    /// buffer of the model's layout such as the averaged weights.
    func saveWeights(to url: URL, from values: FloatBuffer?, metadata: [String: String] = [:]) throws {
        precondition(values.map { $0.count == weights.count } ?? true, "weights of another layout")
        try SafeTensors.write(namedTensors(from: values), metadata: metadata, to: url)
    }

    /// Loads every parameter from `file`, named as `format` names them, after
    /// checking that each is present with the expected shape and dtype F32 and
    /// holds finite values only; nothing is changed on error. Of a parameter
    /// stored under several names (the tied `decoder.weight`), the first present
    /// is read and the others must have its shape. `source` names the file in
    /// errors. Throws `CheckpointError`.
    public func loadWeights(from file: SafeTensors, format: CheckpointFormat = .salesforce, source: String) throws {
        try loadWeights(from: file, format: format, into: nil, source: source)
    }

    /// `loadWeights(from:format:source:)` into `values` (nil: the model's own
    /// weights), a buffer of the model's layout.
    func loadWeights(from file: SafeTensors, format: CheckpointFormat = .salesforce,
                     into values: FloatBuffer?, source: String) throws {
        precondition(values.map { $0.count == weights.count } ?? true, "weights of another layout")
        let target = values ?? weights
        for (e, name) in try checkWeights(in: file, format: format, source: source) {
            try file.read(name, into: UnsafeMutableBufferPointer(start: target.pointer + e.offset, count: e.count))
        }
    }

    /// Checks, without loading them, that `file` holds every parameter as
    /// `loadWeights` needs it (present, of the expected shape, F32, finite) and
    /// returns each parameter with the name it is read from; throws
    /// `CheckpointError` naming `source` and the tensor otherwise.
    @discardableResult
    public func checkWeights(in file: SafeTensors, format: CheckpointFormat = .salesforce,
                             source: String) throws -> [(entry: ParameterLayout.Entry, name: String)] {
        var sources: [(entry: ParameterLayout.Entry, name: String)] = []
        for (e, names) in format.tensorNames(layout) {
            let present = names.compactMap { file.info($0) }
            guard let t = present.first else { throw CheckpointError.missingTensor(source: source, tensor: names[0]) }
            guard t.shape == e.shape else {
                throw CheckpointError.shapeMismatch(source: source, tensor: t.name, shape: t.shape, expected: e.shape)
            }
            guard t.dtype == "F32" else { throw CheckpointError.unsupportedDType(source: source, tensor: t.name, dtype: t.dtype) }
            for copy in present.dropFirst() where copy.shape != e.shape {
                throw CheckpointError.shapeMismatch(source: source, tensor: copy.name, shape: copy.shape, expected: e.shape)
            }
            try file.requireFinite(t.name)
            sources.append((e, t.name))
        }
        return sources
    }
}
