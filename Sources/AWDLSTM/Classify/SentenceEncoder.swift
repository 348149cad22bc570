/// fastai's `SentenceEncoder` (`fastai/text/models/core.py`): reads a batch of
/// padded documents through the language model's stack in windows of `bptt`
/// tokens, carrying the (detached) hidden state from window to window, and keeps
/// the outputs of the windows that start within `maxLength` tokens of the end.
///
/// Documents arrive as fastai's `pad_input_chunk` lays them out, `[B, S]`
/// row-major, longest first: whole chunks of `bptt` pads before a document and
/// the remainder after it, so that every document starts on a window boundary.
/// As in fastai, window `i` runs on the first `realBatch` rows, where
/// `realBatch` counts the rows whose token at the window's first column is not
/// padding; the other rows' outputs are zero, and the carried state keeps its
/// first `realBatch` rows (zeros for rows that join).
///
/// No gradient crosses a window boundary (fastai detaches the state). The
/// training pass keeps each kept window's starting state and random-source
/// state, and its backward recomputes the window's forward pass with the same
/// masks before backpropagating through it.
struct SentenceEncoder: Sendable {
    /// Tokens per window (fastai's `seq_len`, 72 by default).
    let bptt: Int
    /// Outputs kept from the end of each document batch (fastai's `max_len`,
    /// 72·20 by default); nil keeps every window.
    let maxLength: Int?
    /// The padding token's id (fastai's `xxpad`, id 1 in its vocabularies).
    let paddingIndex: Int32

    /// One window of a pass.
    struct Window {
        /// Its first column in the padded batch and its number of columns.
        let start: Int, length: Int
        /// The rows the stack ran on (the first `realBatch` rows).
        let realBatch: Int
        /// Its column offset in the kept outputs, or nil when not kept.
        let keptOffset: Int?
        /// The carried state and the random source before the window (training, kept windows).
        let hidden: [[[Float]]]?
        let rng: RandomSource
    }

    /// The result of `forward`.
    struct Output {
        let batchSize: Int
        /// Columns kept (`S` or less).
        let keptLength: Int
        /// `[B, keptLength, E]`: the last layer's raw outputs, zero where a row did not run.
        var outputs: [Float]
        /// `[B, keptLength]`: true where the input was padding.
        let mask: [Bool]
        let windows: [Window]
        /// The random source after the pass (what the head's dropout draws from next).
        let rng: RandomSource
    }

    /// The windows' first columns and whether each is kept, for `length` columns.
    func windowStarts(length: Int) -> [(start: Int, kept: Bool)] {
        stride(from: 0, to: length, by: bptt).map { start in (start, maxLength.map { length - start <= $0 } ?? true) }
    }

    /// Runs the documents `tokens` (`[batchSize, length]` row-major) through
    /// `model`'s stack from a zero state. `dropout` nil is evaluation; otherwise a
    /// training pass drawing its masks from `rng`. Throws `ModelError` for a token
    /// outside the vocabulary.
    func forward(
        _ model: AWDLSTMModel, tokens: [Int32], batchSize: Int, length: Int, dropout: DropoutMode?,
        rng: inout RandomSource
    ) throws(ModelError) -> Output {
        let e = model.config.emsize
        let starts = windowStarts(length: length)
        let keptLength = starts.filter(\.kept).reduce(0) { $0 + min(bptt, length - $1.start) }
        var outputs = [Float](repeating: 0, count: batchSize * keptLength * e)
        var mask = [Bool](repeating: false, count: batchSize * keptLength)
        var windows: [Window] = []
        var keptOffset = 0
        model.resetHidden(batchSize: max(1, realBatch(tokens, column: 0, batchSize: batchSize, length: length)))
        for (start, kept) in starts {
            let steps = min(bptt, length - start)
            let rb = realBatch(tokens, column: start, batchSize: batchSize, length: length)
            // A window without any document (possible only in a batch not sorted
            // longest first) leaves the state as it is.
            if rb > 0 { model.resizeHidden(keeping: rb) }
            let snapshot = rb > 0 && kept && dropout != nil ? model.hiddenSnapshot() : nil
            windows.append(Window(start: start, length: steps, realBatch: rb, keptOffset: kept ? keptOffset : nil,
                                  hidden: snapshot, rng: rng))
            if rb > 0 {
                let batch = windowBatch(tokens, start: start, steps: steps, realBatch: rb, length: length)
                let out = try model.encode(batch, dropout: dropout, rng: &rng)
                if kept {
                    Self.forEachRow(steps: steps, realBatch: rb, keptLength: keptLength, offset: keptOffset, width: e) { kept, window in
                        for k in 0..<e { outputs[kept + k] = out[window + k] }
                    }
                }
            }
            guard kept else { continue }
            for j in 0..<batchSize {
                for t in 0..<steps { mask[j * keptLength + keptOffset + t] = tokens[j * length + start + t] == paddingIndex }
            }
            keptOffset += steps
        }
        return Output(batchSize: batchSize, keptLength: keptLength, outputs: outputs, mask: mask, windows: windows, rng: rng)
    }

    /// Backpropagates `dOutputs` (`[B, keptLength, E]`, the loss's gradient with
    /// respect to `output.outputs`) through the kept windows of a training
    /// `forward`, adding the parameter gradients to `model`'s.
    func backward(
        _ model: AWDLSTMModel, tokens: [Int32], length: Int, output: Output, dOutputs: [Float], dropout: DropoutMode
    ) throws(ModelError) {
        let e = model.config.emsize, keptLength = output.keptLength
        try forEachKeptWindow(model, tokens: tokens, length: length, output: output) { w, offset, batch, rng throws(ModelError) in
            var dOut = [Float](repeating: 0, count: w.length * w.realBatch * e)
            Self.forEachRow(steps: w.length, realBatch: w.realBatch, keptLength: keptLength, offset: offset, width: e) { kept, window in
                for k in 0..<e { dOut[window + k] = dOutputs[kept + k] }
            }
            try dOut.withUnsafeBufferPointer { d throws(ModelError) in
                try model.encodeBackward(batch, dOut: d.baseAddress!, dropout: dropout, rng: &rng, paddingIndex: paddingIndex)
            }
        }
    }

    /// The kept outputs of a training `forward` computed again with the model's
    /// current weights, each window from the state and masks that `forward`
    /// recorded for it: the encoder as fastai differentiates it, with no
    /// dependence through the state carried between windows (the finite-difference
    /// checks compare against this).
    func replay(_ model: AWDLSTMModel, tokens: [Int32], length: Int, output: Output, dropout: DropoutMode) throws(ModelError) -> Output {
        let e = model.config.emsize, keptLength = output.keptLength
        var outputs = [Float](repeating: 0, count: output.outputs.count)
        try forEachKeptWindow(model, tokens: tokens, length: length, output: output) { w, offset, batch, rng throws(ModelError) in
            let out = try model.encode(batch, dropout: dropout, rng: &rng)
            Self.forEachRow(steps: w.length, realBatch: w.realBatch, keptLength: keptLength, offset: offset, width: e) { kept, window in
                for k in 0..<e { outputs[kept + k] = out[window + k] }
            }
        }
        return Output(batchSize: output.batchSize, keptLength: keptLength, outputs: outputs, mask: output.mask,
                      windows: output.windows, rng: output.rng)
    }

    /// Runs `body` for each kept window of a training pass, with the window's
    /// recorded state put back in `model`, its tokens and its random source.
    private func forEachKeptWindow(
        _ model: AWDLSTMModel, tokens: [Int32], length: Int, output: Output,
        _ body: (Window, Int, TokenBatch, inout RandomSource) throws(ModelError) -> Void
    ) throws(ModelError) {
        for w in output.windows {
            guard let offset = w.keptOffset, let hidden = w.hidden, w.realBatch > 0 else { continue }
            model.restoreHidden(hidden, batchSize: w.realBatch)
            var rng = w.rng
            try body(w, offset, windowBatch(tokens, start: w.start, steps: w.length, realBatch: w.realBatch, length: length), &rng)
        }
    }

    /// For each of a window's `steps × realBatch` rows of `width` floats: its
    /// start in the kept outputs `[B, keptLength, width]` (column `offset + t`)
    /// and in the window's time-major rows `[steps·realBatch, width]`.
    private static func forEachRow(
        steps: Int, realBatch: Int, keptLength: Int, offset: Int, width: Int, _ body: (_ kept: Int, _ window: Int) -> Void
    ) {
        for t in 0..<steps {
            for j in 0..<realBatch { body((j * keptLength + offset + t) * width, (t * realBatch + j) * width) }
        }
    }

    /// fastai's `real_bs`: the rows whose token at `column` is not padding.
    private func realBatch(_ tokens: [Int32], column: Int, batchSize: Int, length: Int) -> Int {
        (0..<batchSize).reduce(0) { $0 + (tokens[$1 * length + column] != paddingIndex ? 1 : 0) }
    }

    /// The window's first `realBatch` rows, time-major.
    private func windowBatch(_ tokens: [Int32], start: Int, steps: Int, realBatch rb: Int, length: Int) -> TokenBatch {
        var ids = [Int32](repeating: 0, count: steps * rb)
        for t in 0..<steps { for j in 0..<rb { ids[t * rb + j] = tokens[j * length + start + t] } }
        return TokenBatch(inputs: ids, targets: ids, steps: steps, batchSize: rb)
    }
}
