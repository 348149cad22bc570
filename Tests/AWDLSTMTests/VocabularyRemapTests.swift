import Foundation
import XCTest
@testable import AWDLSTM

/// Weights meeting a foreign vocabulary: the row map, and `train --resume FILE` /
/// `--resume DIR` with other words or other data, through the executable.
final class VocabularyRemapTests: XCTestCase {
    func vocabulary(_ words: [String]) throws -> Vocabulary { try Vocabulary(words: words) }

    func testRowMapCountsSharedNewDroppedAndMoved() throws {
        let remap = VocabularyRemap(from: try vocabulary(["a", "b", "c", "d", "e"]), to: try vocabulary(["c", "x", "a"]))
        XCTAssertEqual(remap.sourceRows, [2, nil, 0])
        XCTAssertEqual([remap.shared, remap.new, remap.dropped, remap.moved], [2, 1, 3, 2])
        XCTAssertFalse(remap.isIdentity)
        XCTAssertTrue(VocabularyRemap(from: try vocabulary(["a", "b"]), to: try vocabulary(["a", "b"])).isIdentity)
        // Same words, another order: nothing new or dropped, yet not the same rows.
        XCTAssertFalse(VocabularyRemap(from: try vocabulary(["a", "b"]), to: try vocabulary(["b", "a"])).isIdentity)
    }

    /// Shared rows (embedding, tied decoder, bias) carry over, new words get the means,
    /// the layers are copied, and the split cross-entropy's tail parameters carry over
    /// when the cluster count is the same.
    func testRemappedModelMovesRows() throws {
        var rng = RandomSource(seed: 5)
        let source = try AWDLSTMModel(config: ModelConfig(vocabSize: 8, emsize: 3, nhid: 5, nlayers: 2, splits: [4]), rng: &rng)
        for k in 0..<source.weights.count { source.weights[k] = Float(k % 97) * 0.01 - 0.4 }
        let old = try vocabulary((0..<8).map { "w\($0)" })
        let new = try vocabulary(["w6", "new", "w1", "w0", "other"])
        let remap = VocabularyRemap(from: old, to: new)
        var config = source.config
        config.vocabSize = new.count
        config.splits = [3]
        let target = try source.remapped(to: config, remap)
        let (e, src, dst) = (3, try source.tensor("encoder.weight"), try target.tensor("encoder.weight"))
        let (srcBias, dstBias) = (try source.tensor("decoder.bias"), try target.tensor("decoder.bias"))
        for (r, o) in [(0, 6), (2, 1), (3, 0)] {
            XCTAssertEqual(Array(dst[r * e..<(r + 1) * e]), Array(src[o * e..<(o + 1) * e]))
            XCTAssertEqual(dstBias[r], srcBias[o])
        }
        for r in [1, 4] {
            for k in 0..<e {
                XCTAssertEqual(Double(dst[r * e + k]), (0..<8).map { Double(src[$0 * e + k]) }.reduce(0, +) / 8, accuracy: 1e-6)
            }
            XCTAssertEqual(Double(dstBias[r]), srcBias.map(Double.init).reduce(0, +) / 8, accuracy: 1e-6)
        }
        for name in ["rnns.0.module.weight_ih_l0", "rnns.1.module.bias_hh_l0", "criterion.tail_vectors", "criterion.tail_bias"] {
            XCTAssertEqual(try target.tensor(name), try source.tensor(name), name)
        }
        config.splits = []
        XCTAssertNil(try source.remapped(to: config, remap).layout.tailVectors)
        config.nhid = 6
        XCTAssertThrowsError(try source.remapped(to: config, remap))
    }

    /// `train --resume FILE`: the words beside the weights or given with `--vocab` must be
    /// the data's, unless `--remap-vocab`, which reports its counts in one line.
    func testResumeFileWithOtherWords() throws {
        let dir = try TemporaryFolder()
        let data = try smallCorpus(dir)
        let run = dir.url.appendingPathComponent("R")
        XCTAssertEqual(try CLI.run(["train", "--data", data.path, "--save", run.path, "--max-batches", "2"] + FieldFaultTests.model).status, 0)
        let weights = run.appendingPathComponent("model.safetensors")
        // Other data: 12 of the run's 15 words and 3 new ones.
        let other = try smallCorpus(dir, name: "D2", words: (3..<15).map { "w\($0)" } + ["x1", "x2", "x3"], seed: 9)
        let short = ["--max-batches", "1", "--epochs", "1", "--batch-size", "4", "--bptt", "10"]
        let refused = try CLI.run(["train", "--resume", weights.path, "--data", other.path, "--save", dir.url.appendingPathComponent("S").path] + short)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("(the weights' words) differs from the vocabulary of \(other.path): 13 of its 16 words are shared"),
                      refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--remap-vocab carries the shared words' rows over"), refused.stderr)

        let remapped = try CLI.run(["train", "--resume", weights.path, "--data", other.path, "--remap-vocab",
                                    "--save", dir.url.appendingPathComponent("S").path] + short)
        XCTAssertEqual(remapped.status, 0, remapped.stderr)
        let lines = remapped.stderr.split(separator: "\n").filter { $0.contains("vocabulary remapped by word") }
        XCTAssertEqual(lines, ["vocabulary remapped by word: 13 shared, 3 new (mean embedding row and bias), 3 dropped"], remapped.stderr)

        // --vocab names the words when none sit beside the weights; the same check applies.
        let alone = dir.url.appendingPathComponent("alone.safetensors")
        try FileManager.default.copyItem(at: weights, to: alone)
        let vocab = run.appendingPathComponent("vocab.txt").path
        let given = try CLI.run(["train", "--resume", alone.path, "--vocab", vocab, "--data", other.path,
                                 "--save", dir.url.appendingPathComponent("T").path] + short)
        XCTAssertEqual(given.status, 1)
        XCTAssertTrue(given.stderr.contains("\(vocab) (the weights' words) differs"), given.stderr)
        let unknown = try CLI.run(["train", "--resume", alone.path, "--remap-vocab", "--data", other.path,
                                   "--save", dir.url.appendingPathComponent("T").path] + short)
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("--remap-vocab needs the weights' words: give them with --vocab FILE"), unknown.stderr)
        let folder = try CLI.run(["train", "--resume", run.path, "--vocab", vocab, "--data", data.path])
        XCTAssertEqual(folder.status, 1)
        XCTAssertTrue(folder.stderr.contains("--vocab and --remap-vocab go with --resume FILE.safetensors"), folder.stderr)
    }

    /// `train --resume DIR --data OTHER` is refused unless `--new-data`, which
    /// config.json records (the new path, and the old one with its epochs).
    func testResumeOnOtherDataIsRefusedUnlessAsked() throws {
        let dir = try TemporaryFolder()
        let (data, other, run) = try runBesideOtherData(dir)
        try assertRefusedOnOtherData(["train", "--resume", run.path, "--data", other.path, "--epochs", "2"], run: run, data: data, other: other)

        let moved = try CLI.run(["train", "--resume", run.path, "--data", other.path, "--epochs", "2", "--new-data"])
        XCTAssertEqual(moved.status, 0, moved.stderr)
        XCTAssertTrue(moved.stderr.contains("Continuing on new data \(other.path) (was \(data.path)); recorded in config.json"), moved.stderr)
        XCTAssertTrue(moved.stderr.contains("| end of epoch   2 |"), moved.stderr)
        let config = try RunFolder(run).readConfig()
        XCTAssertEqual(config.data, other.path)
        XCTAssertEqual(config.dataHistory, [RunConfig.DataChange(data: data.path, epochs: 1)])
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("config.json"))) as? [String: Any])
        XCTAssertEqual((json["data_history"] as? [[String: Any]])?.first?["data"] as? String, data.path)
        // The same folder by another spelling is the same data.
        let spelled = try CLI.run(["train", "--resume", run.path, "--data", other.path + "/.", "--epochs", "3"])
        XCTAssertEqual(spelled.status, 0, spelled.stderr)
        XCTAssertEqual(try RunFolder(run).readConfig().dataHistory.count, 1)
        let flagAlone = try CLI.run(["train", "--data", data.path, "--new-data"] + FieldFaultTests.model)
        XCTAssertEqual(flagAlone.status, 1)
        XCTAssertTrue(flagAlone.stderr.contains("--new-data goes with --resume DIR"), flagAlone.stderr)
    }

    /// `finetune --data OTHER` follows the same rule as `train --resume DIR`.
    func testFinetuneOnOtherDataIsRefusedUnlessAsked() throws {
        let dir = try TemporaryFolder()
        // The data folder is recorded as a plain absolute path, whatever its spelling.
        let (data, other, run) = try runBesideOtherData(dir, spelling: "/.")
        XCTAssertEqual(try RunFolder(run).readConfig().data, data.path)
        try assertRefusedOnOtherData(["finetune", "--checkpoint", run.path, "--data", other.path, "--epochs", "1"],
                                     run: run, data: data, other: other)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("model.pre-finetune.safetensors").path))

        let moved = try CLI.run(["finetune", "--checkpoint", run.path, "--data", other.path, "--epochs", "1", "--new-data"])
        XCTAssertEqual(moved.status, 0, moved.stderr)
        XCTAssertTrue(moved.stderr.contains("Fine-tuning on new data \(other.path) (was \(data.path)); recorded in config.json"), moved.stderr)
        let config = try RunFolder(run).readConfig()
        XCTAssertEqual(config.data, other.path)
        XCTAssertEqual(config.dataHistory.map(\.data), [data.path])
    }

    /// Two small corpora in `dir` and a 2-batch run `R` on the first, its `--data` spelt with `spelling` appended.
    private func runBesideOtherData(_ dir: TemporaryFolder, spelling: String = "") throws -> (data: URL, other: URL, run: URL) {
        let data = try smallCorpus(dir)
        let other = try smallCorpus(dir, name: "D2", seed: 21)
        let run = dir.url.appendingPathComponent("R")
        let trained = try CLI.run(["train", "--data", data.path + spelling, "--save", run.path, "--max-batches", "2"] + FieldFaultTests.model)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        return (data, other, run)
    }

    /// `command` (on `other`) is refused with the `--new-data` hint, and config.json is left as it was.
    private func assertRefusedOnOtherData(_ command: [String], run: URL, data: URL, other: URL,
                                          file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try Data(contentsOf: run.appendingPathComponent("config.json"))
        let refused = try CLI.run(command)
        XCTAssertEqual(refused.status, 1, file: file, line: line)
        XCTAssertTrue(refused.stderr.contains("--data \(other.path) is not the run's data \(data.path) (config.json); give --new-data"),
                      refused.stderr, file: file, line: line)
        XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("config.json")), before, file: file, line: line)
    }
}
