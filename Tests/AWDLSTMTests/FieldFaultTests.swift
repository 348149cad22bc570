import Foundation
import XCTest
@testable import AWDLSTM

/// A corpus of 400 lines of 3–12 words drawn from 15 (train), 20 lines each for valid and test.
func smallCorpus(_ dir: TemporaryFolder, name: String = "D", words: [String]? = nil, seed: UInt64 = 3) throws -> URL {
    var rng = RandomSource(seed: seed)
    let w = words ?? (0..<15).map { "w\($0)" }
    for (split, n) in [("train", 400), ("valid", 20), ("test", 20)] {
        let text = (0..<n).map { _ in (0..<(3 + Int(rng.next() % 10))).map { _ in w[Int(rng.next() % UInt64(w.count))] }
            .joined(separator: " ") }.joined(separator: "\n") + "\n"
        _ = try dir.write("\(name)/\(split).txt", text)
    }
    return dir.url.appendingPathComponent(name)
}

/// Faults met in the field (issue reports replayed), through the executable.
/// `model` is a tiny three-layer model.
final class FieldFaultTests: XCTestCase {
    static let model = ["--emsize", "16", "--nhid", "24", "--nlayers", "3", "--batch-size", "4", "--bptt", "10", "--epochs", "1"]

    /// One good run (`D`, three batches), trained once for the class; each test that needs one changes a copy.
    static let trained = TrainedRun.shared(name: "R", corpus: { try smallCorpus($0) }, ["--max-batches", "3"] + model)

    override class func tearDown() { trained.reset() }

    /// A copy of the class's good run in `dir`, and its corpus.
    func goodRun(_ dir: TemporaryFolder) throws -> (run: URL, data: URL) {
        let shared = try Self.trained.get()
        return (try dir.copy(shared.run, as: "R"), shared.data)
    }

    func json(_ r: CLI.Result, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let object = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return try XCTUnwrap(object, "stdout is not one JSON object: '\(r.stdout)' (stderr: \(r.stderr))", file: file, line: line)
    }

    // MARK: 1. non-finite numbers in machine output

    /// An infinite perplexity (a finite but huge loss) is a result: the JSON of
    /// `train`, `evaluate`, `pointer` and `dynamic-eval` says "Infinity", exit 0.
    func testInfinitePerplexityIsWrittenAsAString() throws {
        let dir = try TemporaryFolder()
        let data = try smallCorpus(dir)
        let run = dir.url.appendingPathComponent("R").path
        let train = try CLI.run(["train", "--data", data.path] + Self.model + ["--max-batches", "1", "--lr", "10000", "--save", run, "--json"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let summary = try json(train)
        let valid = try XCTUnwrap(summary["valid"] as? [String: Any])
        XCTAssertEqual(valid["ppl"] as? String, "Infinity", train.stdout)
        XCTAssertGreaterThan(try XCTUnwrap(valid["loss"] as? Double), 709)
        for command in [["evaluate"], ["pointer", "--window", "5"], ["dynamic-eval", "--batch-size", "4"]] {
            let r = try CLI.run(command + ["--checkpoint", run, "--data", data.path, "--json"])
            XCTAssertEqual(r.status, 0, "\(command): \(r.stderr)")
            XCTAssertEqual(try json(r)["ppl"] as? String, "Infinity", "\(command)")
        }
        let metrics = try String(contentsOf: URL(fileURLWithPath: run).appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        XCTAssertTrue(metrics.contains("\"val_ppl\":\"Infinity\""), metrics)
    }

    /// A loss that is NaN is no result: the JSON still says "NaN", and the exit status is 1.
    func testNaNLossIsAnError() throws {
        let dir = try TemporaryFolder()
        let (run, data) = try goodRun(dir)
        // Finite weights whose logits overflow: the last layer saturated (i, g, o open,
        // f shut: h = tanh(1) in every unit), every embedding row 3e38, so every logit
        // is +inf and the softmax computes inf − inf.
        let model = run.appendingPathComponent("model.safetensors")
        try rewrite(model, tensor: "rnns.2.module.bias_ih_l0") { b in
            for k in b.indices { b[k] = (16..<32).contains(k) ? -1e30 : 1e30 }
        }
        for name in ["encoder.weight", "decoder.weight"] {
            try rewrite(model, tensor: name) { w in for k in w.indices { w[k] = 3e38 } }
        }
        let r = try CLI.run(["evaluate", "--checkpoint", run.path, "--data", data.path, "--json"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(try json(r)["loss"] as? String, "NaN")
        XCTAssertTrue(r.stderr.contains("error: the loss is NaN"), r.stderr)
        // Log lines write NaN one way, as Python does, whatever its sign bit.
        XCTAssertTrue(r.stderr.contains("| loss   nan | ppl      nan | bpc      nan |"), r.stderr)
        XCTAssertFalse(r.stderr.contains("-nan"), r.stderr)
    }

    // MARK: 2. divergence and NaN weights

    /// A NaN validation loss in the first epoch: one line, nothing saved as "best",
    /// the message lists what the folder holds, and the same command can run again.
    func testNaNValidationLossIsNeverSaved() throws {
        let dir = try TemporaryFolder()
        let data = try smallCorpus(dir)
        let run = dir.url.appendingPathComponent("R")
        let r = try CLI.run(["train", "--data", data.path] + Self.model + ["--max-batches", "1", "--lr", "1e39", "--save", run.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertFalse(r.stderr.contains("Saving model"), r.stderr)
        let error = r.stderr.split(separator: "\n").filter { $0.hasPrefix("awd-lstm: error:") }
        XCTAssertEqual(error.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("diverged (validation loss NaN"), r.stderr)
        XCTAssertTrue(r.stderr.contains("holds config.json, metrics.jsonl, tensorboard, vocab.txt"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("model.safetensors").path))
        let again = try CLI.run(["train", "--data", data.path] + Self.model + ["--max-batches", "1", "--save", run.path])
        XCTAssertEqual(again.status, 0, again.stderr)
    }

    /// Divergence after a good epoch leaves the good model and state, and the
    /// run resumes from them.
    func testDivergenceAfterAGoodEpochIsResumable() throws {
        let dir = try TemporaryFolder()
        let (run, data) = try goodRun(dir)
        let files = ["model.safetensors", "state.safetensors"].map { run.appendingPathComponent($0) }
        let before = try files.map { try Data(contentsOf: $0) }
        let r = try CLI.run(["train", "--resume", run.path, "--data", data.path, "--epochs", "2", "--lr", "1e39"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("state.safetensors keeps the last good state"), r.stderr)
        XCTAssertEqual(try files.map { try Data(contentsOf: $0) }, before)
        // The command the message suggests runs as printed (its own --data included).
        let suggested = try XCTUnwrap(r.stderr.split(separator: "`").dropFirst().first).split(separator: " ").map(String.init)
        XCTAssertEqual(Array(suggested.prefix(6)), ["awd-lstm", "train", "--resume", run.path, "--data", data.path])
        let resumed = try CLI.run(suggested.dropFirst().map { $0 == "<smaller>" ? "20" : $0 } + ["--epochs", "2"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("| end of epoch   2 |"), resumed.stderr)
    }

    /// Every command that loads weights refuses a NaN in them.
    func testNonFiniteWeightsAreRefusedEverywhere() throws {
        let dir = try TemporaryFolder()
        let (run, data) = try goodRun(dir)
        let model = run.appendingPathComponent("model.safetensors")
        try rewrite(model, tensor: "rnns.1.module.bias_hh_l0") { $0[5] = .nan }
        let target = ["--checkpoint", run.path, "--data", data.path]
        for args in [["evaluate"] + target, ["pointer"] + target, ["dynamic-eval", "--batch-size", "4"] + target,
                     ["generate", "--checkpoint", run.path, "--words", "3"], ["finetune"] + target,
                     ["train", "--resume", model.path, "--data", data.path, "--save", dir.url.appendingPathComponent("S").path]] {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("tensor 'rnns.1.module.bias_hh_l0' holds a non-finite value"), "\(args): \(r.stderr)")
        }
        try rewrite(run.appendingPathComponent("state.safetensors"), tensor: "weights") { $0[0] = .infinity }
        let r = try CLI.run(["train", "--resume", run.path, "--data", data.path, "--epochs", "2"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("tensor 'weights' holds a non-finite value"), r.stderr)
    }
}

extension XCTestCase {
    /// Rewrites one tensor of a safetensors file through `change`.
    func rewrite(_ url: URL, tensor: String, _ change: (inout [Float]) -> Void) throws {
        let file = try SafeTensors(contentsOf: url)
        var arrays = try file.tensors.map { try ($0, file.floats($0.name)) }
        for k in arrays.indices where arrays[k].0.name == tensor { change(&arrays[k].1) }
        let data = arrays.withUnsafeBufferPointers { SafeTensors.encode($0, metadata: file.metadata) }
        try data.write(to: url)
    }
}

extension Array where Element == (SafeTensors.TensorInfo, [Float]) {
    /// Calls `body` with the arrays as tensors to write.
    func withUnsafeBufferPointers<T>(_ body: ([SafeTensors.Tensor]) -> T) -> T {
        func go(_ k: Int, _ done: [SafeTensors.Tensor]) -> T {
            if k == count { return body(done) }
            return self[k].1.withUnsafeBufferPointer { go(k + 1, done + [.init(name: self[k].0.name, shape: self[k].0.shape, values: $0)]) }
        }
        return go(0, [])
    }
}

/// The authors' command lines: resumes with the run's own flags, argparse
/// spellings, `.pt` names, `finetune.py`'s flags.
final class AuthorsCommandTests: XCTestCase {
    /// Re-running the command with `--resume` appended continues the run; a flag
    /// that differs is named with both values; the help says what may change.
    func testResumeAcceptsTheRunsOwnFlags() throws {
        let dir = try TemporaryFolder()
        let data = try smallCorpus(dir)
        let run = dir.url.appendingPathComponent("R").path
        let command = ["train", "--data", data.path] + FieldFaultTests.model + ["--max-batches", "3", "--save", run]
        XCTAssertEqual(try CLI.run(command).status, 0)
        let resumed = try CLI.run(command + ["--resume", run, "--epochs", "2"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("| end of epoch   2 |"), resumed.stderr)
        let changed = try CLI.run(command + ["--resume", run, "--epochs", "3", "--nhid", "30", "--seed", "7"])
        XCTAssertEqual(changed.status, 1)
        XCTAssertTrue(changed.stderr.contains("--nhid 30 differs from the run's 24; --seed 7 differs from the run's 1111"), changed.stderr)
        let help = try CLI.run(["train", "--help"]).stdout.replacingOccurrences(of: "\n", with: " ")
            .split(separator: " ").joined(separator: " ")
        XCTAssertTrue(help.contains("only --lr, --clip, --epochs"), help)
    }

    /// The authors' README line, shortened: underscores, `--epoch`, `--model LSTM`, `--save X.pt`.
    func testTheAuthorsSpellings() throws {
        let dir = try TemporaryFolder()
        let data = try smallCorpus(dir)
        let save = dir.url.appendingPathComponent("PTB.pt")
        let r = try CLI.run(["train", "--batch_size", "4", "--data", data.path, "--dropouti", "0.4", "--dropouth", "0.25",
                             "--seed", "141", "--epoch", "1", "--save", save.path, "--model", "LSTM", "--emsize=16",
                             "--nhid", "24", "--bptt", "10", "--max_batches", "2", "--tied", "--cuda"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("--save \(save.path): writing the run folder \(save.path)/"), r.stderr)
        let config = try RunFolder(save).readConfig()
        XCTAssertEqual(config.training.batchSize, 4)
        XCTAssertEqual(config.training.epochs, 1)
        XCTAssertEqual(config.training.seed, 141)
        XCTAssertEqual(config.model.dropouth, 0.25)
        XCTAssertEqual(config.model.emsize, 16)
        let ambiguous = try CLI.run(["train", "--data", data.path, "--e", "3"])
        XCTAssertEqual(ambiguous.status, 1)
        XCTAssertTrue(ambiguous.stderr.contains("ambiguous option --e: could be --emsize, --epochs"), ambiguous.stderr)
        // The authors' pointer.py names the model with --save too.
        let pointer = try CLI.run(["pointer", "--save", save.path, "--data", data.path, "--window", "5", "--lambdasm", "0.1"])
        XCTAssertEqual(pointer.status, 0, pointer.stderr)
    }

    /// `finetune` takes `finetune.py`'s flags, says which values it uses, refuses
    /// what does not apply, and its help shows the run's values as the defaults.
    func testFinetuneTakesTheAuthorsFlags() throws {
        let dir = try TemporaryFolder()
        let data = try smallCorpus(dir)
        let save = dir.url.appendingPathComponent("PTB.pt").path
        XCTAssertEqual(try CLI.run(["train", "--data", data.path, "--save", save, "--max-batches", "3"] + FieldFaultTests.model).status, 0)
        let r = try CLI.run(["finetune", "--batch_size", "4", "--data", data.path, "--dropouti", "0.65", "--seed", "141",
                             "--epoch", "1", "--save", save, "--emsize", "16", "--cuda", "--tied", "--max-batches", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("Fine-tuning settings: epochs 1, batch_size 4, seed 141 (given); lr 30.0"), r.stderr)
        let adam = try CLI.run(["finetune", "--save", save, "--data", data.path, "--optimizer", "adam"])
        XCTAssertEqual(adam.status, 1)
        XCTAssertTrue(adam.stderr.contains("--optimizer adam: fine-tuning always uses averaged SGD"), adam.stderr)
        let other = try CLI.run(["finetune", "--save", save, "--data", data.path, "--dropouti", "0.4"])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("--dropouti 0.4 differs from the run's 0.65"), other.stderr)
        let help = try CLI.run(["finetune", "--help"]).stdout
        XCTAssertTrue(help.contains("Batch size (default: the run's value)"), help)
        XCTAssertFalse(help.contains("(default 80)"), help)
    }
}

/// Shared folders, help and numerical edges.
final class FolderAndEdgeTests: XCTestCase {
    /// One run (`D`, five batches, on one thread) that the help and edge tests only read.
    static let trained = TrainedRun.shared(name: "R", corpus: { try smallCorpus($0) },
                                           ["--max-batches", "5", "--threads", "1"] + FieldFaultTests.model)

    override class func tearDown() { trained.reset() }

    /// A second writer of a folder in use gets a clear error; a run without
    /// --save gets a folder of its own, printed first.
    func testRunFolderIsLockedWhileWritten() throws {
        let dir = try TemporaryFolder()
        let data = try smallCorpus(dir)
        let run = dir.url.appendingPathComponent("R").path
        let first = try CLI.start(["train", "--data", data.path, "--save", run, "--epochs", "1000"] + Array(FieldFaultTests.model.dropLast(2)))
        waitUntil("the first run's Args line", timeout: 60) { !first.process.isRunning || first.stderrSoFar.contains("Args:") }
        XCTAssertTrue(first.process.isRunning, first.stderrSoFar)
        for args in [["train", "--data", data.path, "--save", run] + FieldFaultTests.model,
                     ["train", "--data", data.path, "--resume", run], ["finetune", "--checkpoint", run, "--data", data.path]] {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("\(run) is being written by another process (pid \(first.process.processIdentifier))"), r.stderr)
        }
        kill(first.process.processIdentifier, SIGKILL)
        _ = first.finish()
        // The kernel dropped the lock with the process.
        let resumed = try CLI.run(["train", "--data", data.path, "--resume", run, "--epochs", "1"])
        XCTAssertNotEqual(resumed.stderr.contains("being written"), true, resumed.stderr)

        let a = try CLI.run(["train", "--data", data.path, "--max-batches", "1"] + FieldFaultTests.model, directory: dir.url)
        let b = try CLI.run(["train", "--data", data.path, "--max-batches", "1"] + FieldFaultTests.model, directory: dir.url)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertEqual(b.status, 0, b.stderr)
        let folders = [a, b].map { $0.stderr.split(separator: "\n").first.map(String.init) ?? "" }
        XCTAssertTrue(folders.allSatisfy { $0.hasPrefix("Run folder: ") }, "\(folders)")
        XCTAssertNotEqual(folders[0], folders[1])
        for f in folders {
            let path = String(f.dropFirst("Run folder: ".count))
            XCTAssertTrue(FileManager.default.fileExists(atPath: path + "/model.safetensors"), path)
        }
    }

    /// Every option of every command has a description; --threads and plot's --out.
    func testHelpThreadsAndPlotFormat() throws {
        let dump = try CLI.run(["--experimental-dump-help"])
        let tool = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let commands = try XCTUnwrap((tool["command"] as? [String: Any])?["subcommands"] as? [[String: Any]])
        XCTAssertGreaterThan(commands.count, 8)
        for command in commands where command["commandName"] as? String != "help" {
            for argument in command["arguments"] as? [[String: Any]] ?? [] {
                let abstract = argument["abstract"] as? String ?? ""
                XCTAssertFalse(abstract.isEmpty, "\(command["commandName"]!): \(argument["names"] ?? argument)")
            }
        }
        for name in ["train", "finetune", "evaluate", "pointer", "dynamic-eval", "generate", "bench"] {
            let help = try CLI.run([name, "--help"]).stdout
            XCTAssertTrue(help.contains("--threads <threads>"), name)
        }
        XCTAssertTrue(try CLI.run(["train", "--help"]).stdout.contains("(values: sgd, adam)"))
        let dir = try TemporaryFolder()
        let shared = try Self.trained.get()
        let (run, data) = (shared.run, shared.data)
        XCTAssertTrue(shared.stderr.contains(", 1 thread;"), shared.stderr)
        let zero = try CLI.run(["evaluate", "--checkpoint", run.path, "--data", data.path, "--threads", "0"])
        XCTAssertEqual(zero.status, 1)
        XCTAssertTrue(zero.stderr.contains("--threads must be at least 1"), zero.stderr)
        // The environment variable is checked the same way instead of being ignored.
        for value in ["0", "abc", "-2"] {
            let env = try CLI.run(["evaluate", "--checkpoint", run.path, "--data", data.path], environment: ["AWDLSTM_THREADS": value])
            XCTAssertEqual(env.status, 1, value)
            XCTAssertTrue(env.stderr.contains("AWDLSTM_THREADS must be a whole number of at least 1 (got '\(value)')"), env.stderr)
        }
        let png = try CLI.run(["plot", "--checkpoint", run.path, "--out", dir.url.appendingPathComponent("x.png").path])
        XCTAssertEqual(png.status, 1)
        XCTAssertTrue(png.stderr.contains("plot writes SVG only"), png.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("x.png").path))
    }

    /// Sampling at the smallest and largest temperatures, a huge pointer θ, and
    /// splits too small to score.
    func testNumericalEdges() throws {
        let dir = try TemporaryFolder()
        let shared = try Self.trained.get()
        let (run, data) = (shared.run, shared.data)
        let vocabulary = try RunFolder(run).readVocabulary()
        for t in ["4.9e-324", "1e-300", "1e308"] {
            let r = try CLI.run(["generate", "--checkpoint", run.path, "--words", "40", "--temperature", t])
            XCTAssertEqual(r.status, 0, r.stderr)
            let words = r.stdout.split(whereSeparator: { $0.isWhitespace })
            XCTAssertTrue(words.allSatisfy { vocabulary.id(String($0)) != nil }, "\(t): \(r.stdout)")
        }
        // The smallest temperature is greedy decoding: the seed no longer matters.
        let g1 = try CLI.run(["generate", "--checkpoint", run.path, "--words", "20", "--temperature", "4.9e-324", "--prompt", "w1 w2"])
        let g2 = try CLI.run(["generate", "--checkpoint", run.path, "--words", "20", "--temperature", "4.9e-324", "--prompt", "w1 w2", "--seed", "9"])
        XCTAssertEqual(g1.stdout, g2.stdout)
        let model = try RunFolder(run).loadModel().0
        let greedy = try Generator(temperature: .leastNonzeroMagnitude, seed: 1).sample(model: model, prompt: [1], count: 10)
        var input: [Int32] = [1]
        model.resetHidden(batchSize: 1)
        for (k, id) in greedy.enumerated() {
            let lp = try model.logProbabilities(TokenBatch(inputs: input, targets: input, steps: 1, batchSize: 1), reusePreparedWeights: k > 0)
            let row = (0..<vocabulary.count).map { lp.pointer[$0] }
            XCTAssertEqual(Int(id), row.indices.max { row[$0] < row[$1] }!)
            input = [id]
        }

        let pointer = try CLI.run(["pointer", "--checkpoint", run.path, "--data", data.path, "--window", "5", "--theta", "1e300", "--json"])
        XCTAssertEqual(pointer.status, 0, pointer.stderr)
        let loss = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(pointer.stdout.utf8)) as? [String: Any])?["loss"] as? Double)
        XCTAssertTrue(loss.isFinite && loss > 0, "\(loss)")

        // Two-token splits: evaluate and pointer score them; dynamic evaluation cannot.
        for s in ["valid", "test"] { _ = try dir.write("tiny/\(s).txt", "w1\n") }
        try FileManager.default.copyItem(at: data.appendingPathComponent("train.txt"), to: dir.url.appendingPathComponent("tiny/train.txt"))
        let tiny = dir.url.appendingPathComponent("tiny").path
        for command in [["evaluate", "--batch-size", "1"], ["pointer"]] {
            let r = try CLI.run(command + ["--checkpoint", run.path, "--data", tiny, "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let value = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["loss"] as? Double)
            XCTAssertTrue(value.isFinite && value > 0, "\(command): \(value)")
        }
        let dyn = try CLI.run(["dynamic-eval", "--checkpoint", run.path, "--data", tiny, "--batch-size", "4"])
        XCTAssertEqual(dyn.status, 1, dyn.stderr)
        XCTAssertTrue(dyn.stderr.contains("dynamic evaluation needs at least 3"), dyn.stderr)
        let eval = try CLI.run(["evaluate", "--checkpoint", run.path, "--data", tiny, "--split", "valid"])
        XCTAssertEqual(eval.status, 1, eval.stderr)
        XCTAssertTrue(eval.stderr.contains("--batch-size 10 is larger than the valid data allows (2 tokens)"), eval.stderr)
    }
}

/// Scoring your own text: `--file` with unknown words as `<unk>`, and `--split train`.
final class ScoringTests: XCTestCase {
    func testEvaluateAFileAndTheTrainingSplit() throws {
        let dir = try TemporaryFolder()
        let words = (0..<14).map { "w\($0)" } + ["<unk>"]
        let data = try smallCorpus(dir, words: words)
        let plain = try smallCorpus(dir, name: "plain")
        let run = dir.url.appendingPathComponent("R"), other = dir.url.appendingPathComponent("S")
        XCTAssertEqual(try CLI.run(["train", "--data", data.path, "--save", run.path, "--max-batches", "3"] + FieldFaultTests.model).status, 0)
        XCTAssertEqual(try CLI.run(["train", "--data", plain.path, "--save", other.path, "--max-batches", "3"] + FieldFaultTests.model).status, 0)
        let text = try dir.write("my.txt", "w1 w2 hello w3\nw4 world w5\n")
        let r = try CLI.run(["evaluate", "--checkpoint", run.path, "--file", text.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("2 of 9 tokens are outside the vocabulary and scored as <unk>"), r.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["tokens"] as? Int, 9)
        // The same text with <unk> written out scores the same.
        let spelled = try dir.write("unk.txt", "w1 w2 <unk> w3\nw4 <unk> w5\n")
        let s = try CLI.run(["evaluate", "--checkpoint", run.path, "--file", spelled.path, "--json"])
        XCTAssertEqual(s.stdout, r.stdout)
        let missing = try CLI.run(["evaluate", "--checkpoint", other.path, "--file", text.path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("word 'hello' is not in the model's vocabulary (which has neither <unk> nor xxunk to stand for it)"), missing.stderr)
        for command in [["evaluate"], ["pointer", "--window", "5"], ["dynamic-eval", "--batch-size", "4"]] {
            let t = try CLI.run(command + ["--checkpoint", run.path, "--data", data.path, "--split", "train", "--json"])
            XCTAssertEqual(t.status, 0, "\(command): \(t.stderr)")
            XCTAssertTrue(t.stderr.contains("| train |") || t.stderr.contains(" train |"), t.stderr)
        }
    }
}

/// Weights meeting a foreign vocabulary.
final class VocabularyMatchTests: XCTestCase {
    /// `--resume FILE` with a `vocab.txt` beside it: the same words in another
    /// order (as many of them) are refused; the run's own data is accepted.
    func testWeightsRefuseAnotherVocabulary() throws {
        let dir = try TemporaryFolder()
        let data = try smallCorpus(dir)
        let permuted = try smallCorpus(dir, name: "D2", words: (0..<15).reversed().map { "w\($0)" }, seed: 11)
        XCTAssertEqual(try Corpus(folder: permuted).vocabulary.count, try Corpus(folder: data).vocabulary.count)
        let run = dir.url.appendingPathComponent("R")
        XCTAssertEqual(try CLI.run(["train", "--data", data.path, "--save", run.path, "--max-batches", "2"] + FieldFaultTests.model).status, 0)
        let weights = run.appendingPathComponent("model.safetensors").path
        let r = try CLI.run(["train", "--resume", weights, "--data", permuted.path, "--save", dir.url.appendingPathComponent("S").path,
                             "--max-batches", "2", "--epochs", "1"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("vocab.txt (the weights' words) differs from the vocabulary of \(permuted.path): 16 of its 16 words are shared"), r.stderr)
        let same = try CLI.run(["train", "--resume", weights, "--data", data.path, "--save", dir.url.appendingPathComponent("T").path,
                                "--max-batches", "2", "--epochs", "1", "--batch-size", "4", "--bptt", "10"])
        XCTAssertEqual(same.status, 0, same.stderr)
    }
}
