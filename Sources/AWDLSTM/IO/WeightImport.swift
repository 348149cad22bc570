import Foundation

/// The naming of a PyTorch AWD-LSTM checkpoint exported to safetensors.
///
/// - `salesforce`: the authors' `RNNModel` (salesforce/awd-lstm-lm):
///   `encoder.weight`, `rnns.{l}.module.weight_ih_l0`,
///   `rnns.{l}.module.weight_hh_l0_raw`, `rnns.{l}.module.bias_ih_l0`,
///   `rnns.{l}.module.bias_hh_l0`, `decoder.weight`, `decoder.bias`.
/// - `fastai`: fastai's language model, `SequentialRNN(AWD_LSTM, LinearDecoder)`:
///   `0.encoder.weight`, `0.encoder_dp.emb.weight` (the same tensor),
///   `0.rnns.{l}.weight_hh_l0_raw` (outside `.module`),
///   `0.rnns.{l}.module.weight_ih_l0`, `0.rnns.{l}.module.bias_ih_l0`,
///   `0.rnns.{l}.module.bias_hh_l0`, `1.decoder.weight`, `1.decoder.bias`.
///
/// In both, a copy of the weight-dropped matrix `….module.weight_hh_l0` may be
/// present; it is derived from the raw matrix and is ignored.
///
/// A salesforce QRNN (`--model QRNN`: torchqrnn's `QRNNLayer` with `WeightDrop`
/// on its `linear`) has instead `rnns.{l}.linear.module.weight_raw [3H, window·In]`
/// (gate blocks z, f, o; window 2 on the first layer) and
/// `rnns.{l}.linear.module.bias [3H]` (and possibly the derived
/// `rnns.{l}.linear.module.weight`, ignored).
///
/// A salesforce checkpoint of a model trained with the split cross-entropy
/// (WikiText-103) also holds the criterion's `criterion.tail_vectors` and
/// `criterion.tail_bias` (the authors' `SplitCrossEntropyLoss` parameters,
/// prefixed `criterion.`).
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
    /// The split cross-entropy's parameters, which only the authors' code has.
    var criterionNames: [String] { self == .salesforce ? ["criterion.tail_vectors", "criterion.tail_bias"] : [] }

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
}

/// A PyTorch AWD-LSTM checkpoint (safetensors) checked for consistency, with
/// its sizes inferred from the shapes and every tensor mapped to this
/// toolkit's (the authors') names.
///
/// Checks, each failing with one message that names the file and the tensor:
/// every tensor is F32; no tensor is unknown to the format; layers
/// `0..<L` are all complete and of one kind; each LSTM layer's matrices are
/// `[4H, In]` and `[4H, H]` with `[4H]` biases, each QRNN layer's linear map
/// `[3H, window·In]` with a `[3H]` bias; `In` is `emsize` for the first layer and the
/// previous layer's `H` after; all layers but the last share one `H` (`nhid`)
/// and the last has `H == emsize`; the decoder weight, when present, has the
/// embedding's shape and identical values (tied); the decoder bias is `[V]`.
public struct CheckpointImport: Sendable {
    public let format: CheckpointFormat
    public let config: ModelConfig
    /// For each parameter of `ParameterLayout(config)` (and `decoder.weight`), the
    /// name of the tensor in the file that holds its values.
    public let sourceNames: [String: String]
    public let file: SafeTensors
    /// The file's path, used in messages.
    public let source: String

    /// `splits`: the split cross-entropy's boundaries when the checkpoint has
    /// criterion tensors (default: those of the authors' `main.py` for its vocabulary).
    public init(contentsOf url: URL, format: CheckpointFormat, splits: [Int]? = nil) throws {
        try self.init(file: SafeTensors(contentsOf: url), format: format, source: url.path, splits: splits)
    }

    public init(file: SafeTensors, format: CheckpointFormat, source: String, splits: [Int]? = nil) throws {
        self.file = file
        self.format = format
        self.source = source
        func fail(_ why: String) -> IOError { IOError("\(source): \(why)") }
        let other: CheckpointFormat = format == .salesforce ? .fastai : .salesforce
        let hint = other.looksLike(file) && !format.looksLike(file)
            ? " (the names are those of a \(other.rawValue) checkpoint: try --format \(other.rawValue))" : ""

        // 1. Every tensor must be known to the format.
        var layerNames: [Int: [CheckpointFormat.LayerTensor: SafeTensors.TensorInfo]] = [:]
        let fixed = Set(format.embeddingNames + [format.decoderWeight, format.decoderBias] + format.criterionNames)
        for t in file.tensors.sorted(by: { $0.name < $1.name }) {
            if fixed.contains(t.name) { continue }
            if let (l, kind) = format.parseLayerName(t.name) {
                layerNames[l, default: [:]][kind] = t
                continue
            }
            throw fail("unexpected tensor '\(t.name)' for a \(format.rawValue) AWD-LSTM checkpoint\(hint)")
        }
        func requireF32(_ t: SafeTensors.TensorInfo) throws {
            guard t.dtype == "F32" else {
                throw fail("tensor '\(t.name)' has dtype \(t.dtype); only F32 is supported (export with .float())")
            }
        }

        // 2. The embedding: vocabulary size and emsize.
        let embeddingCandidates = format.embeddingNames + [format.decoderWeight]
        guard let embedding = embeddingCandidates.lazy.compactMap({ file.info($0) }).first else {
            throw fail("missing tensor '\(format.embeddingNames[0])' (the word embedding)\(hint)")
        }
        try requireF32(embedding)
        guard embedding.shape.count == 2, embedding.shape[0] >= 1, embedding.shape[1] >= 1 else {
            throw fail("tensor '\(embedding.name)' has shape \(embedding.shape), expected [vocabulary, emsize]")
        }
        let (vocab, emsize) = (embedding.shape[0], embedding.shape[1])

        // 3. Copies of the embedding: same shape and the very same values.
        let copies = embeddingCandidates.compactMap { file.info($0) }.filter { $0.name != embedding.name }
        if !copies.isEmpty {
            let reference = try file.floats(embedding.name).map(\.bitPattern)
            for copy in copies {
                try requireF32(copy)
                let isDecoder = copy.name == format.decoderWeight
                guard copy.shape == embedding.shape else {
                    throw fail("tensor '\(copy.name)' has shape \(copy.shape) but '\(embedding.name)' has \(embedding.shape)"
                               + (isDecoder ? "; the decoder must be tied to the embedding (this toolkit is tied-only)" : ""))
                }
                guard try file.floats(copy.name).map(\.bitPattern) == reference else {
                    throw fail(isDecoder
                        ? "tensor '\(copy.name)' differs from '\(embedding.name)': the decoder is not tied to the embedding, and this toolkit supports tied weights only"
                        : "tensor '\(copy.name)' differs from '\(embedding.name)'; they should be the same tensor")
                }
            }
        }

        // 4. The decoder bias.
        guard let bias = file.info(format.decoderBias) else { throw fail("missing tensor '\(format.decoderBias)'\(hint)") }
        try requireF32(bias)
        guard bias.shape == [vocab] else {
            throw fail("tensor '\(bias.name)' has shape \(bias.shape), expected [\(vocab)] (the vocabulary size of '\(embedding.name)')")
        }

        // 5. The layers: complete, of one kind, chained, one nhid, the last one of width emsize.
        let nlayers = (layerNames.keys.max() ?? -1) + 1
        guard nlayers > 0 else {
            throw fail("no recurrent layers (missing tensor '\(format.name(.weightIH, layer: 0))')\(hint)")
        }
        let kinds = Set(layerNames.values.flatMap { $0.keys.map(\.isQRNN) })
        guard kinds.count == 1 else { throw fail("the layers mix LSTM and QRNN tensors") }
        let model: RNNType = kinds.first! ? .qrnn : .lstm
        var names: [String: String] = ["encoder.weight": embedding.name, "decoder.bias": bias.name]
        if let d = file.info(format.decoderWeight) { names[ParameterLayout.decoderWeightName] = d.name }
        var hidden: [Int] = []
        /// The last layer feeds the tied decoder (width emsize); the others share one nhid.
        func checkWidth(_ h: Int, layer l: Int, of name: String) throws {
            if l == nlayers - 1 {
                guard h == emsize else {
                    throw fail("tensor '\(name)' gives the last layer hidden size \(h), but the tied decoder needs emsize \(emsize) (from '\(embedding.name)')")
                }
            } else if l > 0 && h != hidden[0] {
                throw fail("tensor '\(name)' gives layer \(l) hidden size \(h), but layer 0 has \(hidden[0]); all layers but the last must share one nhid")
            }
        }
        /// A QRNN layer's hidden size and linear weight, checked against its input size.
        func qrnnLayer(
            _ l: Int, input: Int, inputFrom: String,
            tensor: (CheckpointFormat.LayerTensor) throws -> SafeTensors.TensorInfo,
            present: [CheckpointFormat.LayerTensor: SafeTensors.TensorInfo]
        ) throws -> (Int, SafeTensors.TensorInfo) {
            let w = try tensor(.qrnnWeightRaw)
            let window = l == 0 ? 2 : 1
            guard w.shape.count == 2, w.shape[0] >= 3, w.shape[0] % 3 == 0, w.shape[1] == window * input else {
                throw fail("tensor '\(w.name)' has shape \(w.shape), expected [3·H, \(window * input)] (gates z, f, o; window \(window) × input size \(input): \(inputFrom))")
            }
            let h = w.shape[0] / 3
            let b = try tensor(.qrnnBias)
            guard b.shape == [3 * h] else {
                throw fail("tensor '\(b.name)' has shape \(b.shape), expected [\(3 * h)] (3 × hidden size \(h) from '\(w.name)')")
            }
            if let dropped = present[.qrnnDroppedWeight], dropped.shape != w.shape {
                throw fail("tensor '\(dropped.name)' has shape \(dropped.shape) but '\(w.name)' has \(w.shape)")
            }
            return (h, w)
        }
        for l in 0..<nlayers {
            let present = layerNames[l] ?? [:]
            func tensor(_ kind: CheckpointFormat.LayerTensor) throws -> SafeTensors.TensorInfo {
                guard let t = present[kind] else {
                    throw fail("missing tensor '\(format.name(kind, layer: l))' (layer \(l) of \(nlayers))")
                }
                try requireF32(t)
                return t
            }
            let input = l == 0 ? emsize : hidden[l - 1]
            let inputFrom = l == 0 ? "emsize from '\(embedding.name)'" : "the hidden size of layer \(l - 1)"
            if model == .qrnn {
                let (h, weight) = try qrnnLayer(l, input: input, inputFrom: inputFrom, tensor: tensor, present: present)
                try checkWidth(h, layer: l, of: weight.name)
                hidden.append(h)
                names["rnns.\(l).linear.module.weight_raw"] = weight.name
                names["rnns.\(l).linear.module.bias"] = format.name(.qrnnBias, layer: l)
                continue
            }
            let hh = try tensor(.weightHHRaw)
            guard hh.shape.count == 2, hh.shape[1] >= 1, hh.shape[0] == 4 * hh.shape[1] else {
                throw fail("tensor '\(hh.name)' has shape \(hh.shape), expected [4·H, H] (gates i, f, g, o)")
            }
            let h = hh.shape[1]
            let ih = try tensor(.weightIH)
            guard ih.shape == [4 * h, input] else {
                throw fail("tensor '\(ih.name)' has shape \(ih.shape), expected [\(4 * h), \(input)] (4 × hidden size \(h) from '\(hh.name)', input size \(input): \(inputFrom))")
            }
            for kind in [CheckpointFormat.LayerTensor.biasIH, .biasHH] {
                let b = try tensor(kind)
                guard b.shape == [4 * h] else {
                    throw fail("tensor '\(b.name)' has shape \(b.shape), expected [\(4 * h)] (4 × hidden size \(h) from '\(hh.name)')")
                }
            }
            if let dropped = present[.droppedWeightHH], dropped.shape != hh.shape {
                throw fail("tensor '\(dropped.name)' has shape \(dropped.shape) but '\(hh.name)' has \(hh.shape)")
            }
            try checkWidth(h, layer: l, of: hh.name)
            hidden.append(h)
            let ours = "rnns.\(l).module."
            names[ours + "weight_ih_l0"] = ih.name
            names[ours + "weight_hh_l0_raw"] = hh.name
            names[ours + "bias_ih_l0"] = format.name(.biasIH, layer: l)
            names[ours + "bias_hh_l0"] = format.name(.biasHH, layer: l)
        }

        // 6. The split cross-entropy's tombstones: [k, E] and [k], both or neither.
        let tails = format.criterionNames.map { file.info($0) }
        if let vectors = tails.first ?? nil {
            guard let tailBias = tails[1] else { throw fail("'\(vectors.name)' without 'criterion.tail_bias'") }
            try requireF32(vectors)
            try requireF32(tailBias)
            guard vectors.shape.count == 2, vectors.shape[0] >= 1, vectors.shape[1] == emsize else {
                throw fail("tensor '\(vectors.name)' has shape \(vectors.shape), expected [tail clusters, \(emsize)] (emsize from '\(embedding.name)')")
            }
            guard tailBias.shape == [vectors.shape[0]] else {
                throw fail("tensor '\(tailBias.name)' has shape \(tailBias.shape), expected [\(vectors.shape[0])] (the rows of '\(vectors.name)')")
            }
            names[vectors.name] = vectors.name
            names[tailBias.name] = tailBias.name
        } else if tails.count > 1, let tailBias = tails[1] {
            throw fail("'\(tailBias.name)' without 'criterion.tail_vectors'")
        }
        let splits = try ModelConfig.checkpointSplits(tailClusters: (tails.first ?? nil)?.shape[0], vocabSize: vocab,
                                                      given: splits, source: source)

        let config = ModelConfig(vocabSize: vocab, model: model, emsize: emsize,
                                 nhid: nlayers == 1 ? emsize : hidden[0], nlayers: nlayers, splits: splits)
        do { try config.validate() } catch { throw fail(error.description) }
        self.config = config
        sourceNames = names
    }

    /// The parameters under this toolkit's names (the authors' salesforce
    /// layout, `decoder.weight` included), as an in-memory safetensors file.
    public func renamedTensors() throws -> SafeTensors {
        let layout = ParameterLayout(config)
        var values = [Float](repeating: 0, count: layout.totalCount)
        try values.withUnsafeMutableBufferPointer { buffer in
            for e in layout.entries {
                try file.read(sourceNames[e.name]!, into: UnsafeMutableBufferPointer(rebasing: buffer[e.offset..<(e.offset + e.count)]))
            }
        }
        let data = values.withUnsafeBufferPointer { buffer in
            var tensors: [SafeTensors.Tensor] = []
            for e in layout.entries {
                let view = UnsafeBufferPointer(rebasing: buffer[e.offset..<(e.offset + e.count)])
                tensors.append(.init(name: e.name, shape: e.shape, values: view))
                if e.name == layout.encoder.name {
                    tensors.append(.init(name: ParameterLayout.decoderWeightName, shape: e.shape, values: view))
                }
            }
            return SafeTensors.encode(tensors)
        }
        return try SafeTensors(data: data, source: source)
    }

    /// A model with the checkpoint's weights. `vocabularySize`, when given, must
    /// equal the checkpoint's (`vocabularySource` names where it comes from).
    public func makeModel(vocabularySize: Int? = nil, vocabularySource: String = "the data") throws -> AWDLSTMModel {
        if let n = vocabularySize, n != config.vocabSize {
            throw IOError("\(source): vocabulary of \(config.vocabSize) words ('\(sourceNames["encoder.weight"]!)' is [\(config.vocabSize), \(config.emsize)]), but \(vocabularySource) has \(n) words")
        }
        var rng = RandomSource(seed: 0)
        let model = AWDLSTMModel(config: config, rng: &rng)
        try model.loadWeights(from: renamedTensors(), source: source)
        return model
    }
}

extension RunFolder {
    /// Writes a run folder from an imported checkpoint: `config.json` (the
    /// inferred sizes, default dropouts and training options), `vocab.txt` (the
    /// corpus's vocabulary, which must have the checkpoint's size) and
    /// `model.safetensors`. Refuses to replace an existing model or training state.
    @discardableResult
    public func writeImported(_ checkpoint: CheckpointImport, corpus: Corpus, dataPath: String) throws -> AWDLSTMModel {
        for existing in [model, state] where exists(existing) {
            throw IOError("\(existing.path) already exists; refusing to overwrite it (choose another --save folder)")
        }
        let m = try checkpoint.makeModel(vocabularySize: corpus.vocabulary.count, vocabularySource: "the data folder \(dataPath)")
        try create()
        try writeConfig(RunConfig(model: checkpoint.config, training: TrainingOptions(), data: dataPath))
        try writeVocabulary(corpus.vocabulary)
        try m.saveWeights(to: model, metadata: ["imported_from": checkpoint.source, "format": checkpoint.format.rawValue])
        return m
    }
}
