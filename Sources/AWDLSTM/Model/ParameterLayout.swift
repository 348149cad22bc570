/// Where each named parameter lives inside the model's single flat buffer.
///
/// All parameters (and, in the same layout, all gradients and optimiser
/// buffers) sit in one allocation, so that clipping, SGD, averaging and
/// Adam are single loops, and each tensor is a named view into it. Names and
/// shapes are the authors' PyTorch `state_dict` entries.
public struct ParameterLayout: Sendable, Equatable {
    /// One parameter: its `state_dict` name and shape.
    public struct Entry: Sendable, Equatable {
        /// The authors' `state_dict` name, e.g. `rnns.0.module.weight_hh_l0_raw`.
        public let name: String
        /// PyTorch's shape, row-major, e.g. `[4·nhid, emsize]`.
        public let shape: [Int]
        /// Index of the first element in the model's flat `weights` (and `gradients`).
        public let offset: Int
        /// Elements: the product of `shape`.
        public var count: Int { shape.reduce(1, *) }
    }

    /// Every parameter, in the order of the flat buffer.
    public let entries: [Entry]
    /// The number of parameters (floats) of the model.
    public let totalCount: Int
    let encoder: Entry
    let decoderBias: Entry
    /// The split cross-entropy's tombstone rows `[k, E]` and biases `[k]`, one per
    /// tail cluster (the authors' `SplitCrossEntropyLoss` parameters); nil without splits.
    let tailVectors: Entry?, tailBias: Entry?
    let layers: [LayerEntries]

    /// The parameters of one recurrent layer, by kind.
    enum LayerEntries: Sendable, Equatable {
        /// `torch.nn.LSTM` inside the authors' `WeightDrop`: `rnns.{l}.module.weight_ih_l0
        /// [4H, In]`, `.weight_hh_l0_raw [4H, H]`, `.bias_ih_l0 [4H]`, `.bias_hh_l0 [4H]`.
        case lstm(LSTMEntries)
        /// torchqrnn's `QRNNLayer` with `WeightDrop` on its `linear`:
        /// `rnns.{l}.linear.module.weight_raw [3H, window·In]`, `.bias [3H]`.
        case qrnn(QRNNEntries)

        /// The layer's tensors in layout order.
        var entries: [Entry] {
            switch self {
            case .lstm(let e): [e.weightIH, e.weightHH, e.biasIH, e.biasHH]
            case .qrnn(let e): [e.weight, e.bias]
            }
        }
    }

    struct LSTMEntries: Sendable, Equatable {
        let weightIH: Entry, weightHH: Entry, biasIH: Entry, biasHH: Entry
    }

    struct QRNNEntries: Sendable, Equatable {
        /// Gate blocks z, f, o; columns `[x_t, x_{t−1}]` when the window is 2.
        let weight: Entry, bias: Entry
    }

    init(_ config: ModelConfig) {
        var entries: [Entry] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int]) -> Entry {
            let e = Entry(name: name, shape: shape, offset: offset)
            entries.append(e)
            // Keep every tensor 16-float aligned (64 bytes) for vector loads.
            offset += (e.count + 15) / 16 * 16
            return e
        }
        // The names are the authors' (one table: `CheckpointFormat`).
        let names = CheckpointFormat.salesforce
        encoder = add(names.embeddingNames[0], [config.vocabSize, config.emsize])
        var layers: [LayerEntries] = []
        for l in 0..<config.nlayers {
            let h = config.hiddenSize(l), i = config.inputSize(l)
            switch config.model {
            case .lstm:
                layers.append(.lstm(LSTMEntries(
                    weightIH: add(names.name(.weightIH, layer: l), [4 * h, i]),
                    weightHH: add(names.name(.weightHHRaw, layer: l), [4 * h, h]),
                    biasIH: add(names.name(.biasIH, layer: l), [4 * h]),
                    biasHH: add(names.name(.biasHH, layer: l), [4 * h]))))
            case .qrnn:
                layers.append(.qrnn(QRNNEntries(
                    weight: add(names.name(.qrnnWeightRaw, layer: l), [3 * h, config.window(l) * i]),
                    bias: add(names.name(.qrnnBias, layer: l), [3 * h]))))
            }
        }
        self.layers = layers
        decoderBias = add(names.decoderBias, [config.vocabSize])
        let tails = config.splits.count
        tailVectors = tails > 0 ? add(CheckpointFormat.tailVectors, [tails, config.emsize]) : nil
        tailBias = tails > 0 ? add(CheckpointFormat.tailBias, [tails]) : nil
        self.entries = entries
        totalCount = offset
    }

    /// The parameter called `name`, or nil.
    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }
}
