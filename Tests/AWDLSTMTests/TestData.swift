import Foundation
import XCTest
@testable import AWDLSTM

/// The shared corpora, when `AWDLSTM_DATA` points at them (tests skip otherwise).
enum SharedData {
    static func folder(_ name: String) throws -> URL {
        guard let root = ProcessInfo.processInfo.environment["AWDLSTM_DATA"], !root.isEmpty else {
            throw XCTSkip("AWDLSTM_DATA not set")
        }
        let url = URL(fileURLWithPath: root).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("train.txt").path) else {
            throw XCTSkip("\(url.path) has no train.txt")
        }
        return url
    }
}

/// A temporary folder removed at the end of the test.
final class TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("awd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ name: String, _ text: String) throws -> URL {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file
    }
}

/// A small synthetic corpus with learnable structure (a noisy repeating pattern).
func syntheticCorpus(vocab: Int = 30, train: Int = 4000, valid: Int = 600, test: Int = 400, seed: UInt64 = 5) -> Corpus {
    var rng = RandomSource(seed: seed)
    func stream(_ n: Int) -> [Int32] {
        (0..<n).map { i in rng.uniform() < 0.1 ? Int32(rng.next() % UInt64(vocab)) : Int32((i * 7 + i / 3) % vocab) }
    }
    var v = Vocabulary()
    for i in 0..<vocab { v.add("w\(i)") }
    return Corpus(vocabulary: v, train: stream(train), valid: stream(valid), test: stream(test))
}

/// A value built on first use and shared by the tests of one class until
/// `reset()` (from the class's `tearDown()`): a model trained once instead of
/// once per test. A test that changes a shared run folder works on a `copy`.
final class SharedFixture<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value?
    private let make: () throws -> Value

    init(_ make: @escaping () throws -> Value) { self.make = make }

    func get() throws -> Value {
        try lock.withLock {
            if let value { return value }
            let made = try make()
            value = made
            return made
        }
    }

    func reset() { lock.withLock { value = nil } }
}

/// A run folder trained through the executable, in a temporary folder of its own.
struct TrainedRun {
    let folder: TemporaryFolder
    let run: URL, data: URL
    /// What training printed on stderr.
    let stderr: String

    /// A run trained once, on first use, with `train --data D --save RUN` and
    /// `flags`, on the corpus `corpus` writes; skips the tests if training fails.
    static func shared(name: String = "run", corpus: @escaping (TemporaryFolder) throws -> URL, _ flags: [String]) -> SharedFixture<TrainedRun> {
        SharedFixture {
            let dir = try TemporaryFolder()
            let data = try corpus(dir)
            let run = dir.url.appendingPathComponent(name)
            let r = try CLI.run(["train", "--data", data.path, "--save", run.path] + flags)
            guard r.status == 0 else { throw XCTSkip("training the shared run failed: \(r.stderr)") }
            return TrainedRun(folder: dir, run: run, data: data, stderr: r.stderr)
        }
    }
}

extension TemporaryFolder {
    /// A copy of `folder` (a run folder, say) under this one, named `name`.
    func copy(_ folder: URL, as name: String) throws -> URL {
        let target = url.appendingPathComponent(name)
        try FileManager.default.copyItem(at: folder, to: target)
        return target
    }
}

/// Waits until `condition` holds, polling every 2 ms, for at most `timeout`
/// seconds; fails the test (and returns false) when the deadline passes.
@discardableResult
func waitUntil(_ what: String, timeout: Double = 120, file: StaticString = #filePath, line: UInt = #line,
               _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() >= deadline {
            XCTFail("timed out after \(timeout) s waiting for \(what)", file: file, line: line)
            return false
        }
        usleep(2_000)
    }
    return true
}
