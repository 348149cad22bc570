import Dispatch
import Foundation

/// Parallel loops over Dispatch for large work split by hand (softmax rows,
/// the packed recurrent kernel's column panels). BLAS calls run with OpenBLAS's
/// own threads and are never issued from inside these loops, so the two pools
/// do not oversubscribe the cores.
public enum ParallelFor {
    /// Worker count for pointwise work; 1 disables threading.
    nonisolated(unsafe) public static var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Splits `0..<count` into exactly `chunks` contiguous ranges (some possibly
    /// empty) and calls `body(chunkIndex, range)` for each, in parallel when the
    /// work is large. The split depends only on `chunks` and `count`, so reductions
    /// done per chunk and then summed in chunk order are deterministic.
    public static func chunks(
        _ chunks: Int, count: Int, costPerItem: Int = 1, _ body: (Int, Range<Int>) -> Void
    ) {
        if chunks <= 1 || workers <= 1 || count * costPerItem < 32_768 {
            for c in 0..<chunks { body(c, split(c, chunks, count)) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in box.value(c, split(c, chunks, count)) }
        }
    }
}

@inline(__always)
private func split(_ c: Int, _ chunks: Int, _ count: Int) -> Range<Int> {
    (count * c / chunks)..<(count * (c + 1) / chunks)
}

private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
