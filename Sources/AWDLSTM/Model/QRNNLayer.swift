/// One quasi-recurrent layer (Bradbury et al. 2016, "Quasi-Recurrent Neural
/// Networks"), as the authors build torchqrnn's `QRNNLayer` in `model.py`:
/// `save_prev_x=True`, `zoneout=0`, `output_gate=True`, and their `WeightDrop`
/// on its `linear` map.
///
/// - Window: the input at step t is `[x_t, x_{t−1}]` when `window` is 2 (the
///   first layer), `x_t` when it is 1. The last input of a window is carried to
///   the next one (`x_{−1}` is zero after a reset).
/// - One linear map `[3H, window·In]` (+ bias `[3H]`) gives the gate blocks z, f,
///   o; z = tanh, f = σ, o = σ.
/// - Pooling: `c_t = f_t ⊙ z_t + (1 − f_t) ⊙ c_{t−1}`, `h_t = o_t ⊙ c_t`; c is
///   carried between windows.
/// - Weight drop: the linear weight times a scaled mask drawn once per forward.
///
/// All arithmetic but the pooling is one GEMM over the `T·B` rows in each
/// direction; the pooling's time loop is element-wise and runs in parallel over
/// hidden units (`QRNNPooling`).
struct QRNNLayer: RecurrentLayer {
    let input: Int
    let hidden: Int
    let window: Int
    let params: ParameterLayout.QRNNEntries

    /// Columns of the linear map: `window · In`.
    var width: Int { window * input }
    var gateWidth: Int { 3 * hidden }
    var dropMaskCount: Int { gateWidth * width }
    var multiplyAddsPerToken: Int { gateWidth * width }

    /// Pooling passes with at least this many cell updates are split over the pool.
    static let parallelThreshold = 1 << 15

    /// `torch.nn.Linear`'s initialisation: weight and bias U(−1/√fan_in, 1/√fan_in),
    /// fan_in = `window · In`.
    func initialize(_ weights: UnsafeMutablePointer<Float>, rng: inout RandomSource) {
        let k = 1 / Float(width).squareRoot()
        for e in [params.weight, params.bias] {
            for i in 0..<e.count { weights[e.offset + i] = rng.uniform(-k, k) }
        }
    }

    func makeState(batch: Int) -> any RecurrentState {
        QRNNState(batch: batch, hidden: hidden, previousInput: window > 1 ? input : 0)
    }

    func makeWorkspace(training: Bool) -> any RecurrentLayerWorkspace {
        QRNNLayerWorkspace(layer: self, training: training)
    }

    /// `RecurrentLayer.projectInputs`: weight drop on the linear map when
    /// `dropMask` is given, then `gates = b + source · Wᵀ` for all rows; the
    /// window's last input is kept in `state` for the next window.
    func projectInputs(
        x: UnsafePointer<Float>, steps: Int, batch: Int, weights: UnsafePointer<Float>,
        dropMask: UnsafePointer<Float>?, state: any RecurrentState,
        workspace: any RecurrentLayerWorkspace, reusePrepared: Bool
    ) {
        let state = state as! QRNNState, ws = workspace as! QRNNLayerWorkspace
        let g = gateWidth, rows = steps * batch
        let w = droppedWeight(weights, dropMask: dropMask, ws: ws)
        let source = self.source(x: x, steps: steps, batch: batch, previous: state.previousInput, ws: ws)
        if let previous = state.previousInput {
            previous.pointer.update(from: x + (rows - batch) * input, count: batch * input)
        }
        // The bias on every row, then the linear map of all rows added at once.
        let gates = ws.gates.pointer
        Pointwise.copyRows(weights + params.bias.offset, sourceStride: 0, rows: rows, width: g,
                           into: gates, destinationStride: g)
        GEMM.multiply(m: rows, n: g, k: width, source, w, transposeB: true, into: gates, beta: 1)
    }

    /// `RecurrentLayer.recur`: the pooling over the window; `state` ends with the last `c`.
    func recur(
        steps: Int, batch: Int, weights: UnsafePointer<Float>, state: any RecurrentState,
        workspace: any RecurrentLayerWorkspace
    ) {
        let state = state as! QRNNState, ws = workspace as! QRNNLayerWorkspace
        let h = hidden, rows = steps * batch
        ws.c0.pointer.update(from: state.c.pointer, count: batch * h)
        let gates = ws.gates.pointer, c0 = UnsafePointer(ws.c0.pointer)
        let cells = ws.cells.pointer, outputs = ws.outputs.pointer
        ParallelFor.alignedRanges(of: h, parallel: parallelPooling(rows: rows)) { units in
            QRNNPooling.forward(gates: gates, c0: c0, c: cells, h: outputs, steps: steps, batch: batch, hidden: h,
                                units: units)
        }
        state.c.pointer.update(from: cells + (rows - batch) * h, count: batch * h)
    }

    /// `RecurrentLayer.backward`: the pooling backward, then the weight, bias
    /// and input gradients as GEMMs over all rows.
    func backward(
        dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, steps: Int, batch: Int,
        weights: UnsafePointer<Float>, dropMask: UnsafePointer<Float>?,
        grads: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>,
        workspace: any RecurrentLayerWorkspace
    ) {
        let ws = workspace as! QRNNLayerWorkspace
        let g = gateWidth, h = hidden, rows = steps * batch
        let gates = ws.gates.pointer, cells = UnsafePointer(ws.cells.pointer)
        let c0 = UnsafePointer(ws.c0.pointer), dc = ws.dc.pointer
        ParallelFor.alignedRanges(of: h, parallel: parallelPooling(rows: rows)) { units in
            QRNNPooling.backward(gates: gates, c0: c0, c: cells, dOut: dOut, dc: dc, steps: steps, batch: batch,
                                 hidden: h, units: units)
        }

        // dW = dGᵀ · source (through the mask when weight-dropped), db = Σ_rows dG.
        let source = window > 1 ? UnsafePointer(ws.source.pointer) : x
        let dW = grads + params.weight.offset
        if let mask = dropMask {
            let scratch = ws.weightGradScratch.pointer
            GEMM.multiply(m: g, n: width, k: rows, gates, transposeA: true, source, into: scratch)
            WeightDrop.accumulateGradient(scratch, mask: mask, count: dropMaskCount, into: dW)
        } else {
            GEMM.multiply(m: g, n: width, k: rows, gates, transposeA: true, source, into: dW, beta: 1)
        }
        GEMM.addColumnSums(of: gates, rows: rows, columns: g, into: grads + params.bias.offset, ones: ws.ones.pointer)

        // dx_t = dG_t · W[:, :In] + dG_{t+1} · W[:, In:] (the second block saw x_t as x_{t+1}'s
        // predecessor); the first row block's gradient into the carried x is dropped.
        let w = dropMask != nil ? UnsafePointer(ws.droppedWeight.pointer) : weights + params.weight.offset
        GEMM.multiply(m: rows, n: input, k: g, gates, w, ldb: width, into: dx)
        if window > 1 && steps > 1 {
            GEMM.multiply(m: rows - batch, n: input, k: g, gates + batch * g, w + input, ldb: width,
                          into: dx, beta: 1)
        }
    }

    /// The linear weight, multiplied by `dropMask` into the workspace when given.
    private func droppedWeight(
        _ weights: UnsafePointer<Float>, dropMask: UnsafePointer<Float>?, ws: QRNNLayerWorkspace
    ) -> UnsafePointer<Float> {
        let raw = weights + params.weight.offset
        guard let mask = dropMask else { return raw }
        WeightDrop.apply(raw, mask: mask, count: dropMaskCount, into: ws.droppedWeight.pointer)
        return UnsafePointer(ws.droppedWeight.pointer)
    }

    /// The rows the linear map reads: `x` itself at window 1; at window 2 the
    /// rows `[x_t, x_{t−1}]` assembled in the workspace (kept for the weight gradient).
    private func source(
        x: UnsafePointer<Float>, steps: Int, batch: Int, previous: FloatBuffer?, ws: QRNNLayerWorkspace
    ) -> UnsafePointer<Float> {
        guard window > 1, let previous else { return x }
        let rows = steps * batch, n = input, src = ws.source.pointer
        let carried = UnsafePointer(previous.pointer)
        // Row r is [x_r, x_{r−B}], with the carried inputs before the first step:
        // both halves of a row in one pass, so the window costs one fork-join.
        ParallelFor.chunks(ParallelFor.workers, count: rows, costPerItem: 2 * n) { _, range in
            for r in range {
                (src + r * 2 * n).update(from: x + r * n, count: n)
                (src + r * 2 * n + n).update(from: r < batch ? carried + r * n : x + (r - batch) * n, count: n)
            }
        }
        return UnsafePointer(src)
    }

    /// Whether a pooling pass over `rows` rows is split over the pool.
    private func parallelPooling(rows: Int) -> Bool { rows * hidden >= Self.parallelThreshold }
}

/// The state one QRNN layer carries between windows: the cell `c` `[B, H]` and,
/// for a window-2 layer, its last input `x` `[B, In]` (torchqrnn's `prevX`).
final class QRNNState: RecurrentState, @unchecked Sendable {
    let c: FloatBuffer
    let previousInput: FloatBuffer?

    init(batch: Int, hidden: Int, previousInput width: Int) {
        c = FloatBuffer(count: batch * hidden)
        previousInput = width > 0 ? FloatBuffer(count: batch * width) : nil
    }

    var tensors: [(name: String, buffer: FloatBuffer)] {
        [("c", c)] + (previousInput.map { [("x", $0)] } ?? [])
    }
}

/// Buffers one QRNN layer needs for a forward/backward pass, grown on demand.
final class QRNNLayerWorkspace: RecurrentLayerWorkspace {
    let layer: QRNNLayer
    private(set) var rowCapacity = 0
    private(set) var batchCapacity = 0
    /// `[rows, 3H]`: activated gates after forward, pre-activation gradients after backward.
    private(set) var gates = FloatBuffer(count: 0)
    private(set) var cells = FloatBuffer(count: 0)
    /// `[rows, H]`: the layer's raw outputs `h_t`.
    private(set) var outputs = FloatBuffer(count: 0)
    /// `[rows, 2·In]` at window 2: the rows `[x_t, x_{t−1}]`.
    private(set) var source = FloatBuffer(count: 0)
    private(set) var ones = FloatBuffer(count: 0)
    private(set) var c0 = FloatBuffer(count: 0), dc = FloatBuffer(count: 0)
    let droppedWeight: FloatBuffer
    let weightGradScratch: FloatBuffer

    init(layer: QRNNLayer, training: Bool) {
        self.layer = layer
        droppedWeight = FloatBuffer(count: training ? layer.dropMaskCount : 0)
        weightGradScratch = FloatBuffer(count: training ? layer.dropMaskCount : 0)
    }

    func reserve(rows: Int, batch: Int) {
        let h = layer.hidden
        if rows > rowCapacity {
            gates = FloatBuffer(count: rows * layer.gateWidth)
            cells = FloatBuffer(count: rows * h)
            outputs = FloatBuffer(count: rows * h)
            source = FloatBuffer(count: layer.window > 1 ? rows * layer.width : 0)
            ones = FloatBuffer(count: rows)
            ones.fill(1)
            rowCapacity = rows
        }
        if batch > batchCapacity {
            c0 = FloatBuffer(count: batch * h)
            dc = FloatBuffer(count: batch * h)
            batchCapacity = batch
        }
    }
}
