import Foundation

/// A PyTorch AWD-LSTM checkpoint (safetensors) checked for consistency, with
/// its sizes inferred from the shapes: the one inference of a configuration
/// from weights (`import`, `train --resume FILE`). Its tensors are read under
/// `CheckpointFormat`'s names.
///
/// Checks, each failing with one message that names the file and the tensor:
/// every tensor is F32; no tensor is unknown to the format; layers
/// `0..<L` are all complete and of one kind; each LSTM layer's matrices are
/// `[4H, In]` and `[4H, H]` with `[4H]` biases, each QRNN layer's linear map
/// `[3H, window·In]` with a `[3H]` bias; `In` is `emsize` for the first layer and the
/// previous layer's `H` after; all layers but the last share one `H` (`nhid`)
/// and the last has `H == emsize`; the decoder weight, when present, has the
/// embedding's shape and identical values (tied); the decoder bias is `[V]`;
/// every value the model reads is finite (`CheckpointError.nonFinite` otherwise).
public struct CheckpointImport: Sendable {
    /// The naming the checkpoint was read with.
    public let format: CheckpointFormat
    /// The inferred sizes and kind; dropouts keep their defaults.
    public let config: ModelConfig
    /// The checkpoint as read, under its own tensor names.
    public let file: SafeTensors
    /// The file's path, used in messages.
    public let source: String

    /// `splits`: the split cross-entropy's boundaries when the checkpoint has
    /// criterion tensors (default: those of the authors' `main.py` for its vocabulary).
    public init(contentsOf url: URL, format: CheckpointFormat, splits: [Int]? = nil) throws {
        try self.init(file: SafeTensors(contentsOf: url), format: format, source: url.path, splits: splits)
    }

    init(file: SafeTensors, format: CheckpointFormat, source: String, splits: [Int]? = nil) throws {
        self.file = file
        self.format = format
        self.source = source
        let other: CheckpointFormat = format == .salesforce ? .fastai : .salesforce
        let likelyOther = other.looksLike(file) && !format.looksLike(file)
        // `formatHint`: the failure may come from the wrong format, named when the tensors look like the other's.
        func fail(_ why: String, formatHint: Bool = false) -> ImportError {
            formatHint && likelyOther ? .wrongFormat(source: source, reason: why, likely: other) : .inconsistent(source: source, reason: why)
        }

        // 1. Every tensor must be known to the format.
        var layerNames: [Int: [CheckpointFormat.LayerTensor: SafeTensors.TensorInfo]] = [:]
        let fixed = Set(format.embeddingCopies + [format.decoderBias] + format.criterionNames)
        for t in file.tensors.sorted(by: { $0.name < $1.name }) {
            if fixed.contains(t.name) { continue }
            if let (l, kind) = format.parseLayerName(t.name) {
                layerNames[l, default: [:]][kind] = t
                continue
            }
            throw fail("unexpected tensor '\(t.name)' for a \(format.rawValue) AWD-LSTM checkpoint", formatHint: true)
        }
        func requireF32(_ t: SafeTensors.TensorInfo) throws {
            guard t.dtype == "F32" else {
                throw ImportError.unsupportedDType(source: source, tensor: t.name, dtype: t.dtype)
            }
        }

        // 2. The embedding: vocabulary size and emsize.
        let embeddingCandidates = format.embeddingCopies
        guard let embedding = embeddingCandidates.lazy.compactMap({ file.info($0) }).first else {
            throw fail("missing tensor '\(format.embeddingNames[0])' (the word embedding)", formatHint: true)
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
        guard let bias = file.info(format.decoderBias) else { throw fail("missing tensor '\(format.decoderBias)'", formatHint: true) }
        try requireF32(bias)
        guard bias.shape == [vocab] else {
            throw fail("tensor '\(bias.name)' has shape \(bias.shape), expected [\(vocab)] (the vocabulary size of '\(embedding.name)')")
        }

        // 5. The layers: complete, of one kind, chained, one nhid, the last one of width emsize.
        let nlayers = (layerNames.keys.max() ?? -1) + 1
        guard nlayers > 0 else {
            throw fail("no recurrent layers (missing tensor '\(format.name(.weightIH, layer: 0))')", formatHint: true)
        }
        let kinds = Set(layerNames.values.flatMap { $0.keys.map(\.isQRNN) })
        guard kinds.count == 1 else { throw fail("the layers mix LSTM and QRNN tensors") }
        let model: RNNType = kinds.first! ? .qrnn : .lstm
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
        } else if tails.count > 1, let tailBias = tails[1] {
            throw fail("'\(tailBias.name)' without 'criterion.tail_vectors'")
        }
        let splits = try Self.checkpointSplits(tailClusters: (tails.first ?? nil)?.shape[0], vocabSize: vocab,
                                               given: splits, source: source)

        let config = ModelConfig(vocabSize: vocab, model: model, emsize: emsize,
                                 nhid: nlayers == 1 ? emsize : hidden[0], nlayers: nlayers, splits: splits)
        do { try config.validate() } catch { throw ImportError.invalidConfiguration(source: source, error) }
        self.config = config
        // The weights of a diverged run are refused here, before a command reads any data.
        for (_, names) in format.tensorNames(ParameterLayout(config)) {
            for name in names where file.info(name) != nil { try file.requireFinite(name) }
        }
    }

    /// The splits of a checkpoint with `tailClusters` rows of `criterion.tail_vectors`
    /// (nil: none, a full-softmax model). The boundaries are not stored in the
    /// authors' checkpoints: they are `given` (`--splits`) or the defaults of their
    /// `main.py` for the vocabulary size, and their number must match the file's.
    static func checkpointSplits(tailClusters: Int?, vocabSize: Int, given: [Int]?, source: String) throws -> [Int] {
        guard let k = tailClusters else {
            if let given, !given.isEmpty {
                throw ImportError.splitsWithoutTailClusters(source: source)
            }
            return []
        }
        let splits = given ?? ModelConfig.defaultSplits(vocabSize: vocabSize)
        guard splits.count == k else {
            throw ImportError.splitCountMismatch(source: source, tailClusters: k, splits: splits)
        }
        return splits
    }

    /// A model of `config` with the checkpoint's weights.
    public func makeModel() throws -> AWDLSTMModel {
        var rng = RandomSource(seed: 0)
        let model = try AWDLSTMModel(config: config, rng: &rng)
        try model.loadWeights(from: file, format: format, source: source)
        return model
    }

    /// Checks that a vocabulary of `count` words (`vocabularySource` says where it
    /// comes from) has as many words as the checkpoint's embedding has rows.
    public func requireVocabularySize(_ count: Int, of vocabularySource: String) throws {
        guard count != config.vocabSize else { return }
        let embedding = format.embeddingCopies.first { file.info($0) != nil } ?? format.embeddingNames[0]
        throw ImportError.vocabularyMismatch(source: source, tensor: embedding, words: config.vocabSize, emsize: config.emsize,
                                             vocabularySource: vocabularySource, vocabularyWords: count)
    }
}

extension RunFolder {
    /// Writes a run folder from imported weights: `config.json` (`config`),
    /// `vocab.txt` and `model.safetensors` (with `metadata`). Refuses to replace
    /// an existing model or training state, before touching anything; when a
    /// write fails, the folder is left as it was (removed when this made it).
    public func writeImported(_ model: AWDLSTMModel, vocabulary: Vocabulary, config: RunConfig,
                              metadata: [String: String]) throws {
        try refuseOverwrite()
        // Only a process that made the folder and holds its lock may remove it:
        // a second import into the same new folder is refused by the lock and
        // must not take away the folder the first one is writing.
        let parent = url.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw FileError.cannotCreateFolder(path: parent.path)
        }
        let made = mkdir(url.path, 0o755) == 0
        let lockWasThere = exists(lockFile)
        do { try lockForWriting() } catch {
            if made { rmdir(url.path) }  // removes the folder only while it is empty
            throw error
        }
        let new = [self.config, self.vocabulary, self.model].filter { !exists($0) } + (lockWasThere ? [] : [lockFile])
        do {
            try refuseOverwrite()  // again under the lock: another import may have finished meanwhile
            try writeConfig(config)
            try writeVocabulary(vocabulary)
            try model.saveWeights(to: self.model, metadata: metadata)
        } catch {
            for file in made ? [url] : new { try? FileManager.default.removeItem(at: file) }
            throw error
        }
    }
}
