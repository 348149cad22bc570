/// Every buffer a forward/backward pass needs, allocated once for the largest
/// `T·B` seen and reused, so the training loop itself never allocates.
final class ModelWorkspace {
    let config: ModelConfig
    let training: Bool
    private(set) var rowCapacity = 0
    private(set) var batchCapacity = 0
    let layers: [any RecurrentLayerWorkspace]
    /// `[rows, E]` layer-0 input after embedding and input dropout.
    private(set) var embedded = FloatBuffer(count: 0)
    /// `[rows, H_l]` outputs after locked dropout, per layer (between layers and at the top).
    private(set) var dropped: [FloatBuffer] = []
    /// Ping-pong gradient buffers `[rows, max(E, H)]`.
    private(set) var gradA = FloatBuffer(count: 0), gradB = FloatBuffer(count: 0)

    // Mask storage (scaled 0 or 1/(1−p)).
    let embeddingMask: FloatBuffer
    private(set) var inputMask = FloatBuffer(count: 0)
    private(set) var hiddenMasks: [FloatBuffer] = []
    private(set) var outputMask = FloatBuffer(count: 0)
    let weightMasks: [FloatBuffer]

    init(config: ModelConfig, layers stack: [any RecurrentLayer], training: Bool) {
        self.config = config
        self.training = training
        layers = stack.map { $0.makeWorkspace(training: training) }
        embeddingMask = FloatBuffer(count: training ? config.vocabSize : 0)
        weightMasks = stack.map { FloatBuffer(count: training ? $0.dropMaskCount : 0) }
    }

    func reserve(rows: Int, batch: Int) {
        layers.forEach { $0.reserve(rows: rows, batch: batch) }
        let widest = max(config.emsize, config.nhid)
        if rows > rowCapacity {
            embedded = FloatBuffer(count: rows * config.emsize)
            dropped = (0..<config.nlayers).map { FloatBuffer(count: rows * config.hiddenSize($0)) }
            if training {
                gradA = FloatBuffer(count: rows * widest)
                gradB = FloatBuffer(count: rows * widest)
            }
            rowCapacity = rows
        }
        if batch > batchCapacity && training {
            inputMask = FloatBuffer(count: batch * config.emsize)
            hiddenMasks = (0..<config.nlayers).map { FloatBuffer(count: batch * config.hiddenSize($0)) }
            outputMask = FloatBuffer(count: batch * config.emsize)
            batchCapacity = batch
        }
    }

    /// This pass's masks under `mode`, sampled from `rng` or copied from the
    /// given ones into the workspace; a mask left out (nil) means no dropout there.
    func activateMasks(
        config c: ModelConfig, batch b: Int, mode: DropoutMode, rng: inout RandomSource
    ) -> ActiveMasks {
        /// One mask of `count` entries in `buffer`: `given`'s values, or drawn with probability `p`.
        func fill(_ buffer: FloatBuffer, _ count: Int, _ p: Float, _ given: (DropoutMasks) -> [Float]?) -> UnsafePointer<Float>? {
            switch mode {
            case .off:
                return nil
            case .given(let masks):
                guard let values = given(masks) else { return nil }
                precondition(values.count == count, "dropout mask has \(values.count) values, expected \(count)")
                buffer.pointer.update(from: values, count: count)
            case .sampled:
                if p == 0 { return nil }
                sampleDropoutMask(buffer.pointer, count: count, p: p, rng: &rng)
            }
            return UnsafePointer(buffer.pointer)
        }
        let last = c.nlayers - 1
        let embedding = fill(embeddingMask, c.vocabSize, c.dropoute) { $0.embedding }
        let input = fill(inputMask, b * c.emsize, c.dropouti) { $0.input }
        let hidden = (0..<last).map { l in
            fill(hiddenMasks[l], b * c.nhid, c.dropouth) { l < $0.hidden.count ? $0.hidden[l] : nil }
        }
        let output = fill(outputMask, b * c.emsize, c.dropout) { $0.output }
        let weight = (0...last).map { l in
            fill(weightMasks[l], weightMasks[l].count, c.wdrop) { l < $0.weightDrop.count ? $0.weightDrop[l] : nil }
        }
        return ActiveMasks(embedding: embedding, input: input, hidden: hidden, output: output, weightDrop: weight)
    }
}

/// Pointers to the masks in use for one pass; nil where there is no dropout.
struct ActiveMasks {
    var embedding: UnsafePointer<Float>?
    var input: UnsafePointer<Float>?
    /// Indexed by layer; the last layer uses `output` instead.
    var hidden: [UnsafePointer<Float>?]
    var output: UnsafePointer<Float>?
    var weightDrop: [UnsafePointer<Float>?]

    /// No dropout anywhere (evaluation).
    static func none(layers: Int) -> ActiveMasks {
        ActiveMasks(embedding: nil, input: nil, hidden: Array(repeating: nil, count: max(0, layers - 1)),
                    output: nil, weightDrop: Array(repeating: nil, count: layers))
    }
}
