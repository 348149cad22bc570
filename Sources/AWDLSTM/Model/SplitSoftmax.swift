/// The authors' split cross-entropy (`SplitCrossEntropyLoss` in
/// salesforce/awd-lstm-lm `splitcross.py`): a two-level softmax for large
/// vocabularies, with the decoder still tied to the embedding.
///
/// With boundaries `[0, s₁, …, s_k, V)`, the head is a softmax over the first
/// `s₁` words plus one "tombstone" per tail cluster: rows `W[0..<s₁]` and
/// `tail_vectors` (`[k, E]`), biases `b[0..<s₁]` and `tail_bias` (`[k]`), so
/// `s₁ + k` columns. Cluster i (1-based, words `s_i..<s_{i+1}`) takes its
/// tombstone from head column −i, counted from the end as in the reference
/// (`softmaxed_head_res[:, -idx]`): cluster 1 uses the last tail vector. Then
///
///     log p(w) = log p_head(w)                                  w < s₁
///     log p(w) = log p_head(−i) + log softmax(out · W_iᵀ + b_i)_w  w in cluster i
///
/// where `W_i`, `b_i` are the tied decoder's rows and bias of the cluster. The
/// loss is the mean of `−log p(target)` over rows.
///
/// As in the reference, the head is computed for every row but each tail
/// cluster only for the rows whose target falls in it (gathered, in blocks of
/// at most `SoftmaxRows.maxBlockFloats` logits); no `[rows, V]` matrix is formed.
final class SplitSoftmax: OutputCriterion {
    let vocab: Int, emsize: Int
    /// `[0, s₁, …, s_k, V]`.
    let bounds: [Int]
    /// Offsets in the flat buffers: `encoder.weight` (the tied decoder), `decoder.bias`,
    /// `criterion.tail_vectors`, `criterion.tail_bias`.
    let weight: Int, bias: Int, tailVectors: Int, tailBias: Int

    /// Tail clusters `k`.
    var tails: Int { bounds.count - 2 }
    /// Head words `s₁`.
    var headWords: Int { bounds[1] }
    /// Head columns: the head words and one tombstone per tail cluster.
    var headWidth: Int { headWords + tails }
    /// The head column holding cluster `i`'s tombstone (the reference's column `-i`).
    func tombstone(_ i: Int) -> Int { headWidth - i }

    private var head = FloatBuffer(count: 0)
    private var headBias = FloatBuffer(count: 0)
    private var columnSums = FloatBuffer(count: 0)
    private var logits = FloatBuffer(count: 0)
    private var gathered = FloatBuffer(count: 0)
    private var gatheredGradient = FloatBuffer(count: 0)
    private var ones = FloatBuffer(count: 0)
    private var headTargets: [Int32] = []
    private var clusterTargets: [Int32] = []
    private var clusterLosses: [Double] = []
    /// Row indices grouped by cluster: `members[memberStart[i]..<memberStart[i+1]]` are cluster i's rows.
    private var members: [Int] = []
    private var memberStart: [Int] = []

    init(_ config: ModelConfig, layout: ParameterLayout) {
        precondition(!config.splits.isEmpty && (try? config.validate()) != nil, "invalid splits \(config.splits)")
        vocab = config.vocabSize
        emsize = config.emsize
        bounds = [0] + config.splits + [config.vocabSize]
        weight = layout.encoder.offset
        bias = layout.decoderBias.offset
        tailVectors = layout.tailVectors!.offset
        tailBias = layout.tailBias!.offset
    }

    /// The cluster (0 = head) of word `w`.
    @inline(__always)
    func cluster(of w: Int) -> Int {
        var i = 0
        while i < tails && w >= bounds[i + 1] { i += 1 }
        return i
    }

    /// Head logits with their biases not yet added (`[rows, headWidth]` in `head`),
    /// and the head's bias vector `[b[0..<s₁], tail_bias]` in `headBias`.
    private func headLogits(_ out: UnsafePointer<Float>, rows: Int, weights: UnsafePointer<Float>) {
        reserve(rows * headWidth, &head)
        reserve(headWidth, &headBias)
        let h = head.pointer
        GEMM.multiply(m: rows, n: headWords, k: emsize, out, weights + weight, transposeB: true, into: h, ldc: headWidth)
        GEMM.multiply(m: rows, n: tails, k: emsize, out, weights + tailVectors, transposeB: true,
                      into: h + headWords, ldc: headWidth)
        headBias.pointer.update(from: weights + bias, count: headWords)
        (headBias.pointer + headWords).update(from: weights + tailBias, count: tails)
    }

    func crossEntropy(
        _ out: UnsafePointer<Float>, rows: Int, targets: UnsafePointer<Int32>,
        weights: UnsafePointer<Float>, gradient: OutputGradient?, rowLosses: UnsafeMutablePointer<Double>?
    ) -> Double {
        group(targets, rows: rows)
        headLogits(out, rows: rows, weights: weights)
        let e = emsize, hw = headWidth, h = head.pointer
        var total = headTargets.withUnsafeBufferPointer {
            SoftmaxRows.crossEntropy(h, rows: rows, width: hw, bias: headBias.pointer, targets: $0.baseAddress!,
                                     gradientScale: gradient?.scale, rowLosses: rowLosses)
        }
        if let g = gradient {
            // Head backward: ∂out = G_words · W[0..<s₁] + G_tombstones · tail_vectors, and the
            // weight gradients of both parts; the bias gradients from one pass of column sums.
            let dp = g.parameters
            reserve(rows, &ones, fill: 1)
            reserve(hw, &columnSums)
            GEMM.multiply(m: rows, n: e, k: headWords, h, lda: hw, weights + weight, into: g.output)
            GEMM.multiply(m: rows, n: e, k: tails, h + headWords, lda: hw, weights + tailVectors, into: g.output, beta: 1)
            GEMM.multiply(m: headWords, n: e, k: rows, h, transposeA: true, lda: hw, out, into: dp + weight, beta: 1)
            GEMM.multiply(m: tails, n: e, k: rows, h + headWords, transposeA: true, lda: hw, out, into: dp + tailVectors, beta: 1)
            columnSums.zero()
            GEMM.addColumnSums(of: h, rows: rows, columns: hw, into: columnSums.pointer, ones: ones.pointer)
            Pointwise.addScaled(columnSums.pointer, 1, count: headWords, into: dp + bias)
            Pointwise.addScaled(columnSums.pointer + headWords, 1, count: tails, into: dp + tailBias)
        }
        for i in 1...tails {
            total += tailCrossEntropy(i, out: out, weights: weights, gradient: gradient, rowLosses: rowLosses)
        }
        return total
    }

    /// Sorts the rows by their target's cluster (`members`, `memberStart`) and sets
    /// each row's head target: the word itself in the head, else its cluster's tombstone.
    private func group(_ targets: UnsafePointer<Int32>, rows: Int) {
        headTargets.removeAll(keepingCapacity: true)
        var counts = [Int](repeating: 0, count: tails + 2)
        for r in 0..<rows {
            let c = cluster(of: Int(targets[r]))
            counts[c + 1] += 1
            headTargets.append(c == 0 ? targets[r] : Int32(tombstone(c)))
        }
        for c in 0...tails { counts[c + 1] += counts[c] }
        memberStart = counts
        members = [Int](repeating: 0, count: rows)
        var next = counts
        clusterTargets = [Int32](repeating: 0, count: rows)
        for r in 0..<rows {
            let t = Int(targets[r]), c = cluster(of: t)
            members[next[c]] = r
            clusterTargets[next[c]] = Int32(t - bounds[c])
            next[c] += 1
        }
    }

    /// Cluster `i`'s part of the loss, `−log softmax` within the cluster, over the
    /// rows whose target lies in it; adds the gradients when asked.
    private func tailCrossEntropy(
        _ i: Int, out: UnsafePointer<Float>, weights: UnsafePointer<Float>, gradient: OutputGradient?,
        rowLosses: UnsafeMutablePointer<Double>?
    ) -> Double {
        let first = memberStart[i], n = memberStart[i + 1] - first
        guard n > 0 else { return 0 }
        let e = emsize, width = bounds[i + 1] - bounds[i]
        let w = weights + weight + bounds[i] * e, b = weights + bias + bounds[i]
        reserve(n * e, &gathered)
        for j in 0..<n { (gathered.pointer + j * e).update(from: out + members[first + j] * e, count: e) }
        if gradient != nil { reserve(n * e, &gatheredGradient) }
        let block = SoftmaxRows.blockRows(width: width, rows: n)
        reserve(block * width, &logits)
        if clusterLosses.count < n { clusterLosses = [Double](repeating: 0, count: n) }
        let z = logits.pointer
        var total = 0.0
        for start in stride(from: 0, to: n, by: block) {
            let m = min(block, n - start), x = gathered.pointer + start * e
            GEMM.multiply(m: m, n: width, k: e, x, w, transposeB: true, into: z)
            total += clusterTargets.withUnsafeBufferPointer { t in
                clusterLosses.withUnsafeMutableBufferPointer { l in
                    SoftmaxRows.crossEntropy(z, rows: m, width: width, bias: b, targets: t.baseAddress! + first + start,
                                             gradientScale: gradient?.scale, rowLosses: l.baseAddress! + start)
                }
            }
            guard let g = gradient else { continue }
            reserve(m, &ones, fill: 1)
            GEMM.multiply(m: m, n: e, k: width, z, w, into: gatheredGradient.pointer + start * e)
            GEMM.multiply(m: width, n: e, k: m, z, transposeA: true, x, into: g.parameters + weight + bounds[i] * e, beta: 1)
            GEMM.addColumnSums(of: z, rows: m, columns: width, into: g.parameters + bias + bounds[i], ones: ones.pointer)
        }
        for j in 0..<n {
            let r = members[first + j]
            rowLosses?[r] += clusterLosses[j]
            if let g = gradient {
                Pointwise.addScaled(gatheredGradient.pointer + j * e, 1, count: e, into: g.output + r * e)
            }
        }
        return total
    }

    func logProbabilities(
        _ out: UnsafePointer<Float>, rows: Int, weights: UnsafePointer<Float>, into: UnsafeMutablePointer<Float>
    ) {
        headLogits(out, rows: rows, weights: weights)
        let h = head.pointer, hw = headWidth
        SoftmaxRows.logSoftmax(h, rows: rows, width: hw, stride: hw, bias: headBias.pointer)
        for r in 0..<rows { (into + r * vocab).update(from: h + r * hw, count: headWords) }
        for i in 1...tails {
            let start = bounds[i], width = bounds[i + 1] - start
            GEMM.multiply(m: rows, n: width, k: emsize, out, weights + weight + start * emsize, transposeB: true,
                          into: into + start, ldc: vocab)
            SoftmaxRows.logSoftmax(into + start, rows: rows, width: width, stride: vocab, bias: weights + bias + start,
                                   offsets: h + tombstone(i), offsetStride: hw)
        }
    }
}
