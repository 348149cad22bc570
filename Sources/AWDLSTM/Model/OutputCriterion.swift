import CKernels

/// The output side of the language model: the decoder tied to the embedding
/// together with the softmax that turns the last layer's output into
/// log-probabilities over the vocabulary, and the cross-entropy loss on them.
///
/// Two implementations: `TiedSoftmax`, one softmax over the whole vocabulary
/// (the authors' default), and `SplitSoftmax`, their split cross-entropy
/// (`splitcross.py`) for large vocabularies. Everything that needs the model's
/// distribution — training, evaluation, the cache pointer, dynamic evaluation,
/// generation — goes through this interface. Neither ever materialises more
/// than a bounded block of `[rows, V]` logits for the loss.
public protocol OutputCriterion: AnyObject {
    /// Summed cross-entropy `Σ_r −log p(targets[r] | out_r)` over `rows` rows of
    /// `out` (`[rows, E]`, row-major); `weights` is the model's flat parameter
    /// buffer. With `gradient`, also overwrites `gradient.output` with
    /// `scale · ∂loss/∂out` (`[rows, E]`) and adds `scale · ∂loss/∂θ` to the
    /// decoder's parameter gradients (the tied embedding, `decoder.bias`, and any
    /// criterion parameters) in `gradient.parameters`. `rowLosses`, when given,
    /// receives each row's `−log p` (`[rows]`).
    func crossEntropy(
        _ out: UnsafePointer<Float>, rows: Int, targets: UnsafePointer<Int32>,
        weights: UnsafePointer<Float>, gradient: OutputGradient?, rowLosses: UnsafeMutablePointer<Double>?
    ) -> Double

    /// `into[r·V + w] = log p(w | out_r)` for every word `w` of the vocabulary
    /// (`[rows, V]`, natural log; each row's exponentials sum to 1).
    func logProbabilities(
        _ out: UnsafePointer<Float>, rows: Int, weights: UnsafePointer<Float>, into: UnsafeMutablePointer<Float>
    )
}

/// Where an `OutputCriterion` writes its gradients.
public struct OutputGradient {
    /// `[rows, E]`, overwritten with the gradient with respect to the decoder's input.
    public var output: UnsafeMutablePointer<Float>
    /// The model's flat gradient buffer (same layout as the weights), added to.
    public var parameters: UnsafeMutablePointer<Float>
    /// Factor on every row's gradient: `1 / rows` for the mean loss.
    public var scale: Float

    public init(output: UnsafeMutablePointer<Float>, parameters: UnsafeMutablePointer<Float>, scale: Float) {
        self.output = output
        self.parameters = parameters
        self.scale = scale
    }
}

/// The criterion a configuration asks for: the split cross-entropy when it has
/// splits, else the full softmax.
public func makeOutputCriterion(_ config: ModelConfig, layout: ParameterLayout) -> any OutputCriterion {
    config.splits.isEmpty ? TiedSoftmax(config, layout: layout) : SplitSoftmax(config, layout: layout)
}

/// Row-wise softmax kernels shared by both criteria.
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

/// Raw pointers handed to parallel workers, each of which touches disjoint rows.
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
