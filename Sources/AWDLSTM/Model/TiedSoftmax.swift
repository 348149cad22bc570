/// Decoder tied to the embedding matrix with one softmax over the whole
/// vocabulary (the authors' `nn.Linear` decoder and `CrossEntropyLoss`), the
/// cross-entropy fused into one pass over each row of logits.
///
/// `logits = out · Wᵀ + b` is one GEMM per block of rows. Each row then gets its
/// bias, its maximum (for a stable log-sum-exp), its loss
/// `log Σ exp(z − max) − (z_target − max)` and, in training, its gradient
/// `scale · (softmax − onehot)` written over the logits in place, from which
/// `∂out = G · W`, `∂W += Gᵀ · out` and `∂b += Σ_rows G` follow as GEMMs.
/// Rows go in blocks of at most `SoftmaxRows.maxBlockFloats` logits.
final class TiedSoftmax: OutputCriterion {
    let vocab: Int, emsize: Int
    /// Offsets of the tied matrix (`encoder.weight`, `[V, E]`) and `decoder.bias` in the flat buffers.
    let weight: Int, bias: Int
    private var logits = FloatBuffer(count: 0)
    private var ones = FloatBuffer(count: 0)

    init(_ config: ModelConfig, layout: ParameterLayout) {
        vocab = config.vocabSize
        emsize = config.emsize
        weight = layout.encoder.offset
        bias = layout.decoderBias.offset
    }

    func crossEntropy(
        _ out: UnsafePointer<Float>, rows: Int, targets: UnsafePointer<Int32>,
        weights: UnsafePointer<Float>, gradient: OutputGradient?, rowLosses: UnsafeMutablePointer<Double>?
    ) -> Double {
        let block = SoftmaxRows.blockRows(width: vocab, rows: rows)
        reserve(block * vocab, &logits)
        if gradient != nil { reserve(block, &ones, fill: 1) }
        let w = weights + weight, z = logits.pointer
        var total = 0.0
        for start in stride(from: 0, to: rows, by: block) {
            let n = min(block, rows - start), x = out + start * emsize
            GEMM.multiply(m: n, n: vocab, k: emsize, x, w, transposeB: true, into: z)
            total += SoftmaxRows.crossEntropy(z, rows: n, width: vocab, bias: weights + bias, targets: targets + start,
                                              gradientScale: gradient?.scale, rowLosses: rowLosses.map { $0 + start })
            guard let g = gradient else { continue }
            GEMM.multiply(m: n, n: emsize, k: vocab, z, w, into: g.output + start * emsize)
            GEMM.multiply(m: vocab, n: emsize, k: n, z, transposeA: true, x, into: g.parameters + weight, beta: 1)
            GEMM.addColumnSums(of: z, rows: n, columns: vocab, into: g.parameters + bias, ones: ones.pointer)
        }
        return total
    }

    func logProbabilities(
        _ out: UnsafePointer<Float>, rows: Int, weights: UnsafePointer<Float>, into: UnsafeMutablePointer<Float>
    ) {
        GEMM.multiply(m: rows, n: vocab, k: emsize, out, weights + weight, transposeB: true, into: into)
        SoftmaxRows.logSoftmax(into, rows: rows, width: vocab, stride: vocab, bias: weights + bias)
    }
}
