/// A batch of token ids in time-major order: `inputs[t·B + b]` is step `t` of
/// column `b`, and `targets` holds the next token of each position.
public struct TokenBatch: Sendable {
    public var inputs: [Int32]
    public var targets: [Int32]
    public var steps: Int
    public var batchSize: Int

    public init(inputs: [Int32], targets: [Int32], steps: Int, batchSize: Int) {
        precondition(inputs.count == steps * batchSize && targets.count == inputs.count,
                     "token batch shape mismatch")
        self.inputs = inputs
        self.targets = targets
        self.steps = steps
        self.batchSize = batchSize
    }
}

/// The parts of the training objective for one batch.
public struct LossBreakdown: Sendable, Equatable {
    /// Mean cross-entropy per token (what the authors log as the loss).
    public var crossEntropy: Double
    /// α · mean(dropped output²).
    public var activation: Double
    /// β · mean(Δ raw output²).
    public var temporalActivation: Double
    /// The objective that was differentiated.
    public var total: Double { crossEntropy + activation + temporalActivation }
}

/// The AWD-LSTM of Merity, Keskar & Socher (2017): embedding with embedding
/// dropout → locked dropout → L weight-dropped recurrent layers (LSTM or QRNN,
/// `RecurrentLayer`) with locked dropout between them → locked dropout →
/// decoder tied to the embedding.
///
/// Parameters, gradients and the carried hidden state live in flat buffers; a
/// training step is `forwardBackward` (gradients overwritten) followed by an
/// optimiser from `Train/`. Dropout is only ever applied by `forwardBackward`.
public final class AWDLSTMModel: @unchecked Sendable {
    public let config: ModelConfig
    public let layout: ParameterLayout
    /// All parameters, laid out by `layout`.
    public let weights: FloatBuffer
    /// Gradients of the last `forwardBackward`, same layout.
    public let gradients: FloatBuffer
    /// The state per layer (`(h, c)` for the LSTM, `(c, x)` for the QRNN),
    /// carried from call to call.
    public private(set) var hidden: [any RecurrentState] = []
    public private(set) var hiddenBatchSize = 0

    let layers: [any RecurrentLayer]
    /// The tied decoder and its softmax: full (`TiedSoftmax`) or split (`SplitSoftmax`).
    public let criterion: any OutputCriterion
    private var workspace: ModelWorkspace?
    /// Per-part timing of `forwardBackward`, accumulated when non-nil.
    public var timings: StepTimings?

    /// Adds the time since `start` to one field of `timings` and returns the new start.
    @inline(__always)
    private func lap(_ start: Double, _ field: WritableKeyPath<StepTimings, Double>) -> Double {
        guard timings != nil else { return 0 }
        let now = monotonicMilliseconds()
        timings![keyPath: field] += now - start
        return now
    }

    /// A model with PyTorch's initialisation: embedding U(−0.1, 0.1), decoder bias
    /// 0, each recurrent layer its module's default (`RecurrentLayer.initialize`);
    /// the split criterion's tail vectors and biases 0, as the authors initialise them.
    public init(config: ModelConfig, rng: inout RandomSource) {
        self.config = config
        layout = ParameterLayout(config)
        weights = FloatBuffer(count: layout.totalCount)
        gradients = FloatBuffer(count: layout.totalCount)
        layers = makeRecurrentLayers(config, layout)
        criterion = makeOutputCriterion(config, layout: layout)
        let enc = weights.pointer + layout.encoder.offset
        for i in 0..<layout.encoder.count { enc[i] = rng.uniform(-0.1, 0.1) }
        for layer in layers { layer.initialize(weights.pointer, rng: &rng) }
    }

    /// Read-only and mutable views of one named parameter.
    public func parameter(_ entry: ParameterLayout.Entry) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: weights.pointer + entry.offset, count: entry.count)
    }

    public func gradient(_ entry: ParameterLayout.Entry) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: gradients.pointer + entry.offset, count: entry.count)
    }

    /// Zeroes the carried state for `batchSize` columns (the authors' `init_hidden`,
    /// and for the QRNN their `model.reset()`, which forgets the previous input).
    public func resetHidden(batchSize: Int) {
        if batchSize != hiddenBatchSize {
            hidden = layers.map { $0.makeState(batch: batchSize) }
            hiddenBatchSize = batchSize
        } else {
            hidden.forEach { $0.reset() }
        }
    }

    private func prepare(_ batch: TokenBatch, training: Bool) -> ModelWorkspace {
        precondition(batch.batchSize == hiddenBatchSize, "call resetHidden(batchSize:) first")
        for t in batch.inputs + batch.targets {
            precondition(t >= 0 && Int(t) < config.vocabSize, "token id \(t) outside the vocabulary")
        }
        if workspace == nil || (training && !workspace!.training) {
            workspace = ModelWorkspace(config: config, layers: layers, training: training)
        }
        workspace!.reserve(rows: batch.steps * batch.batchSize, batch: batch.batchSize)
        return workspace!
    }

    // MARK: forward

    /// Forward through embedding and recurrent stack; returns the last layer's output
    /// (after output dropout when `masks` is active), `[rows, E]`.
    private func forwardStack(
        _ batch: TokenBatch, tokens: UnsafePointer<Int32>, ws: ModelWorkspace, masks: ActiveMasks?,
        reusePreparedWeights: Bool = false
    ) -> UnsafeMutablePointer<Float> {
        let steps = batch.steps, b = batch.batchSize, rows = steps * b
        let w = UnsafePointer(weights.pointer)
        var t = timings == nil ? 0 : monotonicMilliseconds()
        Embedding.forward(tokens: tokens, rows: rows, batch: b, emsize: config.emsize,
                          weight: w + layout.encoder.offset, rowMask: masks?.embedding,
                          inputMask: masks?.input, into: ws.embedded.pointer)
        t = lap(t, \.embedding)
        defer { _ = lap(t, \.lstmForward) }
        var x = UnsafePointer(ws.embedded.pointer)
        for (l, layer) in layers.enumerated() {
            let lw = ws.layers[l]
            let loop = layer.forward(x: x, steps: steps, batch: b, weights: w, dropMask: masks?.weightDrop[l],
                                     state: hidden[l], workspace: lw, reusePrepared: reusePreparedWeights)
            timings?.recurrence += loop
            let raw = UnsafePointer(lw.outputs.pointer)
            let h = layer.hidden
            if let m = (l < config.nlayers - 1 ? masks?.hidden[l] : masks?.output) {
                LockedDropout.apply(raw, mask: m, batch: b, features: h, rows: rows,
                                    into: ws.dropped[l].pointer)
                x = UnsafePointer(ws.dropped[l].pointer)
            } else {
                x = raw
            }
        }
        return UnsafeMutablePointer(mutating: x)
    }

    /// One training forward and backward pass on `batch` with dropout on.
    /// Overwrites `gradients` with the gradient of CE + AR + TAR and advances the
    /// hidden state. Masks are sampled from `rng` unless given in `masks`.
    @discardableResult
    public func forwardBackward(
        _ batch: TokenBatch, alpha: Float, beta: Float, rng: inout RandomSource,
        masks given: DropoutMasks? = nil
    ) -> LossBreakdown {
        let ws = prepare(batch, training: true)
        let t0 = timings == nil ? 0 : monotonicMilliseconds()
        let masks = ws.activateMasks(config: config, batch: batch.batchSize, given: given, rng: &rng)
        _ = lap(t0, \.embedding)
        let steps = batch.steps, b = batch.batchSize, rows = steps * b
        let e = config.emsize
        let w = UnsafePointer(weights.pointer)
        let grads = gradients.pointer
        gradients.zero()

        return batch.inputs.withUnsafeBufferPointer { inputs in
            batch.targets.withUnsafeBufferPointer { targets in
                let out = forwardStack(batch, tokens: inputs.baseAddress!, ws: ws, masks: masks)
                var t = timings == nil ? 0 : monotonicMilliseconds()
                // Decoder and loss, forward and backward: d(out), and the gradients of the
                // tied matrix (into the encoder's), the decoder bias and any criterion parameters.
                let dOut = ws.gradA.pointer
                let ce = criterion.crossEntropy(
                    out, rows: rows, targets: targets.baseAddress!, weights: w,
                    gradient: OutputGradient(output: dOut, parameters: grads, scale: 1 / Float(rows)),
                    rowLosses: nil) / Double(rows)

                let ar = ActivationRegularization.ar(out, count: rows * e, alpha: alpha, gradient: dOut)
                // Through the output dropout to the raw last-layer output, then TAR.
                let last = config.nlayers - 1
                var dRaw = dOut
                if let m = masks.output {
                    LockedDropout.apply(dOut, mask: m, batch: b, features: e, rows: rows, into: dOut)
                }
                let tar = ActivationRegularization.tar(ws.layers[last].outputs.pointer, steps: steps,
                                                       width: b * e, beta: beta, gradient: dRaw)
                t = lap(t, \.softmax)
                // Down the stack.
                var dX = ws.gradB.pointer
                for l in stride(from: last, through: 0, by: -1) {
                    let layer = layers[l]
                    let x: UnsafePointer<Float> = l == 0 ? UnsafePointer(ws.embedded.pointer)
                        : UnsafePointer(masks.hidden[l - 1] != nil ? ws.dropped[l - 1].pointer : ws.layers[l - 1].outputs.pointer)
                    layer.backward(dOut: dRaw, x: x, steps: steps, batch: b, weights: w,
                                   dropMask: masks.weightDrop[l], grads: grads, dx: dX, workspace: ws.layers[l])
                    if l > 0, let m = masks.hidden[l - 1] {
                        LockedDropout.apply(dX, mask: m, batch: b, features: layer.input, rows: rows, into: dX)
                    }
                    swap(&dRaw, &dX)
                }
                t = lap(t, \.lstmBackward)
                defer { _ = lap(t, \.embedding) }
                Embedding.backward(tokens: inputs.baseAddress!, rows: rows, batch: b, emsize: e,
                                   gradOutput: dRaw, rowMask: masks.embedding, inputMask: masks.input,
                                   gradWeight: grads + layout.encoder.offset)
                return LossBreakdown(crossEntropy: ce, activation: ar, temporalActivation: tar)
            }
        }
    }

    /// Evaluation forward (no dropout, no gradients): returns the mean
    /// cross-entropy per token and advances the hidden state; `rowLosses`, when
    /// given, receives each position's `−log p(target)` (`[rows]`, time-major).
    /// `reusePreparedWeights` skips re-deriving per-forward copies of the weights
    /// (the packed recurrent matrices); pass it only when the weights have not
    /// changed since the previous `evaluate` call.
    public func evaluate(
        _ batch: TokenBatch, reusePreparedWeights: Bool = false, rowLosses: UnsafeMutablePointer<Double>? = nil
    ) -> Double {
        let ws = prepare(batch, training: false)
        let rows = batch.steps * batch.batchSize
        let w = UnsafePointer(weights.pointer)
        return batch.inputs.withUnsafeBufferPointer { inputs in
            batch.targets.withUnsafeBufferPointer { targets in
                let out = forwardStack(batch, tokens: inputs.baseAddress!, ws: ws, masks: nil,
                                       reusePreparedWeights: reusePreparedWeights)
                let t = timings == nil ? 0 : monotonicMilliseconds()
                defer { _ = lap(t, \.softmax) }
                return criterion.crossEntropy(out, rows: rows, targets: targets.baseAddress!, weights: w,
                                              gradient: nil, rowLosses: rowLosses) / Double(rows)
            }
        }
    }

    /// Runs `body` with the weights temporarily replaced (`replace` fills the
    /// weight buffer: averaged weights, a saved best model), then restores the
    /// model's own weights, also when `replace` or `body` throws.
    public func withWeights<T>(
        _ replace: (FloatBuffer) throws -> Void, _ body: () throws -> T
    ) rethrows -> T {
        let saved = FloatBuffer(count: weights.count)
        saved.copy(from: weights)
        defer { weights.copy(from: saved) }
        try replace(weights)
        return try body()
    }

    /// Evaluation forward returning the model's log-probabilities of every word at
    /// every position, `[rows, V]` time-major (natural log; each row sums to 1 in
    /// probability). `batch.targets` is not used. Advances the hidden state.
    public func logProbabilities(_ batch: TokenBatch, reusePreparedWeights: Bool = false) -> FloatBuffer {
        let ws = prepare(batch, training: false)
        let rows = batch.steps * batch.batchSize
        let result = FloatBuffer(count: rows * config.vocabSize)
        batch.inputs.withUnsafeBufferPointer { inputs in
            let out = forwardStack(batch, tokens: inputs.baseAddress!, ws: ws, masks: nil,
                                   reusePreparedWeights: reusePreparedWeights)
            criterion.logProbabilities(out, rows: rows, weights: weights.pointer, into: result.pointer)
        }
        return result
    }

    /// The last layer's output of the most recent forward pass, `[rows, E]`
    /// (raw outputs: equal to the dropped ones in evaluation).
    public func lastLayerOutputs(rows: Int) -> UnsafeBufferPointer<Float> {
        let ws = workspace!
        return UnsafeBufferPointer(start: ws.layers[config.nlayers - 1].outputs.pointer, count: rows * config.emsize)
    }
}
