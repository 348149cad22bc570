import CKernels

/// Decoder tied to the embedding matrix, with softmax cross-entropy fused into
/// one pass over each row of logits.
///
/// `logits = out · Wᵀ + b` is one GEMM. Each row then gets its bias, its maximum
/// (for a stable log-sum-exp), its loss `log Σ exp(z − max) − (z_target − max)`
/// and, in training, its gradient `(softmax − onehot) / N` written over the
/// logits in place — the `[N, V]` matrix is touched three times in all.
enum TiedSoftmax {
    /// Fills `logits` (`[rows, V]`) with `out · Wᵀ` (bias not yet added).
    static func project(
        _ out: UnsafePointer<Float>, rows: Int, emsize: Int, weight: UnsafePointer<Float>,
        vocab: Int, into logits: UnsafeMutablePointer<Float>
    ) {
        GEMM.multiply(m: rows, n: vocab, k: emsize, out, weight, transposeB: true, into: logits)
    }

    /// Adds the bias to each row and returns the summed cross-entropy over the rows.
    /// When `gradientScale` is given, each row is replaced by
    /// `gradientScale · (softmax − onehot(target))`.
    static func crossEntropy(
        logits: UnsafeMutablePointer<Float>, rows: Int, vocab: Int, bias: UnsafePointer<Float>,
        targets: UnsafePointer<Int32>, gradientScale: Float?, rowLosses: UnsafeMutablePointer<Double>? = nil
    ) -> Double {
        let chunks = max(1, min(ParallelFor.workers, rows))
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: chunks)
        partial.initialize(repeating: 0, count: chunks)
        defer { partial.deallocate() }
        let shared = SendablePointers(logits: logits, bias: bias, targets: targets,
                                      partial: partial, rowLosses: rowLosses)
        ParallelFor.chunks(chunks, count: rows, costPerItem: vocab) { chunk, range in
            var sum = 0.0
            for r in range {
                let loss = row(shared.logits + r * vocab, vocab: vocab, bias: shared.bias,
                               target: Int(shared.targets[r]), gradientScale: gradientScale)
                shared.rowLosses?[r] = loss
                sum += loss
            }
            shared.partial[chunk] = sum
        }
        var total = 0.0
        for c in 0..<chunks { total += partial[c] }
        return total
    }

    @inline(__always)
    static func row(
        _ z: UnsafeMutablePointer<Float>, vocab v: Int, bias: UnsafePointer<Float>,
        target: Int, gradientScale: Float?
    ) -> Double {
        awd_softmax_xent_row(z, bias, v, target, gradientScale ?? 0)
    }
}

/// Raw pointers handed to parallel workers, each of which touches disjoint rows.
struct SendablePointers: @unchecked Sendable {
    let logits: UnsafeMutablePointer<Float>
    let bias: UnsafePointer<Float>
    let targets: UnsafePointer<Int32>
    let partial: UnsafeMutablePointer<Double>
    let rowLosses: UnsafeMutablePointer<Double>?
}
