/// Element-wise kernels over arrays large enough to split over the pool
/// (`ParallelFor.chunks`: contiguous pieces, serial below its threshold). Each
/// element is computed as by the serial kernel, so the split never changes a value.
extension Pointwise {
    /// `z[i] = x[i] · y[i]` (`multiply`), split over the pool.
    static func multiplyOnPool(
        _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int, into z: UnsafeMutablePointer<Float>
    ) {
        ParallelFor.chunks(ParallelFor.workers, count: count) { _, r in
            multiply(x + r.lowerBound, y + r.lowerBound, count: r.count, into: z + r.lowerBound)
        }
    }

    /// `y[i] += x[i] · m[i]` (`addProduct`), split over the pool.
    static func addProductOnPool(
        _ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>, count: Int, into y: UnsafeMutablePointer<Float>
    ) {
        ParallelFor.chunks(ParallelFor.workers, count: count) { _, r in
            addProduct(x + r.lowerBound, m + r.lowerBound, count: r.count, into: y + r.lowerBound)
        }
    }

    /// Copies `rows` rows of `width` floats from `source` (rows `sourceStride`
    /// apart; 0 repeats one row into every row) to `destination` (rows
    /// `destinationStride` apart), rows split over the pool.
    static func copyRows(
        _ source: UnsafePointer<Float>, sourceStride: Int, rows: Int, width: Int,
        into destination: UnsafeMutablePointer<Float>, destinationStride: Int
    ) {
        ParallelFor.chunks(ParallelFor.workers, count: rows, costPerItem: width) { _, range in
            for r in range {
                (destination + r * destinationStride).update(from: source + r * sourceStride, count: width)
            }
        }
    }
}
