import Foundation
import XCTest
@testable import AWDLSTM

/// A classifier folder written here loads in fastai 2.8 with
/// `load_state_dict(strict=True)` and predicts our probabilities; a fastai
/// classifier's `state_dict`, imported with `awd-lstm import --format fastai`,
/// predicts fastai's (`scripts/reference/fastai_classifier_interop.py`; needs a
/// Python with torch, fastai and safetensors, `AWDLSTM_PYTHON`).
final class FastaiClassifierInteropTests: XCTestCase {
    static let script = PyTorchInteropTests.repository.appendingPathComponent("scripts/reference/fastai_classifier_interop.py")
    static let texts = ["The movie was GREAT, really great!", "a dull , dull plot .", "Nothing happens here at all",
                        "great plot and a lovely cast . " + String(repeating: "really ", count: 12), "bad"]

    func testOurClassifierPredictsTheSameInFastai() throws {
        let python = try referencePython(importing: "torch, fastai, safetensors", repository: PyTorchInteropTests.repository)
        let dir = try TemporaryFolder()
        let words = FastaiRules.specialTokens + ["the", "movie", "was", "great", ",", "really", "!", "a", "dull", "plot", ".",
                                                 "nothing", "happens", "here", "at", "all", "and", "lovely", "cast", "bad"]
        var rng = RandomSource(seed: 9)
        for dropMult: Float in [0.5, 0] {
            let config = ClassifierConfig(vocabSize: words.count, classes: ["a", "b", "c"], emsize: 6, nhid: 10, nlayers: 3,
                                          dropMult: dropMult, bptt: 4, maxLength: 12, linearFeatures: [5])
            let classifier = try TextClassifier(config: config, rng: &rng)
            for i in 0..<classifier.encoder.weights.count { classifier.encoder.weights[i] = rng.uniform(-0.8, 0.8) }
            for i in 0..<classifier.head.weights.count { classifier.head.weights[i] = rng.uniform(-0.8, 0.8) }
            classifier.head.runningMean = classifier.head.runningMean.map { $0.map { _ in rng.uniform(-0.2, 0.2) } }
            classifier.head.runningVariance = classifier.head.runningVariance.map { $0.map { _ in rng.uniform(0.5, 1.5) } }
            let run = ClassifierRun(classifier: classifier, vocabulary: try Vocabulary(words: words), tokenizer: .fastai)
            let folder = dir.url.appendingPathComponent("clf-\(dropMult)")
            try run.save(to: folder)
            let textsFile = try dir.write("texts.txt", Self.texts.joined(separator: "\n") + "\n")
            let fastai = try JSONDecoder().decode([[Double]].self, from: runPython(python, [Self.script.path, "predict", folder.path, textsFile.path]))
            let ours = try run.probabilities(Self.texts)
            XCTAssertEqual(fastai.count, ours.count)
            for (a, b) in zip(fastai, ours) {
                for (x, y) in zip(a, b) { XCTAssertEqual(x, Double(y), accuracy: 1e-5, "drop_mult \(dropMult): fastai \(a), ours \(b)") }
            }
        }
    }

    func testFastaiClassifierImportedPredictsFastaisProbabilities() throws {
        let python = try referencePython(importing: "torch, fastai, safetensors", repository: PyTorchInteropTests.repository)
        let dir = try TemporaryFolder()
        let textsFile = try dir.write("texts.txt", Self.texts.joined(separator: "\n") + "\n")
        let exported = dir.url.appendingPathComponent("fastai")
        try FileManager.default.createDirectory(at: exported, withIntermediateDirectories: true)
        let fastai = try JSONDecoder().decode([[Double]].self, from: runPython(python, [Self.script.path, "export", exported.path, textsFile.path]))
        let folder = dir.url.appendingPathComponent("imported")
        let imported = try CLI.run(["import", "--format", "fastai", "--from", exported.appendingPathComponent("model.safetensors").path,
                                    "--vocab", exported.appendingPathComponent("vocab.txt").path, "--classes", "x,y,z", "--save", folder.path])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let predict = try CLI.run(["classify", "predict", "--checkpoint", folder.path, "--file", textsFile.path, "--json"])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let ours = predict.stdout.split(separator: "\n").map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["probabilities"] as? [String: Double] ?? [:]
        }
        XCTAssertEqual(ours.count, fastai.count, predict.stdout)
        for (p, q) in zip(ours, fastai) {
            for (label, value) in zip(["x", "y", "z"], q) { XCTAssertEqual(p[label] ?? -1, value, accuracy: 1e-5, "\(p) vs \(q)") }
        }
    }
}
