import Foundation
import XCTest
import AWDLSTM

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
