/// fastai's `masked_concat_pool` (`fastai/text/models/core.py`): one vector per
/// document from the encoder's outputs, `[last, max, mean]` over its real
/// (non-padding) positions, `[B, 3E]`.
///
/// "Last" is the output at the last position before the trailing padding of
/// the final `bptt` columns; the max and the mean run over every position the
/// mask marks as real. (With fastai's `real_bs` rule a real position can hold a
/// zero output; it counts as real here too, as in fastai.)
enum MaskedConcatPool {
    /// Where each document's pooled values come from: the position of "last"
    /// and, per feature, the position of the max; and the count of real positions.
    struct Trace {
        let last: [Int]
        let argmax: [Int]
        let realCount: [Int]
    }

    /// Pools `outputs` (`[B, S, E]`) under `mask` (`[B, S]`, true = padding).
    static func forward(outputs: [Float], mask: [Bool], batchSize b: Int, length s: Int, features e: Int, bptt: Int)
        -> (pooled: [Float], trace: Trace)
    {
        var pooled = [Float](repeating: 0, count: b * 3 * e)
        var last = [Int](repeating: 0, count: b), argmax = [Int](repeating: 0, count: b * e)
        var counts = [Int](repeating: 0, count: b)
        for j in 0..<b {
            let row = j * s
            let real = (0..<s).filter { !mask[row + $0] }
            counts[j] = real.count
            let trailing = (max(0, s - bptt)..<s).reduce(0) { $0 + (mask[row + $1] ? 1 : 0) }
            last[j] = s - trailing - 1
            for k in 0..<e {
                var best = -Float.infinity, at = real.first ?? 0
                var sum: Float = 0
                for t in real {
                    let v = outputs[(row + t) * e + k]
                    sum += v
                    if v > best { best = v; at = t }
                }
                pooled[j * 3 * e + k] = outputs[(row + last[j]) * e + k]
                pooled[j * 3 * e + e + k] = best
                pooled[j * 3 * e + 2 * e + k] = sum / Float(real.count)
                argmax[j * e + k] = at
            }
        }
        return (pooled, Trace(last: last, argmax: argmax, realCount: counts))
    }

    /// The gradient with respect to the outputs (`[B, S, E]`) from that of the pooled vectors.
    static func backward(dPooled: [Float], trace: Trace, mask: [Bool], batchSize b: Int, length s: Int, features e: Int)
        -> [Float]
    {
        var d = [Float](repeating: 0, count: b * s * e)
        for j in 0..<b {
            let row = j * s
            for k in 0..<e {
                let base = j * 3 * e
                d[(row + trace.last[j]) * e + k] += dPooled[base + k]
                d[(row + trace.argmax[j * e + k]) * e + k] += dPooled[base + e + k]
                let share = dPooled[base + 2 * e + k] / Float(trace.realCount[j])
                for t in 0..<s where !mask[row + t] { d[(row + t) * e + k] += share }
            }
        }
        return d
    }
}
