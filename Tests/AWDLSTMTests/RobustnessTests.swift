import Foundation
import XCTest
@testable import AWDLSTM

/// Bad input, numerical faults, kill and interrupt, through the real executable:
/// one clear line on stderr and a non-zero status, never a trap; no lost work.
final class RobustnessTests: XCTestCase {
    func assertFails(_ args: [String], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try CLI.run(args)
        XCTAssertNotEqual(r.status, 0, "expected failure for \(args)", file: file, line: line)
        XCTAssertLessThan(r.status, 128, "killed by a signal (a trap?): \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(fragment), "stderr '\(r.stderr)' lacks '\(fragment)'", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Fatal error") || r.stderr.contains("Backtrace"), r.stderr, file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line expected: \(r.stderr)", file: file, line: line)
    }

    func testBadDataFolders() throws {
        let dir = try TemporaryFolder()
        let train = ["train", "--save", dir.url.appendingPathComponent("run").path] + tinyModelFlags
        try assertFails(train + ["--data", dir.url.appendingPathComponent("missing").path], "no such data folder")
        let empty = dir.url.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try assertFails(train + ["--data", empty.path], "expected train.txt")
        for s in ["train", "valid", "test"] { _ = try dir.write("zero/\(s).txt", s == "valid" ? "" : "a b\n") }
        try assertFails(train + ["--data", dir.url.appendingPathComponent("zero").path], "valid.txt: file is empty")
        let bad = dir.url.appendingPathComponent("bad")
        for s in ["train", "valid", "test"] { _ = try dir.write("bad/\(s).txt", "a b\n") }
        try Data([0x61, 0x20, 0xC3, 0x28, 0x0A]).write(to: bad.appendingPathComponent("train.txt"))
        try assertFails(train + ["--data", bad.path], "train.txt: not valid UTF-8")
        for s in ["train", "valid", "test"] { _ = try dir.write("small/\(s).txt", "a b c\n") }
        try assertFails(train + ["--data", dir.url.appendingPathComponent("small").path], "training data too small")
    }

    func testInvalidFlagValues() throws {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let base = ["train", "--data", data.path, "--save", dir.url.appendingPathComponent("run").path]
        try assertFails(base + ["--emsize=-4"], "--emsize must be at least 1")
        try assertFails(base + ["--nlayers", "0"], "--nlayers must be at least 1")
        try assertFails(base + ["--dropout", "1"], "--dropout must be in [0, 1)")
        try assertFails(base + ["--wdrop=-0.1"], "--wdrop must be in [0, 1)")
        try assertFails(base + ["--bptt", "0"], "--bptt must be at least 1")
        try assertFails(base + ["--batch-size", "100000"], "do not fill 3 rows of --batch-size 100000")
        try assertFails(base + ["--lr", "0"], "--lr must be positive")
        try assertFails(base + ["--lr", "inf"], "--lr must be positive and finite (got inf)")
        try assertFails(base + ["--wdecay", "inf"], "--wdecay must be non-negative and finite (got inf)")
        try assertFails(base + ["--alpha", "inf"], "--alpha must be non-negative and finite (got inf)")
        try assertFails(base + ["--beta=-1"], "--beta must be non-negative and finite (got -1.0)")
        try assertFails(["evaluate", "--checkpoint", dir.url.path, "--data", data.path], "config.json: missing")
    }

    /// A negative number after an option is its value (as argparse reads it), so
    /// it reaches the command's own check instead of failing as an unknown option.
    func testNegativeNumbersReachTheChecks() throws {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let missing = dir.url.appendingPathComponent("no-run").path
        try assertFails(["generate", "--checkpoint", missing, "--temperature", "-1"], "--temperature must be positive and finite (got -1.0)")
        try assertFails(["pointer", "--checkpoint", missing, "--data", data.path, "--lambdasm", "-0.5"], "--lambdasm must be in [0, 1] (got -0.5)")
        try assertFails(["dynamic-eval", "--checkpoint", missing, "--data", data.path, "--lr", "-1e-3"], "--lr must be non-negative and finite (got -0.001)")
        let train = ["train", "--data", data.path, "--save", dir.url.appendingPathComponent("run").path]
        try assertFails(train + ["--emsize", "-4"], "--emsize must be at least 1")
        try assertFails(train + ["--lr", "-30"], "--lr must be positive")
        // The authors' spellings (a prefix, underscores) are joined too.
        try assertFails(["generate", "--checkpoint", missing, "--temp", "-1e-9"], "--temperature must be positive")
        try assertFails(train + ["--batch_size", "-4"], "--batch-size must be at least 1")
        try assertFails(["bench", "--zipf", "-1"], "--zipf must be non-negative and finite (got -1.0)")
        // A flag takes no value: the number stays an (unknown) argument of its own.
        assertOneLineRefusal(try CLI.run(train + ["--fixed-bptt", "-1"]), "Unknown option '-1'")
    }

    /// A diverged run with --json still prints its JSON object, with the cause,
    /// the error line and the epochs completed; then it exits 1. Log lines write
    /// NaN as `nan`.
    func testDivergedRunPrintsItsJSON() throws {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let run = dir.url.appendingPathComponent("run")
        let r = try CLI.run(["train", "--data", data.path, "--save", run.path, "--epochs", "1", "--max-batches", "1", "--lr", "1e39", "--json"]
                            + tinyModelFlags)
        XCTAssertEqual(r.status, 1, r.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let json = try XCTUnwrap(object, "stdout: '\(r.stdout)'")
        XCTAssertEqual(json["diverged"] as? String, "validation loss NaN at the end of epoch 1")
        XCTAssertEqual(json["epochs"] as? Int, 0)
        XCTAssertEqual(json["save"] as? String, run.path)
        let error = try XCTUnwrap(json["error"] as? String)
        XCTAssertTrue(r.stderr.contains("awd-lstm: error: " + error), r.stderr)
        XCTAssertTrue(r.stderr.contains("| valid loss   nan | valid ppl      nan | valid bpc      nan"), r.stderr)
        XCTAssertFalse(r.stderr.contains("-nan"), r.stderr)
    }

    /// One run folder trained for the whole class; each test corrupts a copy.
    static let trained = TrainedRun.shared(corpus: { try writeTinyCorpus($0) }, ["--epochs", "1", "--max-batches", "5"] + tinyModelFlags)

    override class func tearDown() { trained.reset() }

    /// A copy of the class's trained run in `dir`, and the corpus it was trained on.
    func trainedRun(_ dir: TemporaryFolder) throws -> (run: URL, data: URL) {
        let shared = try Self.trained.get()
        return (try dir.copy(shared.run, as: "run"), shared.data)
    }

    func testExistingRunIsNotOverwritten() throws {
        let dir = try TemporaryFolder()
        let (run, data) = try trainedRun(dir)
        let model = try Data(contentsOf: run.appendingPathComponent("model.safetensors"))
        try assertFails(["train", "--data", data.path, "--save", run.path] + tinyModelFlags, "already holds a training run")
        XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("model.safetensors")), model)
    }

    func testCorruptSafetensorsAreRejected() throws {
        let dir = try TemporaryFolder()
        let (run, data) = try trainedRun(dir)
        let model = run.appendingPathComponent("model.safetensors")
        let good = try Data(contentsOf: model)
        let evaluate = ["evaluate", "--checkpoint", run.path, "--data", data.path]
        func with(_ bytes: Data, _ fragment: String, line: UInt = #line) throws {
            try bytes.write(to: model)
            try assertFails(evaluate, fragment, line: line)
        }
        try with(good.prefix(good.count / 2), "truncated")
        var lying = good
        lying[3] = 0x7F
        try with(lying, "header length")
        let n = Int(good[0]) | Int(good[1]) << 8 | Int(good[2]) << 16
        var json = good
        json[8 + n / 2] = UInt8(ascii: "}")
        try with(json, "malformed JSON header")
        let header = String(decoding: good[8..<(8 + n)], as: UTF8.self)
        func rewrite(_ transform: (String) -> String, line: UInt = #line) -> Data {
            var h = Data(transform(header).utf8)
            while h.count < n { h.append(0x20) }
            var d = Data(good.prefix(8))
            d.append(h.prefix(n))
            d.append(good[(8 + n)...])
            return d
        }
        try with(rewrite { $0.replacingOccurrences(of: "\"F32\"", with: "\"F16\"") }, "dtype")
        try with(rewrite { $0.replacingOccurrences(of: "decoder.bias", with: "decoder.bies") }, "missing tensor 'decoder.bias'")
        // Shapes that disagree with config.json.
        let config = run.appendingPathComponent("config.json")
        let text = try String(contentsOf: config, encoding: .utf8)
        try good.write(to: model)
        try text.replacingOccurrences(of: "\"nhid\" : 12", with: "\"nhid\" : 13").write(to: config, atomically: true, encoding: .utf8)
        try assertFails(evaluate, "the configuration expects")
        try text.write(to: config, atomically: true, encoding: .utf8)
        XCTAssertEqual(try CLI.run(evaluate).status, 0)
    }

    func testVocabularyMustMatchTheData() throws {
        let dir = try TemporaryFolder()
        let (run, _) = try trainedRun(dir)
        for s in ["train", "valid", "test"] { _ = try dir.write("other/\(s).txt", "w1 w2 unseen\n") }
        try assertFails(["evaluate", "--checkpoint", run.path, "--data", dir.url.appendingPathComponent("other").path],
                        "'unseen' is not in the model's vocabulary")
        let vocab = run.appendingPathComponent("vocab.txt")
        try (try String(contentsOf: vocab, encoding: .utf8) + "extra\n").write(to: vocab, atomically: true, encoding: .utf8)
        try assertFails(["evaluate", "--checkpoint", run.path, "--data", dir.url.appendingPathComponent("other").path],
                        "but config.json says vocab_size")
    }

    /// A diverging run stops with a clear message and leaves the last good files intact.
    func testNonFiniteLossStopsAndKeepsTheCheckpoint() throws {
        let dir = try TemporaryFolder()
        let (run, data) = try trainedRun(dir)
        let files = ["model.safetensors", "state.safetensors"].map { run.appendingPathComponent($0) }
        let before = try files.map { try Data(contentsOf: $0) }
        let r = try CLI.run(["train", "--resume", run.path, "--data", data.path, "--lr", "1e30", "--clip", "0", "--epochs", "3"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("non-finite"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--resume \(run.path)"), r.stderr)
        XCTAssertEqual(try files.map { try Data(contentsOf: $0) }, before)
    }

    /// SIGKILL mid-epoch, then `--resume`: the final weights equal an uninterrupted run's.
    func testKilledRunResumesExactly() throws {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir, lines: 3000)
        let flags = ["--data", data.path, "--epochs", "2", "--checkpoint-every", "4", "--emsize", "48", "--nhid", "96",
                     "--nlayers", "2", "--batch-size", "8", "--bptt", "20", "--log-interval", "1000"]
        let a = dir.url.appendingPathComponent("a"), b = dir.url.appendingPathComponent("b")
        XCTAssertEqual(try CLI.run(["train", "--save", a.path] + flags).status, 0)

        var killedMidway = false
        for _ in 0..<3 where !killedMidway {
            try? FileManager.default.removeItem(at: b)
            let p = try CLI.start(["train", "--save", b.path] + flags)
            // Kill as soon as a mid-epoch checkpoint exists (it appears by an atomic rename).
            let state = b.appendingPathComponent("state.safetensors")
            waitUntil("the first checkpoint") { !p.process.isRunning || FileManager.default.fileExists(atPath: state.path) }
            kill(p.process.processIdentifier, SIGKILL)
            let r = p.finish()
            killedMidway = r.status == SIGKILL && p.process.terminationReason == .uncaughtSignal
        }
        XCTAssertTrue(killedMidway, "the run finished before it could be killed")
        let resumed = try CLI.run(["train", "--resume", b.path, "--data", data.path])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        for f in ["model.safetensors"] {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(f)), try Data(contentsOf: b.appendingPathComponent(f)), f)
        }
        let wa = try SafeTensors(contentsOf: a.appendingPathComponent("state.safetensors")).floats("weights")
        let wb = try SafeTensors(contentsOf: b.appendingPathComponent("state.safetensors")).floats("weights")
        XCTAssertEqual(wa.map(\.bitPattern), wb.map(\.bitPattern))
    }

    /// Ctrl-C: stop, test the best model, exit 0; a second Ctrl-C exits at once.
    func testInterrupt() throws {
        let dir = try TemporaryFolder()
        // A long test split, so that the orderly stop (which tests the model) takes a while.
        let data = try writeTinyCorpus(dir, lines: 3000, testLines: 30_000)
        let run = dir.url.appendingPathComponent("run")
        let flags = ["--data", data.path, "--save", run.path, "--epochs", "1000", "--emsize", "48", "--nhid", "96",
                     "--nlayers", "2", "--batch-size", "8", "--bptt", "20"]
        let p = try CLI.start(["train"] + flags)
        let model = run.appendingPathComponent("model.safetensors")
        waitUntil("the first saved model") { !p.process.isRunning || FileManager.default.fileExists(atPath: model.path) }
        kill(p.process.processIdentifier, SIGINT)
        let r = p.finish()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("Exiting from training early"), r.stderr)
        // What the folder keeps and the command that continues it (run just below).
        XCTAssertTrue(r.stderr.contains("keeps the best weights so far (model.safetensors, tested next) and the state after the last batch; "
                                        + "continue with `awd-lstm train --resume \(run.path) --data \(data.path)`"), r.stderr)
        XCTAssertTrue(r.stderr.contains("| End of training | test loss"), r.stderr)

        // Twice: immediate exit, files still loadable. Ctrl-C is handled once
        // training runs: the first progress line of the resumed epoch says so.
        let q = try CLI.start(["train", "--resume", run.path, "--data", data.path],
                              environment: ["AWDLSTM_PROGRESS": "lines", "AWDLSTM_PROGRESS_AFTER": "0"])
        waitUntil("a batch line of the resumed run") { !q.process.isRunning || q.stderrSoFar.contains(" batches (") }
        // The second press once the first is acknowledged (pending signals of one
        // kind are merged), before its orderly stop ends (the test evaluation takes longer).
        kill(q.process.processIdentifier, SIGINT)
        waitUntil("the first interrupt's message") { !q.process.isRunning || q.stderrSoFar.contains("interrupt: stopping") }
        kill(q.process.processIdentifier, SIGINT)
        let s = q.finish()
        XCTAssertEqual(s.status, 130, s.stderr)
        XCTAssertTrue(s.stderr.contains("second interrupt"), s.stderr)
        XCTAssertNoThrow(try RunFolder(run).loadModel())
        XCTAssertNoThrow(try SafeTensors(contentsOf: run.appendingPathComponent("state.safetensors")))
    }
}
