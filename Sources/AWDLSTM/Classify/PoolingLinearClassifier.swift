/// fastai's `PoolingLinearClassifier` head (`fastai/text/models/core.py`):
/// `masked_concat_pool`, then one fastai `LinBnDrop` block per pair of sizes in
/// `dims`: `BatchNorm1d(n_in) → Dropout(p) → Linear(n_in, n_out, bias: false)`,
/// with a ReLU after every block but the last. (fastai's `LinBnDrop` drops the
/// linear bias after a batch norm, and leaves the `Dropout` module out when
/// `p` is 0, which shifts the linear layer's index in the `state_dict`.)
///
/// Parameters and their gradients live in two flat buffers, per block
/// `bn.weight [n_in]`, `bn.bias [n_in]`, `linear.weight [n_out, n_in]`; the
/// batch norms' running statistics (not trained) apart.
final class PoolingLinearClassifier {
    /// `[3·E, lin_ftrs…, classes]`.
    let dims: [Int]
    /// One dropout probability per block (fastai's `ps`).
    let dropouts: [Float]
    /// BatchNorm1d's defaults, as PyTorch has them.
    static let epsilon: Float = 1e-5, momentum: Float = 0.1

    /// One block's places in `weights`.
    struct Block {
        let inputs: Int, outputs: Int
        let bnWeight: Int, bnBias: Int, linearWeight: Int
    }
    let blocks: [Block]
    let weights: FloatBuffer
    let gradients: FloatBuffer
    /// Per block: running mean and (unbiased) variance `[n_in]`, and PyTorch's `num_batches_tracked`.
    var runningMean: [[Float]], runningVariance: [[Float]], batchesTracked: [Int]

    /// A head with fastai's initialisation: batch-norm weight 1 and bias 1e-3
    /// (fastai's `BatchNorm`), running mean 0 and variance 1, and linear
    /// weights as PyTorch's `nn.Linear` draws them, U(−1/√n_in, 1/√n_in).
    init(dims: [Int], dropouts: [Float], rng: inout RandomSource) {
        precondition(dims.count >= 2 && dropouts.count == dims.count - 1, "one dropout per block")
        self.dims = dims
        self.dropouts = dropouts
        var blocks: [Block] = [], offset = 0
        for (n, m) in zip(dims.dropLast(), dims.dropFirst()) {
            blocks.append(Block(inputs: n, outputs: m, bnWeight: offset, bnBias: offset + n, linearWeight: offset + 2 * n))
            offset += 2 * n + n * m
        }
        self.blocks = blocks
        weights = FloatBuffer(count: offset)
        gradients = FloatBuffer(count: offset)
        runningMean = blocks.map { [Float](repeating: 0, count: $0.inputs) }
        runningVariance = blocks.map { [Float](repeating: 1, count: $0.inputs) }
        batchesTracked = blocks.map { _ in 0 }
        let w = weights.pointer
        for b in blocks {
            for i in 0..<b.inputs { w[b.bnWeight + i] = 1; w[b.bnBias + i] = 1e-3 }
            let bound = 1 / Float(b.inputs).squareRoot()
            for i in 0..<(b.inputs * b.outputs) { w[b.linearWeight + i] = rng.uniform(-bound, bound) }
        }
    }

    /// What a training forward pass keeps for its backward pass, per block.
    struct Trace {
        /// The normalised inputs x̂ `[B, n_in]`, 1/√(var+ε) `[n_in]`, the
        /// dropout mask (scaled, nil without dropout) and the linear layer's input `[B, n_in]`.
        var normalized: [[Float]] = [], inverseStd: [[Float]] = [], masks: [[Float]?] = [], linearInputs: [[Float]] = []
        /// The block outputs before the ReLU `[B, n_out]`.
        var preActivations: [[Float]] = []
    }

    /// Logits `[B, classes]` from pooled features `x` `[B, dims[0]]`. Training
    /// uses the batch's statistics (and updates the running ones; `B` must be at
    /// least 2, as in PyTorch) and, with `dropout`, draws dropout masks from
    /// `rng`; evaluation uses the running statistics and no dropout.
    func forward(
        _ x: [Float], batchSize n: Int, training: Bool, dropout: Bool, rng: inout RandomSource
    ) -> (logits: [Float], trace: Trace) {
        var trace = Trace(), h = x
        let w = weights.pointer
        for (l, b) in blocks.enumerated() {
            let c = b.inputs
            var mean = [Float](repeating: 0, count: c), variance = [Float](repeating: 0, count: c)
            if training {
                for i in 0..<n { for k in 0..<c { mean[k] += h[i * c + k] } }
                for k in 0..<c { mean[k] /= Float(n) }
                for i in 0..<n { for k in 0..<c { let d = h[i * c + k] - mean[k]; variance[k] += d * d } }
                for k in 0..<c {
                    let biased = variance[k] / Float(n)
                    runningMean[l][k] = (1 - Self.momentum) * runningMean[l][k] + Self.momentum * mean[k]
                    runningVariance[l][k] = (1 - Self.momentum) * runningVariance[l][k]
                        + Self.momentum * variance[k] / Float(max(n - 1, 1))
                    variance[k] = biased
                }
                batchesTracked[l] += 1
            } else {
                mean = runningMean[l]
                variance = runningVariance[l]
            }
            let inverseStd = variance.map { 1 / ($0 + Self.epsilon).squareRoot() }
            var normalized = [Float](repeating: 0, count: n * c), y = normalized
            for i in 0..<n {
                for k in 0..<c {
                    let v = (h[i * c + k] - mean[k]) * inverseStd[k]
                    normalized[i * c + k] = v
                    y[i * c + k] = w[b.bnWeight + k] * v + w[b.bnBias + k]
                }
            }
            var mask: [Float]? = nil
            if training && dropout && dropouts[l] > 0 {
                let p = Double(dropouts[l]), scale = Float(1 / (1 - p))
                let m = (0..<(n * c)).map { _ in rng.bernoulli(p) ? Float(0) : scale }
                for i in 0..<(n * c) { y[i] *= m[i] }
                mask = m
            }
            var z = [Float](repeating: 0, count: n * b.outputs)
            for i in 0..<n {
                for o in 0..<b.outputs {
                    var s: Float = 0
                    for k in 0..<c { s += y[i * c + k] * w[b.linearWeight + o * c + k] }
                    z[i * b.outputs + o] = s
                }
            }
            trace.normalized.append(normalized)
            trace.inverseStd.append(inverseStd)
            trace.masks.append(mask)
            trace.linearInputs.append(y)
            trace.preActivations.append(z)
            h = l < blocks.count - 1 ? z.map { max($0, 0) } : z
        }
        return (h, trace)
    }

    /// Backward of a training `forward`: adds the parameter gradients to
    /// `gradients` and returns the gradient of the pooled features `[B, dims[0]]`.
    func backward(_ dLogits: [Float], trace: Trace, batchSize n: Int) -> [Float] {
        let w = weights.pointer, g = gradients.pointer
        var dz = dLogits
        for l in stride(from: blocks.count - 1, through: 0, by: -1) {
            let b = blocks[l], c = b.inputs
            if l < blocks.count - 1 {
                for i in 0..<dz.count where trace.preActivations[l][i] <= 0 { dz[i] = 0 }
            }
            let y = trace.linearInputs[l]
            var dy = [Float](repeating: 0, count: n * c)
            for i in 0..<n {
                for o in 0..<b.outputs {
                    let d = dz[i * b.outputs + o]
                    if d == 0 { continue }
                    for k in 0..<c {
                        g[b.linearWeight + o * c + k] += d * y[i * c + k]
                        dy[i * c + k] += d * w[b.linearWeight + o * c + k]
                    }
                }
            }
            if let m = trace.masks[l] { for i in 0..<(n * c) { dy[i] *= m[i] } }
            // Batch norm with the batch's statistics.
            let xh = trace.normalized[l], inv = trace.inverseStd[l]
            var dx = [Float](repeating: 0, count: n * c)
            for k in 0..<c {
                var sumD: Float = 0, sumDX: Float = 0
                for i in 0..<n { sumD += dy[i * c + k]; sumDX += dy[i * c + k] * xh[i * c + k] }
                g[b.bnWeight + k] += sumDX
                g[b.bnBias + k] += sumD
                let gamma = w[b.bnWeight + k]
                for i in 0..<n {
                    dx[i * c + k] = gamma * inv[k] / Float(n) * (Float(n) * dy[i * c + k] - sumD - xh[i * c + k] * sumDX)
                }
            }
            dz = dx
        }
        return dz
    }
}
