import CKernels

/// Parallel loops on the engine's fork-join pool (`awd_pool.h`). Every parallel
/// piece of work — the halves of a GEMM, the column panels of the recurrent
/// kernel, softmax rows — goes through here, and BLAS itself runs on one thread,
/// so the cores are never oversubscribed and no idle BLAS thread spins against
/// a busy worker.
enum ParallelFor {
    /// Threads taking part in a loop, the caller included (`AWDLSTM_THREADS`
    /// overrides the CPU count).
    static var workers: Int { Int(awd_pool_threads()) }

    /// Splits `0..<count` into exactly `chunks` contiguous ranges (some possibly
    /// empty) and calls `body(chunkIndex, range)` for each, in parallel when the
    /// work is large. The split depends only on `chunks` and `count`, so reductions
    /// done per chunk and then summed in chunk order are deterministic.
    static func chunks(
        _ chunks: Int, count: Int, costPerItem: Int = 1, _ body: (Int, Range<Int>) -> Void
    ) {
        if chunks <= 1 || count * costPerItem < 32_768 {
            for c in 0..<chunks { body(c, chunkRange(c, chunks, count)) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var job = Job(body: body, chunks: chunks, count: count)
            withUnsafeMutablePointer(to: &job) { pointer in
                awd_pool_run(chunks, { context, part in
                    let job = context!.assumingMemoryBound(to: Job.self).pointee
                    job.body(part, chunkRange(part, job.chunks, job.count))
                }, pointer)
            }
        }
    }

    /// Runs `body(part)` for every part in `0..<parts` in parallel, one part
    /// per pool thread when `parts == workers`.
    static func parts(_ parts: Int, _ body: (Int) -> Void) {
        chunks(parts, count: parts, costPerItem: 32_768) { part, _ in body(part) }
    }

    /// Calls `body` on the pieces of `0..<count` cut at multiples of 16
    /// (`alignedRange`): one piece per pool thread when `parallel`, else the whole
    /// range on the calling thread. Empty pieces are skipped. The recurrent
    /// layers' time loops share each step's hidden units this way.
    static func alignedRanges(of count: Int, parallel: Bool, _ body: (Range<Int>) -> Void) {
        let n = parallel ? workers : 1
        parts(n) { p in
            let range = alignedRange(p, n, count)
            if !range.isEmpty { body(range) }
        }
    }
}

/// Raw pointers handed to parallel workers, each of which touches disjoint rows.
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

private struct Job {
    let body: (Int, Range<Int>) -> Void
    let chunks: Int
    let count: Int
}

/// The `chunk`-th of `chunks` near-equal contiguous pieces of `0..<count`.
@inline(__always)
func chunkRange(_ chunk: Int, _ chunks: Int, _ count: Int) -> Range<Int> {
    (count * chunk / chunks)..<(count * (chunk + 1) / chunks)
}

/// The `part`-th of `parts` pieces of `0..<count`, cut at multiples of 16 so
/// that every piece but the last keeps whole vector registers and BLAS tiles.
@inline(__always)
func alignedRange(_ part: Int, _ parts: Int, _ count: Int) -> Range<Int> {
    let blocks = (count + 15) / 16
    let r = chunkRange(part, parts, blocks)
    return min(count, r.lowerBound * 16)..<min(count, r.upperBound * 16)
}
