import Foundation
import XCTest
@testable import AWDLSTM

/// `awd-lstm classify train|predict|evaluate` through the executable, on a
/// tiny language model with fastai's vocabulary and a labelled folder whose two
/// classes differ by their words.
final class ClassifyCommandTests: XCTestCase {
    static let positive = ["good", "great", "fine", "lovely"], negative = ["bad", "awful", "poor", "dull"]
    static let neutral = ["the", "movie", "was", "a", "film", "plot", "and", "it"]

    /// A language-model run folder: fastai's special tokens first, then the words.
    func makeLanguageModel(_ dir: TemporaryFolder) throws -> URL {
        let words = FastaiRules.specialTokens + Self.positive + Self.negative + Self.neutral + [".", "!"]
        let vocabulary = try Vocabulary(words: words)
        let config = ModelConfig(vocabSize: words.count, emsize: 8, nhid: 12, nlayers: 2)
        var rng = RandomSource(seed: 3)
        let model = try AWDLSTMModel(config: config, rng: &rng)
        var run = RunConfig(model: config, training: TrainingOptions(), data: "synthetic")
        run.tokenizer = .fastai
        let url = dir.url.appendingPathComponent("lm")
        try RunFolder(url).writeImported(model, vocabulary: vocabulary, config: run, metadata: [:])
        return url
    }

    /// `count` documents of a class: two to four neutral words among six to eight of the class's words.
    func documents(_ words: [String], count: Int, rng: inout RandomSource) -> [String] {
        (0..<count).map { _ in
            var doc = (0..<(6 + Int(rng.next() % 3))).map { _ in words[Int(rng.next() % UInt64(words.count))] }
            for _ in 0..<(2 + Int(rng.next() % 3)) {
                doc.insert(Self.neutral[Int(rng.next() % UInt64(Self.neutral.count))], at: Int(rng.next() % UInt64(doc.count)))
            }
            return doc.joined(separator: " ") + "."
        }
    }

    func writeFolder(_ dir: TemporaryFolder, _ name: String, split: String, count: Int, seed: UInt64) throws {
        var rng = RandomSource(seed: seed)
        for (label, words) in [("neg", Self.negative), ("pos", Self.positive)] {
            for (i, doc) in documents(words, count: count, rng: &rng).enumerated() {
                _ = try dir.write("\(name)/\(split)/\(label)/\(i).txt", doc)
            }
        }
    }

    func testTrainPredictEvaluateOnAFolderPerClass() throws {
        let dir = try TemporaryFolder()
        let lm = try makeLanguageModel(dir)
        try writeFolder(dir, "data", split: "train", count: 48, seed: 1)
        try writeFolder(dir, "data", split: "valid", count: 16, seed: 2)
        let out = dir.url.appendingPathComponent("clf")
        let train = try CLI.run(["classify", "train", "--lm", lm.path, "--data", dir.url.appendingPathComponent("data").path,
                                 "--save", out.path, "--batch-size", "4", "--bptt", "32", "--max-len", "64",
                                 "--lin-ftrs", "8", "--stages", "1,1,1,1", "--lr-scale", "2", "--json", "--threads", "1", "--drop-mult", "0"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let records = train.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        XCTAssertEqual(records.count, 4, train.stdout)  // stage 1 four times, one epoch each
        let accuracy = try XCTUnwrap(records.last?["accuracy"] as? Double)
        XCTAssertGreaterThanOrEqual(accuracy, 0.8, train.stderr)
        XCTAssertNotNil(records.last?["f1"] as? Double)

        // fastai's state_dict names (with --drop-mult 0 the first block has no
        // Dropout module, so its linear layer is `.1.`, as in fastai).
        let weights = try SafeTensors(contentsOf: out.appendingPathComponent("model.safetensors"))
        let names = Set(weights.tensors.map(\.name))
        for name in ["0.module.encoder.weight", "0.module.encoder_dp.emb.weight", "0.module.rnns.1.weight_hh_l0_raw",
                     "0.module.rnns.0.module.weight_ih_l0", "1.layers.0.0.running_var", "1.layers.0.0.num_batches_tracked",
                     "1.layers.0.1.weight", "1.layers.1.2.weight"] {
            XCTAssertTrue(names.contains(name), "model.safetensors lacks \(name): \(names.sorted())")
        }

        // The validation texts, one per line, then an empty document: the
        // predictions' accuracy is the one training reported.
        var lines: [String] = [], truth: [String] = []
        for label in ["neg", "pos"] {
            for i in 0..<16 {
                let text = try String(contentsOf: dir.url.appendingPathComponent("data/valid/\(label)/\(i).txt"), encoding: .utf8)
                lines.append(text)
                truth.append(label)
            }
        }
        let docs = try dir.write("docs.txt", lines.joined(separator: "\n") + "\n\n")
        let predict = try CLI.run(["classify", "predict", "--checkpoint", out.path, "--file", docs.path, "--json"])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let predictions = predict.stdout.split(separator: "\n").map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) ?? [:]
        }
        XCTAssertEqual(predictions.count, 33, predict.stdout)
        let correct = zip(predictions, truth).filter { $0.0["label"] as? String == $0.1 }.count
        XCTAssertEqual(Double(correct) / 32, accuracy, accuracy: 1e-9, predict.stdout)
        for p in predictions {
            let probabilities = try XCTUnwrap(p["probabilities"] as? [String: Double], predict.stdout)
            XCTAssertEqual(probabilities.values.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertEqual(probabilities.max { $0.value < $1.value }?.key, p["label"] as? String)
        }
        XCTAssertEqual(predictions.last?["note"] as? String, "empty document", predict.stdout)
        XCTAssertNil(predictions.first?["note"])

        let evaluate = try CLI.run(["classify", "evaluate", "--checkpoint", out.path,
                                    "--data", dir.url.appendingPathComponent("data").path, "--batch-size", "4", "--json"])
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(result["accuracy"] as? Double ?? -1, accuracy, accuracy: 1e-9)
        let confusion = try XCTUnwrap(result["confusion"] as? [[Int]])
        XCTAssertEqual(confusion.flatMap { $0 }.reduce(0, +), 32)
    }

    func testTrainFromCSVWithADrawnValidationSplit() throws {
        let dir = try TemporaryFolder()
        let lm = try makeLanguageModel(dir)
        var rng = RandomSource(seed: 4)
        var rows = ["label,text"]
        for (label, words) in [("neg", Self.negative), ("pos", Self.positive)] {
            rows += documents(words, count: 20, rng: &rng).map { "\(label),\"\($0)\"" }
        }
        let csv = try dir.write("texts.csv", rows.joined(separator: "\n") + "\n")
        let out = dir.url.appendingPathComponent("clf")
        let train = try CLI.run(["classify", "train", "--lm", lm.path, "--csv", csv.path, "--save", out.path,
                                 "--valid-pct", "0.25", "--batch-size", "6", "--bptt", "6", "--max-len", "24",
                                 "--lin-ftrs", "8", "--threads", "1"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("30 training and 10 validation documents"), train.stderr)
        // The whole recipe: stages 1-3 one epoch each, stage 4 two.
        XCTAssertEqual(train.stderr.components(separatedBy: "| valid loss").count - 1, 5, train.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("config.json").path))
    }

    /// Each bad input ends with one line naming the problem and exit status 1.
    func testBadLabelledInputGivesOneLine() throws {
        let dir = try TemporaryFolder()
        let lm = try makeLanguageModel(dir)
        func refuse(_ args: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let r = try CLI.run(["classify", "train", "--lm", lm.path, "--save", dir.url.appendingPathComponent("out").path] + args)
            XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
            let lines = r.stderr.split(separator: "\n").filter { $0.contains("error") }
            XCTAssertEqual(lines.count, 1, r.stderr, file: file, line: line)
            XCTAssertTrue(r.stderr.contains(expected), "\(expected) not in: \(r.stderr)", file: file, line: line)
        }
        _ = try dir.write("empty/pos/a.txt", "good")
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("empty/neg"), withIntermediateDirectories: true)
        try refuse(["--data", dir.url.appendingPathComponent("empty").path], "holds no text files")

        _ = try dir.write("single/pos/a.txt", "good")
        _ = try dir.write("single/pos/b.txt", "great")
        _ = try dir.write("single/neg/a.txt", "bad")
        try refuse(["--data", dir.url.appendingPathComponent("single").path], "class 'neg' has a single document")

        let csv = try dir.write("t.csv", "label,text\npos,good\nneg,bad\n")
        try refuse(["--csv", csv.path, "--label-col", "sentiment"], "has no column 'sentiment'")
        let broken = try dir.write("b.csv", "label,text\npos,\"good\nneg,bad\n")
        try refuse(["--csv", broken.path], "a quoted field is not closed")

        let binary = try dir.write("binary/pos/a.bin", "")
        _ = try dir.write("binary/neg/a.txt", "bad")
        _ = try dir.write("binary/neg/b.txt", "bad")
        try Data([0xff, 0xfe, 0x00, 0x81]).write(to: binary)
        _ = try dir.write("binary/pos/b.txt", "good")
        try refuse(["--data", dir.url.appendingPathComponent("binary").path], "is not UTF-8 text")
    }
}
