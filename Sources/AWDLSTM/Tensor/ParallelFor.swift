import Dispatch

/// Parallel loops over Dispatch for large element-wise work (softmax rows,
/// embedding gathers). BLAS calls run with OpenBLAS's own threads and are never
/// issued from inside these loops, so the two pools do not oversubscribe the cores.
public enum ParallelFor {
    /// Worker count for pointwise work; 1 disables threading.
    nonisolated(unsafe) public static var workers: Int = ProcessInfoCores.active

    /// Calls `body(range)` on disjoint ranges covering `0..<count`, in parallel when
    /// the work is large enough (`count · costPerItem` above a threshold).
    public static func ranges(
        _ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        let n = workers
        if n <= 1 || count < 2 || count * costPerItem < 32_768 {
            body(0..<count)
            return
        }
        chunks(min(n, count), count: count, costPerItem: costPerItem) { _, range in body(range) }
    }

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

enum ProcessInfoCores {
    static var active: Int {
        #if canImport(Darwin) || canImport(Glibc)
        return max(1, sysconfNprocs())
        #else
        return 1
        #endif
    }
}

#if canImport(Glibc)
import Glibc
private func sysconfNprocs() -> Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
#elseif canImport(Darwin)
import Darwin
private func sysconfNprocs() -> Int { Int(sysconf(_SC_NPROCESSORS_ONLN)) }
#endif
