import CKernels

/// Row-wise softmax kernels shared by both output criteria (`TiedSoftmax`,
/// `SplitSoftmax`): the fused C row kernel `awd_softmax_xent_row`, rows split
/// over the pool.
enum SoftmaxRows {
    /// Blocks of logits hold at most this many floats (256 MiB): large enough that
    /// the paper model at V = 10,000 and 80 × 70 rows runs in one block, small
    /// enough that a 267,735-word vocabulary never needs gigabytes of logits.
    static let maxBlockFloats = 1 << 26

    /// Rows per block for logits `width` wide.
    static func blockRows(width: Int, rows: Int) -> Int { max(1, min(rows, maxBlockFloats / max(width, 1))) }

    /// Adds the bias to each row of `logits` (`[rows, width]`, rows `stride` apart)
    /// and returns the summed `−log softmax` at each row's target. When
    /// `gradientScale` is given, each row is replaced by
    /// `gradientScale · (softmax − onehot(target))`. `rowLosses[r]` gets row r's loss.
    static func crossEntropy(
        _ logits: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>,
        targets: UnsafePointer<Int32>, gradientScale: Float?, rowLosses: UnsafeMutablePointer<Double>?
    ) -> Double {
        let chunks = max(1, min(ParallelFor.workers, rows))
        let partial = UnsafeMutablePointer<Double>.allocate(capacity: chunks)
        partial.initialize(repeating: 0, count: chunks)
        defer { partial.deallocate() }
        let shared = UnsafeSendable((logits: logits, bias: bias, targets: targets, partial: partial, rowLosses: rowLosses))
        ParallelFor.chunks(chunks, count: rows, costPerItem: width) { chunk, range in
            let p = shared.value
            var sum = 0.0
            for r in range {
                let loss = awd_softmax_xent_row(p.logits + r * width, p.bias, width, Int(p.targets[r]), gradientScale ?? 0)
                p.rowLosses?[r] = loss
                sum += loss
            }
            p.partial[chunk] = sum
        }
        var total = 0.0
        for c in 0..<chunks { total += partial[c] }
        return total
    }

    /// Replaces each row `z` of `logits` (`[rows, width]`, rows `stride` apart) by
    /// `log softmax(z + bias) + offsets[r · offsetStride]` (offsets nil: 0).
    static func logSoftmax(
        _ logits: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int, bias: UnsafePointer<Float>,
        offsets: UnsafePointer<Float>? = nil, offsetStride: Int = 1
    ) {
        let shared = UnsafeSendable((logits: logits, bias: bias, offsets: offsets))
        ParallelFor.chunks(max(1, min(ParallelFor.workers, rows)), count: rows, costPerItem: width) { _, range in
            let p = shared.value
            for r in range {
                let z = p.logits + r * stride
                // The fused kernel adds the bias in place and, at target 0 without a
                // gradient, returns log Σ exp(z) − z[0]: the log-normaliser is that plus z[0].
                let lse = awd_softmax_xent_row(z, p.bias, width, 0, 0) + Double(z[0])
                let shift = Float(Double(p.offsets?[r * offsetStride] ?? 0) - lse)
                for j in 0..<width { z[j] += shift }
            }
        }
    }
}
