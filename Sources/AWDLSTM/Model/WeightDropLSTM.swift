/// One weight-dropped LSTM layer: PyTorch's LSTM cell (gates i, f, g, o; two
/// bias vectors) with DropConnect on `W_hh` — one mask for the whole forward
/// pass, shared by every time step and batch row (the authors' `WeightDrop`).
///
/// Forward computes the input projection of all `T` steps as one GEMM
/// (`[T·B, In] × [In, 4H]`); only the recurrent `[B, H] × [H, 4H]` product runs
/// inside the time loop, followed by a fused gate kernel. Backward mirrors it:
/// the recurrent product per step, then all weight gradients and the input
/// gradient as single GEMMs over the `T·B` rows.
struct WeightDropLSTM: RecurrentLayer {
    let input: Int
    let hidden: Int
    let params: ParameterLayout.LSTMEntries

    var gateWidth: Int { 4 * hidden }
    var dropMaskCount: Int { gateWidth * hidden }
    var multiplyAddsPerToken: Int { gateWidth * (input + hidden) }

    /// `torch.nn.LSTM`'s initialisation: every weight and bias U(−1/√H, 1/√H).
    func initialize(_ weights: UnsafeMutablePointer<Float>, rng: inout RandomSource) {
        let k = 1 / Float(hidden).squareRoot()
        for e in [params.weightIH, params.weightHH, params.biasIH, params.biasHH] {
            for i in 0..<e.count { weights[e.offset + i] = rng.uniform(-k, k) }
        }
    }

    func makeState(batch: Int) -> any RecurrentState { LSTMState(batch: batch, hidden: hidden) }

    func makeWorkspace(training: Bool) -> any RecurrentLayerWorkspace {
        LSTMLayerWorkspace(hidden: hidden, training: training)
    }

    /// Steps with at least this many multiply-adds in the recurrent product are
    /// shared between the pool threads (a fork-join costs about a microsecond).
    static let stepParallelThreshold = 1 << 17

    /// `RecurrentLayer.projectInputs`: DropConnect on W_hh when `dropMask`
    /// (scaled, `[4H, H]`) is given, then `gates = b_ih + b_hh + x · W_ihᵀ` for all rows.
    func projectInputs(
        x: UnsafePointer<Float>, steps: Int, batch: Int,
        weights: UnsafePointer<Float>, dropMask: UnsafePointer<Float>?,
        state: any RecurrentState, workspace: any RecurrentLayerWorkspace, reusePrepared: Bool
    ) {
        let ws = workspace as! LSTMLayerWorkspace
        let g = gateWidth, h = hidden, rows = steps * batch
        let wih = weights + params.weightIH.offset
        let bih = weights + params.biasIH.offset
        let bhh = weights + params.biasHH.offset
        var whh = weights + params.weightHH.offset
        if let mask = dropMask {
            WeightDrop.apply(whh, mask: mask, count: g * h, into: ws.droppedWeight.pointer)
            whh = UnsafePointer(ws.droppedWeight.pointer)
        }
        ws.usedDropMask = dropMask != nil
        // At small batch the per-step product uses W_hh packed once per forward
        // (evaluation reuses it across windows while the weights are unchanged).
        let path = RecurrentPath(batch: batch)
        if path == .packed && !(reusePrepared && ws.forwardPanels.isValid) {
            ws.forwardPanels.pack(whh, k: h, n: g, transposed: true, blocks: 4)
        }
        ws.forwardPanels.isValid = path == .packed && dropMask == nil

        // Both biases on every row, then all input projections added at once
        // (one pass over the [T·B, 4H] gates instead of a zeroing and a bias pass).
        let bias = ws.biasScratch.pointer
        for j in 0..<g { bias[j] = bih[j] + bhh[j] }
        Pointwise.copyRows(bias, sourceStride: 0, rows: rows, width: g, into: ws.gates.pointer, destinationStride: g)
        GEMM.multiply(m: rows, n: g, k: input, x, wih, transposeB: true, into: ws.gates.pointer, beta: 1)
    }

    /// `RecurrentLayer.recur`: per step, `gates_t += h_{t−1} · W_hhᵀ` and the cell;
    /// `state` is updated to the final `(h, c)`.
    func recur(
        steps: Int, batch: Int, weights: UnsafePointer<Float>, state: any RecurrentState,
        workspace: any RecurrentLayerWorkspace
    ) {
        let state = state as! LSTMState, ws = workspace as! LSTMLayerWorkspace
        let g = gateWidth, h = hidden
        let whh = ws.usedDropMask ? UnsafePointer(ws.droppedWeight.pointer) : weights + params.weightHH.offset
        let path = RecurrentPath(batch: batch)
        ws.h0.pointer.update(from: state.h.pointer, count: batch * h)
        ws.c0.pointer.update(from: state.c.pointer, count: batch * h)
        let gates = ws.gates.pointer, cells = ws.cells.pointer
        let tanhCells = ws.tanhCells.pointer, outputs = ws.outputs.pointer
        // Each thread owns a range of hidden units: it computes their rows of all
        // four gates and then their cell update, so a step needs one fork-join.
        let parallel = batch * g * h >= Self.stepParallelThreshold
        for t in 0..<steps {
            let gt = gates + t * batch * g
            let hPrev = t == 0 ? UnsafePointer(ws.h0.pointer) : UnsafePointer(outputs + (t - 1) * batch * h)
            let cPrev = t == 0 ? UnsafePointer(ws.c0.pointer) : UnsafePointer(cells + (t - 1) * batch * h)
            let o = t * batch * h
            ParallelFor.alignedRanges(of: h, parallel: parallel) { units in
                let u = units.lowerBound
                switch path {
                case .vector:
                    for q in 0..<4 {
                        GEMM.addMatrixVector(whh + (q * h + u) * h, rows: units.count, columns: h, hPrev,
                                             into: gt + q * h + u)
                    }
                case .packed:
                    ws.forwardPanels.multiply(m: batch, hPrev, into: gt, columns: units)
                case .general:
                    for q in 0..<4 {
                        GEMM.multiply(m: batch, n: units.count, k: h, hPrev, whh + (q * h + u) * h, transposeB: true,
                                      into: gt + q * h + u, ldc: g, beta: 1, parallel: false)
                    }
                }
                LSTMCell.forward(gates: gt, cPrev: cPrev, c: cells + o, tanhC: tanhCells + o,
                                 h: outputs + o, batch: batch, hidden: h, units: units)
            }
        }
        let last = (steps - 1) * batch * h
        state.h.pointer.update(from: outputs + last, count: batch * h)
        state.c.pointer.update(from: cells + last, count: batch * h)
    }

    /// `RecurrentLayer.backward`, through the recurrence step by step.
    func backward(
        dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, steps: Int, batch: Int,
        weights: UnsafePointer<Float>, dropMask: UnsafePointer<Float>?,
        grads: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>,
        workspace: any RecurrentLayerWorkspace
    ) {
        let ws = workspace as! LSTMLayerWorkspace
        let g = gateWidth, h = hidden, rows = steps * batch
        let wih = weights + params.weightIH.offset
        let whh = ws.usedDropMask ? UnsafePointer(ws.droppedWeight.pointer) : weights + params.weightHH.offset
        let gates = ws.gates.pointer, cells = ws.cells.pointer
        let tanhCells = ws.tanhCells.pointer, outputs = ws.outputs.pointer
        let dh = ws.dh.pointer, dc = ws.dc.pointer
        dh.update(repeating: 0, count: batch * h)
        dc.update(repeating: 0, count: batch * h)
        let path = RecurrentPath(batch: batch)
        if path == .packed { ws.backwardPanels.pack(whh, k: g, n: h, transposed: false) }

        let parallel = batch * g * h >= Self.stepParallelThreshold
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let gt = gates + t * batch * g
            let o = t * batch * h
            let cPrev = t == 0 ? UnsafePointer(ws.c0.pointer) : UnsafePointer(cells + o - batch * h)
            ParallelFor.alignedRanges(of: h, parallel: parallel) { units in
                LSTMCell.backward(gates: gt, cPrev: cPrev, tanhC: tanhCells + o, dOut: dOut + o,
                                  dh: dh, dc: dc, batch: batch, hidden: h, units: units)
            }
            if t > 0 {
                switch path {
                case .vector:
                    GEMM.multiplyVector(whh, rows: g, columns: h, transpose: true, gt, into: dh)
                case .packed:
                    dh.update(repeating: 0, count: batch * h)
                    ws.backwardPanels.multiply(m: batch, gt, into: dh)
                case .general:
                    GEMM.multiply(m: batch, n: h, k: g, gt, whh, into: dh)
                }
            }
        }

        // Weight gradients over all rows: dW_ih += dG^T·X; dW_hh += dG^T·[h0; h_0..h_{T−2}].
        GEMM.multiply(m: g, n: input, k: rows, gates, transposeA: true, x,
                      into: grads + params.weightIH.offset, beta: 1)
        let dWhh: UnsafeMutablePointer<Float>
        if ws.usedDropMask { dWhh = ws.weightGradScratch.pointer } else { dWhh = grads + params.weightHH.offset }
        GEMM.multiply(m: g, n: h, k: batch, gates, transposeA: true, ws.h0.pointer,
                      into: dWhh, beta: ws.usedDropMask ? 0 : 1)
        if steps > 1 {
            GEMM.multiply(m: g, n: h, k: rows - batch, gates + batch * g, transposeA: true, outputs,
                          into: dWhh, beta: 1)
        }
        if ws.usedDropMask, let mask = dropMask {
            WeightDrop.accumulateGradient(dWhh, mask: mask, count: g * h, into: grads + params.weightHH.offset)
        }
        let db = ws.biasScratch.pointer
        db.update(repeating: 0, count: g)
        GEMM.addColumnSums(of: gates, rows: rows, columns: g, into: db, ones: ws.ones.pointer)
        Pointwise.addScaled(db, 1, count: g, into: grads + params.biasIH.offset)
        Pointwise.addScaled(db, 1, count: g, into: grads + params.biasHH.offset)
        GEMM.multiply(m: rows, n: input, k: g, gates, wih, into: dx)
    }
}

/// How the recurrent product `h_{t−1} · W_hhᵀ` is computed at a batch size:
/// a matrix-vector product for one row (our prefetching kernel forward, BLAS
/// backward), the packed kernel for small batches (where a GEMM would re-pack
/// W_hh on every step), BLAS GEMM above.
enum RecurrentPath: Equatable {
    case vector, packed, general

    /// Batches up to this size use the packed kernel.
    static let packedBatchLimit = 32

    init(batch: Int) {
        self = batch == 1 ? .vector : batch <= Self.packedBatchLimit ? .packed : .general
    }
}

/// The `(h, c)` state of one LSTM layer for `batch` rows, carried between batches.
final class LSTMState: RecurrentState, @unchecked Sendable {
    let h: FloatBuffer
    let c: FloatBuffer
    init(batch: Int, hidden: Int) {
        h = FloatBuffer(count: batch * hidden)
        c = FloatBuffer(count: batch * hidden)
    }
    var tensors: [(name: String, buffer: FloatBuffer)] { [("h", h), ("c", c)] }
}

/// Buffers one layer needs for a forward/backward pass, grown on demand and reused.
final class LSTMLayerWorkspace: RecurrentLayerWorkspace {
    let hidden: Int
    private(set) var rowCapacity = 0
    private(set) var batchCapacity = 0
    /// `[rows, 4H]`: activated gates after forward, gate pre-activation gradients after backward.
    private(set) var gates = FloatBuffer(count: 0)
    private(set) var cells = FloatBuffer(count: 0)
    private(set) var tanhCells = FloatBuffer(count: 0)
    /// `[rows, H]`: the layer's raw outputs `h_t`.
    private(set) var outputs = FloatBuffer(count: 0)
    private(set) var ones = FloatBuffer(count: 0)
    private(set) var h0 = FloatBuffer(count: 0), c0 = FloatBuffer(count: 0)
    private(set) var dh = FloatBuffer(count: 0), dc = FloatBuffer(count: 0)
    let droppedWeight: FloatBuffer
    /// W_hh packed for `h·W_hhᵀ` (forward) and for `dG·W_hh` (backward).
    let forwardPanels = PackedOperand()
    let backwardPanels = PackedOperand()
    let weightGradScratch: FloatBuffer
    let biasScratch: FloatBuffer
    var usedDropMask = false

    init(hidden: Int, training: Bool) {
        self.hidden = hidden
        droppedWeight = FloatBuffer(count: training ? 4 * hidden * hidden : 0)
        weightGradScratch = FloatBuffer(count: training ? 4 * hidden * hidden : 0)
        biasScratch = FloatBuffer(count: 4 * hidden)
    }

    func reserve(rows: Int, batch: Int) {
        if rows > rowCapacity {
            gates = FloatBuffer(count: rows * 4 * hidden)
            cells = FloatBuffer(count: rows * hidden)
            tanhCells = FloatBuffer(count: rows * hidden)
            outputs = FloatBuffer(count: rows * hidden)
            ones = FloatBuffer(count: rows)
            ones.fill(1)
            rowCapacity = rows
        }
        if batch > batchCapacity {
            h0 = FloatBuffer(count: batch * hidden)
            c0 = FloatBuffer(count: batch * hidden)
            dh = FloatBuffer(count: batch * hidden)
            dc = FloatBuffer(count: batch * hidden)
            batchCapacity = batch
        }
    }
}
