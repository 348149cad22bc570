/// Explicit dropout masks for one training forward pass (`DropoutMode.given`).
///
/// Normally the model samples its own masks from its `RandomSource`; tests
/// (and anything that must reproduce another implementation's pass exactly)
/// can hand them in instead. Every mask is already scaled: entries are 0 or
/// `1/(1−p)`. A nil field, or a layer beyond the end of `hidden` or
/// `weightDrop`, means "no dropout there".
struct DropoutMasks: Sendable {
    /// `[V]`: embedding dropout, one factor per vocabulary row.
    var embedding: [Float]?
    /// `[B, E]`: locked dropout on the embedding output (`dropouti`).
    var input: [Float]?
    /// `[B, H_l]` for each layer but the last: locked dropout between layers (`dropouth`).
    var hidden: [[Float]?]
    /// `[B, E]`: locked dropout on the last layer's output (`dropout`).
    var output: [Float]?
    /// For each layer, DropConnect (`wdrop`) on its weight-dropped matrix: the
    /// LSTM's `W_hh` `[4H_l, H_l]`, the QRNN's linear weight `[3H_l, window·In_l]`.
    var weightDrop: [[Float]?]

    init(embedding: [Float]? = nil, input: [Float]? = nil, hidden: [[Float]?] = [],
                output: [Float]? = nil, weightDrop: [[Float]?] = []) {
        self.embedding = embedding
        self.input = input
        self.hidden = hidden
        self.output = output
        self.weightDrop = weightDrop
    }
}

/// Fills `mask` with `1/(1−p)` (probability `1−p`) or 0 (probability `p`).
/// Each 64-bit draw decides two entries (its two 32-bit halves against
/// ⌊(1−p)·2³²⌉), which halves the cost of the 5M-entry DropConnect masks.
///
/// A mask longer than `maskBlock` takes one draw from `rng` as a seed and fills
/// its blocks of `maskBlock` entries in parallel, block j from its own generator
/// seeded from (seed, j): the result does not depend on the thread count.
func sampleDropoutMask(
    _ mask: UnsafeMutablePointer<Float>, count: Int, p: Float, rng: inout RandomSource
) {
    if count <= maskBlock {
        sampleMaskBlock(mask, count: count, p: p, rng: &rng)
        return
    }
    let seed = rng.next()
    let blocks = (count + maskBlock - 1) / maskBlock
    ParallelFor.chunks(ParallelFor.workers, count: blocks, costPerItem: maskBlock) { _, range in
        for j in range {
            var blockRNG = RandomSource(seed: seed &+ UInt64(j) &* 0xD1B5_4A32_D192_ED03)
            let start = j * maskBlock
            sampleMaskBlock(mask + start, count: min(maskBlock, count - start), p: p, rng: &blockRNG)
        }
    }
}

/// Entries of a dropout mask drawn from one generator.
let maskBlock = 1 << 16

private func sampleMaskBlock(
    _ mask: UnsafeMutablePointer<Float>, count: Int, p: Float, rng: inout RandomSource
) {
    let keep = 1 - Double(p)
    let scale = 1 / Float(keep)
    let threshold = UInt64(min(4_294_967_295, (keep * 4_294_967_296).rounded()))
    var i = 0
    while i < count {
        let r = rng.next()
        mask[i] = r & 0xFFFF_FFFF < threshold ? scale : 0
        if i + 1 < count { mask[i + 1] = r >> 32 < threshold ? scale : 0 }
        i += 2
    }
}
