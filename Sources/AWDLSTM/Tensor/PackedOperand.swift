import CKernels

/// A K×N right-hand matrix packed once for many products with few rows
/// (`awd_gemm_packed`): the per-step recurrent product at small batch, where a
/// general GEMM would re-pack the whole weight matrix on every one of the T calls.
///
/// The columns may be packed as `blocks` equal blocks (the four LSTM gates),
/// each padded to whole 16-column panels, so that a thread can compute the same
/// hidden units of every gate and then apply the cell to them itself.
final class PackedOperand {
    private(set) var k = 0
    private(set) var n = 0
    private(set) var blocks = 1
    private var panels = FloatBuffer(count: 0)
    /// Whether the packed contents are current (set by `pack`, cleared by the owner).
    var isValid = false

    private var blockWidth: Int { n / blocks }
    private var panelsPerBlock: Int { (blockWidth + 15) / 16 }

    /// Packs B (`[k, n]` row-major, or its transpose `[n, k]` when `transposed`);
    /// `n` must be a multiple of `blocks`.
    func pack(_ b: UnsafePointer<Float>, k: Int, n: Int, transposed: Bool, blocks: Int = 1) {
        precondition(blocks > 0 && n % blocks == 0)
        self.k = k
        self.n = n
        self.blocks = blocks
        let needed = blocks * panelsPerBlock * 16 * k
        if panels.count < needed { panels = FloatBuffer(count: needed) }
        let width = blockWidth
        for q in 0..<blocks {
            let source = transposed ? b + q * width * k : b + q * width
            awd_pack_panels(source, k, width, transposed ? k : n, transposed ? 1 : 0,
                            panels.pointer + q * panelsPerBlock * 16 * k)
        }
        isValid = true
    }

    /// `y[m×n] += x[m×k] · B`, the column panels split over the pool.
    func multiply(m: Int, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let parts = m * k * n >= GEMM.parallelThreshold ? ParallelFor.workers : 1
        let width = blockWidth
        ParallelFor.parts(parts) { p in
            multiply(m: m, x, into: y, columns: alignedRange(p, parts, width))
        }
    }

    /// `y[:, q·w + j] += (x · B)[:, q·w + j]` for `j` in `columns` of every
    /// block q (w = n / blocks), on the calling thread. `columns` must start on a
    /// multiple of 16.
    func multiply(m: Int, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, columns: Range<Int>) {
        if columns.isEmpty { return }
        precondition(columns.lowerBound % 16 == 0)
        let width = blockWidth
        let first = columns.lowerBound / 16, end = (columns.upperBound + 15) / 16
        for q in 0..<blocks {
            awd_gemm_packed(m, width, k, x, k, panels.pointer + q * panelsPerBlock * 16 * k,
                            y + q * width, n, first, end)
        }
    }
}
