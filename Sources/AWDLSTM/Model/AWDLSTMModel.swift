/// The AWD-LSTM of Merity, Keskar & Socher (2017): embedding with embedding
/// dropout → locked dropout → L weight-dropped recurrent layers (LSTM or QRNN,
/// `RecurrentLayer`) with locked dropout between them → locked dropout →
/// decoder tied to the embedding.
///
/// Parameters, gradients and the carried hidden state live in flat buffers; a
/// training step is `forwardBackward` (gradients overwritten) followed by an
/// optimiser from `Train/`. Dropout is only ever applied by `forwardBackward`
/// (`DropoutMode`).
///
/// A model carries its hidden state and workspaces from call to call, so one
/// thread uses it at a time (it is not `Sendable`); the engine parallelises
/// inside each call.
public final class AWDLSTMModel {
    /// The sizes and regularisation the model was built with.
    public let config: ModelConfig
    /// Names, shapes and places of the parameters in `weights`.
    public let layout: ParameterLayout
    /// All parameters, laid out by `layout`.
    public let weights: FloatBuffer
    /// Gradients of the last `forwardBackward`, same layout.
    let gradients: FloatBuffer
    /// The state per layer (`(h, c)` for the LSTM, `(c, x)` for the QRNN),
    /// carried from call to call.
    private(set) var hidden: [any RecurrentState] = []
    private(set) var hiddenBatchSize = 0

    let layers: [any RecurrentLayer]
    /// The tied decoder and its softmax: full (`TiedSoftmax`) or split (`SplitSoftmax`).
    let criterion: any OutputCriterion
    private var workspace: ModelWorkspace?
    /// Told about each part of every pass while a benchmark times them (`StepTimer`).
    var observer: (any PassObserver)?

    /// `body`, reported to `observer` as `part` when there is one.
    @inline(__always)
    private func part<T>(_ part: PassPart, _ body: () throws -> T) rethrows -> T {
        guard let observer else { return try body() }
        observer.begin(part)
        defer { observer.end(part) }
        return try body()
    }

    /// A model with PyTorch's initialisation: embedding U(−0.1, 0.1), decoder bias
    /// 0, each recurrent layer its module's default (`RecurrentLayer.initialize`);
    /// the split criterion's tail vectors and biases 0, as the authors initialise them.
    /// Throws `ConfigurationError` naming the first invalid field of `config`
    /// (`ModelConfig.validate()`), before anything is allocated.
    public init(config: ModelConfig, rng: inout RandomSource) throws(ConfigurationError) {
        try config.validate()
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

    /// A model for inference that reads `weights` without copying them and
    /// never writes them: its own hidden state, workspace and softmax scratch,
    /// and no gradient buffer. Several such models may share one weight buffer
    /// and run on different threads at once (`LanguageModel`); `weights` must
    /// hold `ParameterLayout(config).totalCount` floats and stay unchanged.
    init(sharing weights: FloatBuffer, config: ModelConfig) {
        self.config = config
        layout = ParameterLayout(config)
        precondition(weights.count == layout.totalCount, "shared weights do not match the configuration")
        self.weights = weights
        gradients = FloatBuffer(count: 0)
        layers = makeRecurrentLayers(config, layout)
        criterion = makeOutputCriterion(config, layout: layout)
    }

    /// Read-only and mutable views of one named parameter.
    func parameter(_ entry: ParameterLayout.Entry) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: weights.pointer + entry.offset, count: entry.count)
    }

    func gradient(_ entry: ParameterLayout.Entry) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: gradients.pointer + entry.offset, count: entry.count)
    }

    /// Zeroes the carried state for `batchSize` columns (the authors' `init_hidden`,
    /// and for the QRNN their `model.reset()`, which forgets the previous input).
    func resetHidden(batchSize: Int) {
        if batchSize != hiddenBatchSize {
            hidden = layers.map { $0.makeState(batch: batchSize) }
            hiddenBatchSize = batchSize
        } else {
            hidden.forEach { $0.reset() }
        }
    }

    /// Resizes the carried state to `batchSize` columns, keeping the state of the
    /// first columns and zeroing any new ones: fastai's `AWD_LSTM._change_hidden`,
    /// which `SentenceEncoder` relies on when fewer documents have tokens in a window.
    func resizeHidden(keeping batchSize: Int) {
        guard batchSize != hiddenBatchSize else { return }
        let resized = layers.map { $0.makeState(batch: batchSize) }
        for (old, new) in zip(hidden, resized) {
            for (o, n) in zip(old.tensors, new.tensors) {
                let width = o.buffer.count / max(hiddenBatchSize, 1)
                n.buffer.pointer.update(from: o.buffer.pointer, count: min(hiddenBatchSize, batchSize) * width)
            }
        }
        hidden = resized
        hiddenBatchSize = batchSize
    }

    /// A copy of the carried state (each layer's tensors in `RecurrentState.tensors` order).
    func hiddenSnapshot() -> [[[Float]]] {
        hidden.map { $0.tensors.map { Array(UnsafeBufferPointer(start: $0.buffer.pointer, count: $0.buffer.count)) } }
    }

    /// Puts back a state taken by `hiddenSnapshot` for `batchSize` columns.
    func restoreHidden(_ snapshot: [[[Float]]], batchSize: Int) {
        resetHidden(batchSize: batchSize)
        for (state, tensors) in zip(hidden, snapshot) {
            for (t, values) in zip(state.tensors, tensors) {
                values.withUnsafeBufferPointer { t.buffer.pointer.update(from: $0.baseAddress!, count: values.count) }
            }
        }
    }

    /// The workspace for `batch`, after checking that the batch fits the model.
    private func prepare(_ batch: TokenBatch, training: Bool) throws(ModelError) -> ModelWorkspace {
        guard batch.batchSize == hiddenBatchSize else {
            throw .batchSizeMismatch(batchSize: batch.batchSize, stateColumns: hiddenBatchSize)
        }
        for t in batch.inputs + batch.targets where t < 0 || Int(t) >= config.vocabSize {
            throw .tokenOutsideVocabulary(id: t, vocabularySize: config.vocabSize)
        }
        if workspace == nil || (training && !workspace!.training) {
            workspace = ModelWorkspace(config: config, layers: layers, training: training)
        }
        workspace!.reserve(rows: batch.steps * batch.batchSize, batch: batch.batchSize)
        return workspace!
    }

    // MARK: forward

    /// Embedding → recurrent stack, each layer's output through its locked
    /// dropout. Returns the last layer's (dropped) output, `[rows, E]`.
    private func forwardStack(
        _ batch: TokenBatch, tokens: UnsafePointer<Int32>, ws: ModelWorkspace, masks: ActiveMasks,
        reusePreparedWeights: Bool = false
    ) -> UnsafePointer<Float> {
        let steps = batch.steps, b = batch.batchSize, rows = steps * b, e = config.emsize
        let w = UnsafePointer(weights.pointer)
        part(.embedding) {
            EmbeddingDropout.forward(tokens: tokens, rows: rows, emsize: e, weight: w + layout.encoder.offset,
                                     rowMask: masks.embedding, into: ws.embedded.pointer)
            if let m = masks.input {
                LockedDropout.apply(ws.embedded.pointer, mask: m, batch: b, features: e, rows: rows,
                                    into: ws.embedded.pointer)
            }
        }
        return part(.recurrentForward) {
            var x = UnsafePointer(ws.embedded.pointer)
            for (l, layer) in layers.enumerated() {
                let lw = ws.layers[l]
                layer.projectInputs(x: x, steps: steps, batch: b, weights: w, dropMask: masks.weightDrop[l],
                                    state: hidden[l], workspace: lw, reusePrepared: reusePreparedWeights)
                part(.recurrence) { layer.recur(steps: steps, batch: b, weights: w, state: hidden[l], workspace: lw) }
                x = UnsafePointer(lw.outputs.pointer)
                if let m = l < config.nlayers - 1 ? masks.hidden[l] : masks.output {
                    LockedDropout.apply(x, mask: m, batch: b, features: layer.hidden, rows: rows,
                                        into: ws.dropped[l].pointer)
                    x = UnsafePointer(ws.dropped[l].pointer)
                }
            }
            return x
        }
    }

    // MARK: training pass

    /// One training forward and backward pass on `batch`, with dropout as
    /// `dropout` says (masks drawn from `rng` when `.sampled`). Overwrites
    /// `gradients` with the gradient of CE + AR + TAR and advances the hidden state.
    /// Throws `ModelError` when the batch does not fit the model.
    @discardableResult
    func forwardBackward(
        _ batch: TokenBatch, alpha: Float, beta: Float, rng: inout RandomSource, dropout: DropoutMode = .sampled
    ) throws(ModelError) -> LossBreakdown {
        let ws = try prepare(batch, training: true)
        let masks = part(.embedding) {
            ws.activateMasks(config: config, batch: batch.batchSize, mode: dropout, rng: &rng)
        }
        gradients.zero()
        return batch.inputs.withUnsafeBufferPointer { inputs in
            batch.targets.withUnsafeBufferPointer { targets in
                let tokens = inputs.baseAddress!
                let out = forwardStack(batch, tokens: tokens, ws: ws, masks: masks)
                let (loss, dOut) = part(.criterion) {
                    lossAndGradient(batch, out: out, targets: targets.baseAddress!, ws: ws, masks: masks,
                                    alpha: alpha, beta: beta)
                }
                let dEmbedded = part(.recurrentBackward) { backwardStack(batch, dOut: dOut, ws: ws, masks: masks) }
                part(.embedding) { embeddingBackward(batch, tokens: tokens, dEmbedded: dEmbedded, masks: masks) }
                return loss
            }
        }
    }

    /// CE (`criterion`), AR and TAR on the stack's output `out`, with the gradient
    /// of all three with respect to the last layer's raw output (`[rows, E]`,
    /// in the workspace), which is returned with the loss.
    private func lossAndGradient(
        _ batch: TokenBatch, out: UnsafePointer<Float>, targets: UnsafePointer<Int32>, ws: ModelWorkspace,
        masks: ActiveMasks, alpha: Float, beta: Float
    ) -> (LossBreakdown, UnsafeMutablePointer<Float>) {
        let steps = batch.steps, b = batch.batchSize, rows = steps * b, e = config.emsize
        let dOut = ws.gradA.pointer
        let ce = criterion.crossEntropy(
            out, rows: rows, targets: targets, weights: weights.pointer,
            gradient: OutputGradient(output: dOut, parameters: gradients.pointer, scale: 1 / Float(rows)),
            rowLosses: nil) / Double(rows)
        let ar = ActivationRegularization.ar(out, count: rows * e, alpha: alpha, gradient: dOut)
        // Through the output dropout to the raw last-layer output, then TAR on the raw output.
        if let m = masks.output {
            LockedDropout.apply(dOut, mask: m, batch: b, features: e, rows: rows, into: dOut)
        }
        let tar = ActivationRegularization.tar(ws.layers[config.nlayers - 1].outputs.pointer, steps: steps,
                                               width: b * e, beta: beta, gradient: dOut)
        return (LossBreakdown(crossEntropy: ce, activation: ar, temporalActivation: tar), dOut)
    }

    /// Backward down the recurrent stack from `dOut`, the gradient of the last
    /// layer's raw output; returns the gradient of the embedded input `[rows, E]`.
    private func backwardStack(
        _ batch: TokenBatch, dOut: UnsafeMutablePointer<Float>, ws: ModelWorkspace, masks: ActiveMasks
    ) -> UnsafeMutablePointer<Float> {
        let steps = batch.steps, b = batch.batchSize, rows = steps * b
        let w = UnsafePointer(weights.pointer)
        var dRaw = dOut, dX = ws.gradB.pointer
        for l in stride(from: config.nlayers - 1, through: 0, by: -1) {
            let layer = layers[l]
            // The layer's input as the forward pass saw it: the embedding, or the
            // layer below's output after its locked dropout.
            let x: UnsafePointer<Float> = l == 0 ? UnsafePointer(ws.embedded.pointer)
                : UnsafePointer(masks.hidden[l - 1] != nil ? ws.dropped[l - 1].pointer : ws.layers[l - 1].outputs.pointer)
            layer.backward(dOut: dRaw, x: x, steps: steps, batch: b, weights: w, dropMask: masks.weightDrop[l],
                           grads: gradients.pointer, dx: dX, workspace: ws.layers[l])
            if l > 0, let m = masks.hidden[l - 1] {
                LockedDropout.apply(dX, mask: m, batch: b, features: layer.input, rows: rows, into: dX)
            }
            swap(&dRaw, &dX)
        }
        return dRaw
    }

    /// Through the input dropout and the embedding dropout into the embedding's gradient.
    private func embeddingBackward(
        _ batch: TokenBatch, tokens: UnsafePointer<Int32>, dEmbedded: UnsafeMutablePointer<Float>, masks: ActiveMasks
    ) {
        let b = batch.batchSize, rows = batch.steps * b, e = config.emsize
        if let m = masks.input {
            LockedDropout.apply(dEmbedded, mask: m, batch: b, features: e, rows: rows, into: dEmbedded)
        }
        EmbeddingDropout.backward(tokens: tokens, rows: rows, emsize: e, gradOutput: dEmbedded,
                                  rowMask: masks.embedding, gradWeight: gradients.pointer + layout.encoder.offset)
    }

    // MARK: encoder (the stack without the decoder, for the text classifier)

    /// The stack's forward pass on `batch` (its targets are not used) without the
    /// decoder: the last layer's raw output `[rows, E]` time-major, valid until
    /// the next pass. `dropout` nil is evaluation; otherwise a training pass whose
    /// masks come from `rng` as `forwardBackward` draws them. Advances the hidden
    /// state. Throws `ModelError` when the batch does not fit the model.
    func encode(
        _ batch: TokenBatch, dropout: DropoutMode?, rng: inout RandomSource
    ) throws(ModelError) -> UnsafeBufferPointer<Float> {
        let ws = try prepare(batch, training: dropout != nil)
        let masks = dropout.map { ws.activateMasks(config: config, batch: batch.batchSize, mode: $0, rng: &rng) }
            ?? .none(layers: config.nlayers)
        let out = batch.inputs.withUnsafeBufferPointer { forwardStack(batch, tokens: $0.baseAddress!, ws: ws, masks: masks) }
        return UnsafeBufferPointer(start: out, count: batch.steps * batch.batchSize * config.emsize)
    }

    /// The gradient of a loss through `encode`: runs the training forward pass on
    /// `batch` again from the current hidden state (the same `rng` state draws the
    /// same masks), then backpropagates `dOut` (`[rows, E]`, the loss's gradient
    /// with respect to the last layer's raw output) and ADDS the parameter
    /// gradients to `gradients`, so that several windows accumulate. The row of
    /// `paddingIndex`, when given, gets no gradient (PyTorch's `padding_idx`).
    func encodeBackward(
        _ batch: TokenBatch, dOut: UnsafePointer<Float>, dropout: DropoutMode, rng: inout RandomSource,
        paddingIndex: Int32? = nil
    ) throws(ModelError) {
        let ws = try prepare(batch, training: true)
        let masks = ws.activateMasks(config: config, batch: batch.batchSize, mode: dropout, rng: &rng)
        let rows = batch.steps * batch.batchSize, e = config.emsize
        let padRow = paddingIndex.map { Array(UnsafeBufferPointer(start: gradients.pointer + layout.encoder.offset + Int($0) * e, count: e)) }
        batch.inputs.withUnsafeBufferPointer { inputs in
            let tokens = inputs.baseAddress!
            _ = forwardStack(batch, tokens: tokens, ws: ws, masks: masks)
            let d = ws.gradA.pointer
            d.update(from: dOut, count: rows * e)
            if let m = masks.output { LockedDropout.apply(d, mask: m, batch: batch.batchSize, features: e, rows: rows, into: d) }
            let dEmbedded = backwardStack(batch, dOut: d, ws: ws, masks: masks)
            embeddingBackward(batch, tokens: tokens, dEmbedded: dEmbedded, masks: masks)
        }
        if let paddingIndex, let padRow {
            (gradients.pointer + layout.encoder.offset + Int(paddingIndex) * e).update(from: padRow, count: e)
        }
    }

    // MARK: evaluation

    /// Evaluation forward (no dropout, no gradients): returns the mean
    /// cross-entropy per token and advances the hidden state; `rowLosses`, when
    /// given, receives each position's `−log p(target)` (`[rows]`, time-major).
    /// `reusePreparedWeights` skips re-deriving per-forward copies of the weights
    /// (the packed recurrent matrices); pass it only when the weights have not
    /// changed since the previous `evaluate` call. Throws `ModelError` when the
    /// batch does not fit the model.
    func evaluate(
        _ batch: TokenBatch, reusePreparedWeights: Bool = false, rowLosses: UnsafeMutablePointer<Double>? = nil
    ) throws(ModelError) -> Double {
        let ws = try prepare(batch, training: false)
        let rows = batch.steps * batch.batchSize
        return batch.inputs.withUnsafeBufferPointer { inputs in
            batch.targets.withUnsafeBufferPointer { targets in
                let out = forwardStack(batch, tokens: inputs.baseAddress!, ws: ws, masks: .none(layers: config.nlayers),
                                       reusePreparedWeights: reusePreparedWeights)
                return part(.criterion) {
                    criterion.crossEntropy(out, rows: rows, targets: targets.baseAddress!, weights: weights.pointer,
                                           gradient: nil, rowLosses: rowLosses) / Double(rows)
                }
            }
        }
    }

    /// Runs `body` with the weights temporarily replaced (`replace` fills the
    /// weight buffer: averaged weights, a saved best model), then restores the
    /// model's own weights, also when `replace` or `body` throws.
    func withWeights<T>(
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
    /// probability). `batch.targets` is not used, but must be word ids too.
    /// Advances the hidden state. Throws `ModelError` when the batch does not fit the model.
    func logProbabilities(_ batch: TokenBatch, reusePreparedWeights: Bool = false) throws(ModelError) -> FloatBuffer {
        let ws = try prepare(batch, training: false)
        let rows = batch.steps * batch.batchSize
        let result = FloatBuffer(count: rows * config.vocabSize)
        batch.inputs.withUnsafeBufferPointer { inputs in
            let out = forwardStack(batch, tokens: inputs.baseAddress!, ws: ws, masks: .none(layers: config.nlayers),
                                   reusePreparedWeights: reusePreparedWeights)
            criterion.logProbabilities(out, rows: rows, weights: weights.pointer, into: result.pointer)
        }
        return result
    }

    /// Every layer's output of the most recent forward pass, layer `l` as
    /// `[rows, H_l]` time-major (raw outputs: equal to the dropped ones in evaluation).
    func layerOutputs(rows: Int) -> [UnsafeBufferPointer<Float>] {
        let ws = workspace!
        return layers.enumerated().map { l, layer in
            UnsafeBufferPointer(start: ws.layers[l].outputs.pointer, count: rows * layer.hidden)
        }
    }

    /// The last layer's output of the most recent forward pass, `[rows, E]`
    /// (raw outputs: equal to the dropped ones in evaluation).
    func lastLayerOutputs(rows: Int) -> UnsafeBufferPointer<Float> {
        let ws = workspace!
        return UnsafeBufferPointer(start: ws.layers[config.nlayers - 1].outputs.pointer, count: rows * config.emsize)
    }
}
