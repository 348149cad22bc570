import Dispatch
import Foundation
import XCTest
@testable import AWDLSTM

/// The fork-join pool behind every parallel loop: each index is visited exactly
/// once, whatever the chunk count, from inside another loop, from several
/// threads at once and after the workers have gone to sleep.
final class ParallelForTests: XCTestCase {
    /// Runs `chunks` over `count` items and returns how often each index was visited.
    private static func visits(chunks: Int, count: Int) -> [Int] {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
        counts.initialize(repeating: 0, count: max(count, 1))
        defer { counts.deallocate() }
        let shared = Shared(counts)
        ParallelFor.chunks(chunks, count: count, costPerItem: 1 << 16) { _, range in
            for i in range { shared.pointer[i] += 1 }
        }
        return Array(UnsafeBufferPointer(start: counts, count: count))
    }

    func testEveryIndexOnce() {
        for (chunks, count) in [(1, 10), (2, 1000), (3, 7), (5, 1000), (8, 3), (64, 100_000)] {
            XCTAssertEqual(Self.visits(chunks: chunks, count: count), Array(repeating: 1, count: count),
                           "\(chunks) chunks over \(count)")
        }
    }

    func testChunksAreContiguousAndInOrder() {
        let ranges = UnsafeMutablePointer<Range<Int>>.allocate(capacity: 6)
        ranges.initialize(repeating: 0..<0, count: 6)
        defer { ranges.deallocate() }
        let shared = Shared(ranges)
        ParallelFor.chunks(6, count: 1001, costPerItem: 1 << 16) { chunk, range in shared.pointer[chunk] = range }
        var next = 0
        for c in 0..<6 {
            XCTAssertEqual(ranges[c].lowerBound, next)
            next = ranges[c].upperBound
        }
        XCTAssertEqual(next, 1001)
    }

    func testNestedLoopsRunInline() {
        let total = Shared(UnsafeMutablePointer<Int>.allocate(capacity: 4))
        total.pointer.initialize(repeating: 0, count: 4)
        defer { total.pointer.deallocate() }
        ParallelFor.parts(4) { outer in
            ParallelFor.chunks(3, count: 300, costPerItem: 1 << 16) { _, range in
                total.pointer[outer] += range.count
            }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: total.pointer, count: 4)), [300, 300, 300, 300])
    }

    func testConcurrentCallersAndSleepingWorkers() {
        // Several threads issue loops at once (all but one run theirs inline),
        // with pauses long enough for the pool's workers to fall asleep.
        let failures = Shared(UnsafeMutablePointer<Int>.allocate(capacity: 4))
        failures.pointer.initialize(repeating: 0, count: 4)
        defer { failures.pointer.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for round in 0..<30 {
                if round % 10 == 9 { usleep(5_000) }
                let v = Self.visits(chunks: 2 + round % 3, count: 5000 + round)
                if v != Array(repeating: 1, count: 5000 + round) { failures.pointer[caller] += 1 }
            }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: failures.pointer, count: 4)), [0, 0, 0, 0])
    }
}

private struct Shared<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}
