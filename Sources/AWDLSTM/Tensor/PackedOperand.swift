import CKernels

/// A K×N right-hand matrix packed once for many products with few rows
/// (`awd_gemm_packed`): the per-step recurrent product at small batch, where a
/// general GEMM would re-pack the whole weight matrix on every one of the T calls.
final class PackedOperand {
    private(set) var k = 0
    private(set) var n = 0
    private var panels = FloatBuffer(count: 0)
    /// Whether the packed contents are current (set by `pack`, cleared by the owner).
    var isValid = false

    /// Packs B (`[k, n]` row-major, or its transpose `[n, k]` when `transposed`).
    func pack(_ b: UnsafePointer<Float>, k: Int, n: Int, transposed: Bool) {
        let needed = (n + 15) / 16 * 16 * k
        if panels.count < needed { panels = FloatBuffer(count: needed) }
        self.k = k
        self.n = n
        awd_pack_panels(b, k, n, transposed ? k : n, transposed ? 1 : 0, panels.pointer)
        isValid = true
    }

    /// `y[m×n] += x[m×k] · B`, the column panels split over the worker threads.
    func multiply(m: Int, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let count = (n + 15) / 16
        let chunks = min(ParallelFor.workers, count)
        let args = PackedCall(x: x, y: y, panels: UnsafePointer(panels.pointer), m: m, n: n, k: k)
        ParallelFor.chunks(chunks, count: count, costPerItem: m * k * 16) { _, range in
            if !range.isEmpty {
                awd_gemm_packed(args.m, args.n, args.k, args.x, args.k, args.panels, args.y, args.n,
                                range.lowerBound, range.upperBound)
            }
        }
    }
}

private struct PackedCall: @unchecked Sendable {
    let x: UnsafePointer<Float>
    let y: UnsafeMutablePointer<Float>
    let panels: UnsafePointer<Float>
    let m: Int, n: Int, k: Int
}
