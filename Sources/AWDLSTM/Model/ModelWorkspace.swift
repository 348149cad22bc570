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

    /// Samples (or copies from `given`) this pass's masks and returns pointers to
    /// the active ones; a mask whose probability is 0 is left out.
    func activateMasks(
        config c: ModelConfig, batch b: Int, given: DropoutMasks?, rng: inout RandomSource
    ) -> ActiveMasks {
        func fill(_ buffer: FloatBuffer, _ count: Int, _ p: Float, _ explicit: [Float]??) -> UnsafePointer<Float>? {
            if let explicit {
                guard let values = explicit else { return nil }
                precondition(values.count == count, "dropout mask has \(values.count) values, expected \(count)")
                buffer.pointer.update(from: values, count: count)
                return UnsafePointer(buffer.pointer)
            }
            if p == 0 { return nil }
            sampleDropoutMask(buffer.pointer, count: count, p: p, rng: &rng)
            return UnsafePointer(buffer.pointer)
        }
        let last = c.nlayers - 1
        let embedding = fill(embeddingMask, c.vocabSize, c.dropoute, given.map { $0.embedding })
        let input = fill(inputMask, b * c.emsize, c.dropouti, given.map { $0.input })
        var hidden: [UnsafePointer<Float>?] = []
        for l in 0..<last {
            let explicit: [Float]?? = given.map { l < $0.hidden.count ? $0.hidden[l] : nil }
            hidden.append(fill(hiddenMasks[l], b * c.nhid, c.dropouth, explicit))
        }
        let output = fill(outputMask, b * c.emsize, c.dropout, given.map { $0.output })
        var weight: [UnsafePointer<Float>?] = []
        for l in 0...last {
            let explicit: [Float]?? = given.map { l < $0.weightDrop.count ? $0.weightDrop[l] : nil }
            weight.append(fill(weightMasks[l], weightMasks[l].count, c.wdrop, explicit))
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
}
