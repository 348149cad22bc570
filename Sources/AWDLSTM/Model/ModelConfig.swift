import Foundation

/// The recurrent layer of the stack: the authors' `--model` (their `rnn_type`).
public enum RNNType: String, Codable, CaseIterable, Sendable {
    /// Weight-dropped LSTM (`WeightDropLSTM`).
    case lstm = "LSTM"
    /// Quasi-recurrent network of Bradbury et al. (2016) (`QRNNLayer`).
    case qrnn = "QRNN"
}

/// Sizes and regularisation strengths of an AWD-LSTM, with the authors' defaults.
///
/// The decoder is always tied to the embedding (the authors' `--tied`, on by
/// default), so the last recurrent layer's hidden size equals `emsize`.
public struct ModelConfig: Codable, Equatable, Sendable {
    /// Words in the vocabulary (`V`): the embedding is `[V, emsize]`.
    public var vocabSize: Int
    /// The kind of every recurrent layer (`config.json` key `model`; files
    /// written before it existed are LSTMs).
    public var model: RNNType = .lstm
    /// Embedding width (`--emsize`, 400); also the last layer's hidden width (tied decoder).
    public var emsize: Int = 400
    /// Hidden width of every layer but the last (`--nhid`, 1150).
    public var nhid: Int = 1150
    /// Recurrent layers (`--nlayers`, 3).
    public var nlayers: Int = 3
    /// Locked dropout on the last layer's output.
    public var dropout: Float = 0.4
    /// Locked dropout between LSTM layers.
    public var dropouth: Float = 0.3
    /// Locked dropout on the embedding output.
    public var dropouti: Float = 0.65
    /// Embedding dropout: whole vocabulary rows.
    public var dropoute: Float = 0.1
    /// DropConnect on each layer's weight-dropped matrix: the LSTM's
    /// hidden-to-hidden matrix, the QRNN's linear map.
    public var wdrop: Float = 0.5
    /// Boundaries of the split cross-entropy's vocabulary clusters (`SplitSoftmax`):
    /// words `0..<splits[0]` form the head, `splits[i-1]..<splits[i]` cluster i,
    /// `splits.last!..<vocabSize` the last. Empty: one full softmax (`TiedSoftmax`).
    public var splits: [Int] = []

    /// A configuration with the authors' defaults for whatever is not given.
    public init(
        vocabSize: Int, model: RNNType = .lstm, emsize: Int = 400, nhid: Int = 1150, nlayers: Int = 3,
        dropout: Float = 0.4, dropouth: Float = 0.3, dropouti: Float = 0.65,
        dropoute: Float = 0.1, wdrop: Float = 0.5, splits: [Int] = []
    ) {
        self.vocabSize = vocabSize
        self.model = model
        self.emsize = emsize
        self.nhid = nhid
        self.nlayers = nlayers
        self.dropout = dropout
        self.dropouth = dropouth
        self.dropouti = dropouti
        self.dropoute = dropoute
        self.wdrop = wdrop
        self.splits = splits
    }

    /// `splits` as written on the command line: `A,B,C`, or `none`.
    public var splitsDescription: String { splits.isEmpty ? "none" : splits.map(String.init).joined(separator: ",") }

    /// The splits of the authors' `main.py` for a vocabulary of `vocabSize` words:
    /// none up to 75,000 words, `[2800, 20000, 76000]` above, `[4200, 35000, 180000]`
    /// above 500,000. Boundaries at or past the vocabulary's end are dropped (the
    /// reference would build an empty cluster there and fail).
    public static func defaultSplits(vocabSize: Int) -> [Int] {
        let splits = vocabSize > 500_000 ? [4200, 35000, 180_000] : vocabSize > 75000 ? [2800, 20000, 76000] : []
        return splits.filter { $0 < vocabSize }
    }

    /// Input width of layer `l`: the embedding for the first, `nhid` after.
    func inputSize(_ l: Int) -> Int { l == 0 ? emsize : nhid }

    /// Hidden width of layer `l`: `nhid`, except the last layer, which feeds the tied decoder.
    func hiddenSize(_ l: Int) -> Int { l == nlayers - 1 ? emsize : nhid }

    /// Input steps seen by layer `l` at once: the authors' QRNN has window 2 on
    /// the first layer (input `[x_t, x_{t−1}]`) and 1 elsewhere; the LSTM 1.
    func window(_ l: Int) -> Int { model == .qrnn && l == 0 ? 2 : 1 }

    /// Checks every field, throwing `ConfigurationError.invalid` for the first
    /// one outside its range (sizes at least 1, dropout probabilities in [0, 1),
    /// splits strictly increasing between 1 and `vocabSize`).
    public func validate() throws(ConfigurationError) {
        typealias C = ConfigurationError
        try C.require(vocabSize >= 1, "vocabSize", vocabSize, .atLeast(1))
        try C.require(emsize >= 1, "emsize", emsize, .atLeast(1))
        try C.require(nhid >= 1, "nhid", nhid, .atLeast(1))
        try C.require(nlayers >= 1, "nlayers", nlayers, .atLeast(1))
        for (name, p) in [("dropout", dropout), ("dropouth", dropouth), ("dropouti", dropouti),
                          ("dropoute", dropoute), ("wdrop", wdrop)] {
            try C.require(p >= 0 && p < 1, name, p, .dropProbability)
        }
        if let first = splits.first { try C.require(first >= 1, "splits", first, .atLeast(1)) }
        try C.require(!zip(splits, splits.dropFirst()).contains(where: { $0 >= $1 }),
                      "splits", splitsDescription, .strictlyIncreasing)
        if let last = splits.last { try C.require(last < vocabSize, "splits", last, .belowVocabularySize(vocabSize)) }
        // Sizes that each pass but together overflow the parameter count or
        // memory would trap in the allocation; name the largest of them.
        let memory = ProcessInfo.processInfo.physicalMemory
        if parameterCount(atMost: Int(clamping: memory / 8)) == nil {
            let (field, value) = [("vocabSize", vocabSize), ("emsize", emsize), ("nhid", nhid), ("nlayers", nlayers)]
                .max { $0.1 < $1.1 }!
            throw C.invalid(field: field, value: value.description, allowed: .fitsInMemory(memoryBytes: memory))
        }
    }

    /// The number of parameters as `ParameterLayout` lays them out (each tensor
    /// padded to 16 floats), or nil when it is above `limit`. Call once the
    /// sizes are known to be at least 1.
    func parameterCount(atMost limit: Int) -> Int? {
        var total = 0
        // Adds the product of `shape`, padded to 16, to `total`; false above `limit`.
        func add(_ shape: Int...) -> Bool {
            var n = 1
            for d in shape {
                let (p, overflow) = n.multipliedReportingOverflow(by: d)
                if overflow || p > limit { return false }
                n = p
            }
            total = (total + n + 15) / 16 * 16
            return total <= limit
        }
        guard add(vocabSize, emsize) else { return nil }
        for l in 0..<nlayers {
            let h = hiddenSize(l), i = inputSize(l)
            let fits = switch model {
            case .lstm: add(4, h, i) && add(4, h, h) && add(4, h) && add(4, h)
            case .qrnn: add(3, h, window(l), i) && add(3, h)
            }
            if !fits { return nil }
        }
        let tails = splits.count
        guard add(vocabSize), tails == 0 || (add(tails, emsize) && add(tails)) else { return nil }
        return total
    }
}
