import Foundation
import XCTest
@testable import AWDLSTM

/// Resumes, fine-tuning and imports met in a new user's trial, through the
/// executable: what `config.json` says after them, weights checked at load,
/// unchecked word lists, Ctrl-C during evaluations, error lines that name only
/// the command's own flags, and data outside a run's vocabulary.
final class ResumeFaultTests: XCTestCase {
    static let model = FieldFaultTests.model

    /// One good run (`D`, three batches, one epoch), trained once for the class; tests change copies.
    static let trained = TrainedRun.shared(name: "R", corpus: { try smallCorpus($0) }, ["--max-batches", "3"] + model)

    override class func tearDown() { trained.reset() }

    func goodRun(_ dir: TemporaryFolder) throws -> (run: URL, data: URL) {
        let shared = try Self.trained.get()
        return (try dir.copy(shared.run, as: "R"), shared.data)
    }

    func config(_ run: URL) throws -> RunConfig { try RunFolder(run).readConfig() }

    // MARK: 1. config.json tells what the run uses next

    /// A resume that diverges leaves config.json as it was; one that saves a
    /// state records its settings; fine-tuning records its own (the trained
    /// run's are kept), so that a resume of an interrupted fine-tuning with
    /// another batch size continues it.
    func testConfigRecordsWhatTheRunUsesNext() throws {
        let dir = try TemporaryFolder()
        let (run, data) = try goodRun(dir)
        let file = run.appendingPathComponent("config.json")
        let before = try Data(contentsOf: file)
        let diverged = try CLI.run(["train", "--resume", run.path, "--data", data.path, "--epochs", "2", "--lr", "1e39"])
        XCTAssertEqual(diverged.status, 1, diverged.stderr)
        XCTAssertEqual(try Data(contentsOf: file), before, "a diverged resume must not record its --lr")
        XCTAssertEqual(try config(run).training.lr, 30)

        let resumed = try CLI.run(["train", "--resume", run.path, "--data", data.path, "--epochs", "2", "--lr", "20"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try config(run).training.lr, 20)
        XCTAssertEqual(try config(run).training.epochs, 2)

        // Fine-tuning on another batch size, interrupted mid-epoch.
        let p = try CLI.start(["finetune", "--checkpoint", run.path, "--data", data.path, "--batch-size", "2", "--lr", "5",
                               "--epochs", "1000", "--nonmono", "1000", "--log-interval", "1"],
                              environment: ["AWDLSTM_PROGRESS": "lines"])
        waitUntil("a fine-tuning batch") { !p.process.isRunning || p.stderrSoFar.contains("| epoch   1 |") }
        kill(p.process.processIdentifier, SIGINT)
        let stopped = p.finish()
        XCTAssertEqual(stopped.status, 0, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("Exiting from training early"), stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("; continue with `awd-lstm train --resume \(run.path) --data "), stopped.stderr)
        let tuned = try config(run)
        XCTAssertEqual([tuned.training.batchSize, tuned.training.epochs], [2, 1000])
        XCTAssertEqual(tuned.training.lr, 5)
        let kept = try JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: run.appendingPathComponent("config.pre-finetune.json")))
        XCTAssertEqual([kept.training.batchSize, kept.training.epochs], [4, 2])
        // The resume reads batch size 2 from config.json, as the saved hidden state needs.
        let continued = try CLI.run(["train", "--resume", run.path, "--data", data.path, "--epochs", "1", "--max-batches", "1"])
        XCTAssertEqual(continued.status, 0, continued.stderr)
        XCTAssertEqual(try config(run).training.epochs, 1)
    }

    /// `import` without `--data` records no data folder (no `"data": ""`), and
    /// the commands that read the folder cope: fine-tuning records the data it is given.
    func testImportWithoutDataRecordsNone() throws {
        let dir = try TemporaryFolder()
        let (run, data) = try goodRun(dir)
        let imported = dir.url.appendingPathComponent("I")
        let r = try CLI.run(["import", "--from", run.appendingPathComponent("model.safetensors").path, "--format", "salesforce",
                             "--save", imported.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: imported.appendingPathComponent("config.json"))) as? [String: Any])
        XCTAssertNil(json["data"], "\(json)")
        XCTAssertNil(try config(imported).data)
        XCTAssertEqual(try CLI.run(["evaluate", "--checkpoint", imported.path, "--data", data.path]).status, 0)
        let tuned = try CLI.run(["finetune", "--checkpoint", imported.path, "--data", data.path, "--epochs", "1", "--batch-size", "4",
                                 "--bptt", "10", "--max-batches", "2"])
        XCTAssertEqual(tuned.status, 0, tuned.stderr)
        XCTAssertEqual(try config(imported).data, data.path)
        XCTAssertEqual(try config(imported).dataHistory, [])
    }

    // MARK: 2. weights checked when loaded

    /// A best model holding NaN beside a good state: `train --resume DIR` refuses
    /// it before training a batch, and leaves the folder as it was; `import` refuses it too.
    func testNaNBestModelIsRefusedBeforeTraining() throws {
        let dir = try TemporaryFolder()
        let (run, data) = try goodRun(dir)
        let model = run.appendingPathComponent("model.safetensors")
        try rewrite(model, tensor: "rnns.1.module.bias_hh_l0") { $0[5] = .nan }
        let files = ["state.safetensors", "metrics.jsonl", "config.json"].map { run.appendingPathComponent($0) }
        let before = try files.map { try Data(contentsOf: $0) }
        let r = try CLI.run(["train", "--resume", run.path, "--data", data.path, "--epochs", "2"], environment: ["AWDLSTM_PROGRESS": "lines"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("model.safetensors: tensor 'rnns.1.module.bias_hh_l0' holds a non-finite value"), r.stderr)
        XCTAssertFalse(r.stderr.contains("batches"), r.stderr)
        XCTAssertFalse(r.stderr.contains("end of epoch"), r.stderr)
        XCTAssertEqual(try files.map { try Data(contentsOf: $0) }, before)

        let target = dir.url.appendingPathComponent("I")
        let imported = try CLI.run(["import", "--from", model.path, "--format", "salesforce", "--data", data.path, "--save", target.path])
        XCTAssertEqual(imported.status, 1, imported.stderr)
        XCTAssertTrue(imported.stderr.contains("holds a non-finite value"), imported.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
    }

    // MARK: 3. words that cannot be checked

    /// Weights without a word list: one notice line says what is assumed and
    /// how to check; with `vocab.txt` beside them there is none.
    func testUncheckedWordsAreNoticed() throws {
        let dir = try TemporaryFolder()
        let (run, data) = try goodRun(dir)
        let alone = dir.url.appendingPathComponent("loose/model.safetensors")
        try FileManager.default.createDirectory(at: alone.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: run.appendingPathComponent("model.safetensors"), to: alone)
        let notice = "notice: \(alone.path) has no vocab.txt beside it and no --vocab was given, so its words cannot be checked: "
            + "row i is taken to be word i of \(data.path) in the authors' order"
        let r = try CLI.run(["train", "--resume", alone.path, "--data", data.path, "--save", dir.url.appendingPathComponent("S").path,
                             "--max-batches", "1"] + Self.model)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: notice).count, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("give the weights' word list with --vocab FILE to check them"), r.stderr)
        let imported = try CLI.run(["import", "--from", alone.path, "--format", "salesforce", "--data", data.path,
                                    "--save", dir.url.appendingPathComponent("I").path])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stderr.contains("notice: \(alone.path) has no vocab.txt beside it"), imported.stderr)
        let checked = try CLI.run(["train", "--resume", run.appendingPathComponent("model.safetensors").path, "--data", data.path,
                                   "--save", dir.url.appendingPathComponent("T").path, "--max-batches", "1"] + Self.model)
        XCTAssertEqual(checked.status, 0, checked.stderr)
        XCTAssertFalse(checked.stderr.contains("notice:"), checked.stderr)
    }

    // MARK: 4. Ctrl-C during validation and the final test

    /// Ctrl-C during the final test stops it and says how to get the figure
    /// (the command it prints runs); Ctrl-C during a validation stops it, and the
    /// resumed run validates that epoch and ends bit-identical to an uninterrupted one.
    func testInterruptDuringEvaluations() throws {
        let dir = try TemporaryFolder()
        // A long test split (scored at batch 1), and for the second run a long validation split.
        let data = try writeTinyCorpus(dir, lines: 3000, testLines: 30_000)
        let long = try dir.copy(data, as: "long-valid")
        let test = try String(contentsOf: data.appendingPathComponent("test.txt"), encoding: .utf8)
        try FileManager.default.removeItem(at: long.appendingPathComponent("valid.txt"))
        try FileManager.default.moveItem(at: long.appendingPathComponent("test.txt"), to: long.appendingPathComponent("valid.txt"))
        try FileManager.default.copyItem(at: data.appendingPathComponent("valid.txt"), to: long.appendingPathComponent("test.txt"))
        try Data(String(repeating: test, count: 4).utf8).write(to: long.appendingPathComponent("valid.txt"), options: .atomic)
        let model = ["--max-batches", "2"] + Array(Self.model.dropLast(2))

        let tested = dir.url.appendingPathComponent("T")
        let r = try interrupted(["train", "--data", data.path, "--save", tested.path, "--epochs", "1"] + model, during: "evaluating test")
        XCTAssertTrue(r.stderr.contains("Final test stopped at window"), r.stderr)
        XCTAssertFalse(r.stderr.contains("| End of training |"), r.stderr)
        let metrics = try String(contentsOf: tested.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        XCTAssertFalse(metrics.contains("\"kind\":\"test\""), metrics)
        let suggested = try XCTUnwrap(r.stderr.split(separator: "`").dropFirst().first).split(separator: " ").map(String.init)
        XCTAssertEqual(suggested, ["awd-lstm", "evaluate", "--checkpoint", tested.path, "--data", data.path, "--split", "test"])
        XCTAssertEqual(try CLI.run(Array(suggested.dropFirst())).status, 0)

        let flags = ["--data", long.path, "--epochs", "2"] + model
        let reference = dir.url.appendingPathComponent("A"), stopped = dir.url.appendingPathComponent("V")
        XCTAssertEqual(try CLI.run(["train", "--save", reference.path] + flags).status, 0)
        let s = try interrupted(["train", "--save", stopped.path] + flags, during: "evaluating valid")
        XCTAssertTrue(s.stderr.contains("Exiting from training early: validation of epoch 1 stopped at window"), s.stderr)
        XCTAssertFalse(s.stderr.contains("| end of epoch"), s.stderr)
        let resumed = try CLI.run(["train", "--resume", stopped.path, "--data", long.path])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("| end of epoch   1 |"), resumed.stderr)
        XCTAssertEqual(try Data(contentsOf: reference.appendingPathComponent("model.safetensors")),
                       try Data(contentsOf: stopped.appendingPathComponent("model.safetensors")))
        let wa = try SafeTensors(contentsOf: reference.appendingPathComponent("state.safetensors")).floats("weights")
        let wb = try SafeTensors(contentsOf: stopped.appendingPathComponent("state.safetensors")).floats("weights")
        XCTAssertEqual(wa.map(\.bitPattern), wb.map(\.bitPattern))
    }

    /// Runs `args`, sends one SIGINT once a tenth of `task` is done (the status
    /// lines, forced, say how far it is), and returns the result, which must be exit 0.
    func interrupted(_ args: [String], during task: String, file: StaticString = #filePath, line: UInt = #line) throws -> CLI.Result {
        /// The percentage in the last status line of `task` (`evaluating valid 536/2249 windows (23 %)`), or nil.
        func percentDone(_ stderr: String) -> Int? {
            guard stderr.contains(task), let last = stderr.components(separatedBy: task).last else { return nil }
            return last.split(separator: "(").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
        }
        let p = try CLI.start(args, environment: ["AWDLSTM_PROGRESS": "terminal"])
        waitUntil("a tenth of \(task)", file: file, line: line) { !p.process.isRunning || (percentDone(p.stderrSoFar) ?? 0) >= 10 }
        kill(p.process.processIdentifier, SIGINT)
        let r = p.finish()
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return r
    }

    // MARK: 5. error lines name the command's own flags

    /// Data too small for the authors' fixed evaluation batch sizes: `train` and
    /// `finetune` name those sizes, not a flag they lack; a fastai checkpoint given
    /// to `train --resume FILE` points to `import`. Every flag an error line names
    /// (outside a quoted command) is one of the command's.
    func testErrorsNameOnlyTheCommandsFlags() throws {
        let dir = try TemporaryFolder()
        let (run, data) = try goodRun(dir)
        let words = (1...21).map { "w\($0 % 15)" }.joined(separator: " ") + "\n"
        // A line of no words is one token, <eos>.
        for (name, valid, test) in [("small-valid", "w1 w2\n", "w1 w2 w3 w4\n"), ("small-test", words, "\n")] {
            _ = try dir.write("\(name)/valid.txt", valid)
            _ = try dir.write("\(name)/test.txt", test)
            try FileManager.default.copyItem(at: data.appendingPathComponent("train.txt"), to: dir.url.appendingPathComponent("\(name)/train.txt"))
        }
        let small = dir.url.appendingPathComponent("small-valid").path, tiny = dir.url.appendingPathComponent("small-test").path
        let cases: [([String], String)] = [
            (["train", "--data", small, "--save", dir.url.appendingPathComponent("S").path] + Self.model,
             "validation data too small: 3 tokens do not fill 2 rows of the evaluation batch size 10"),
            (["train", "--data", tiny, "--save", dir.url.appendingPathComponent("S").path] + Self.model,
             "test data too small: 1 tokens do not fill 2 rows of the test batch size 1"),
            (["finetune", "--checkpoint", run.path, "--data", small, "--new-data"],
             "validation data too small: 3 tokens do not fill 2 rows of the evaluation batch size 10"),
            (["train", "--resume", ImportTests.folder.appendingPathComponent("fastai.safetensors").path, "--data", data.path,
              "--save", dir.url.appendingPathComponent("S").path],
             "bring it in with `awd-lstm import --from"),
        ]
        for (args, message) in cases {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
            try assertOwnFlags(args[0], r.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("S").path))
    }

    /// Every `--flag` in the error line of `stderr`, outside backquoted commands, is an option of `command`.
    func assertOwnFlags(_ command: String, _ stderr: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let error = try XCTUnwrap(stderr.split(separator: "\n").last { $0.hasPrefix("awd-lstm: error:") }, stderr, file: file, line: line)
        let unquoted = error.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 0 }
            .map(\.element).joined(separator: " ")
        let help = try CLI.run([command, "--help"]).stdout
        let flags = try NSRegularExpression(pattern: "--[a-z][a-z-]*").matches(in: unquoted, range: NSRange(unquoted.startIndex..., in: unquoted))
            .map { String(unquoted[Range($0.range, in: unquoted)!]) }
        for flag in flags {
            XCTAssertTrue(help.contains(flag + " ") || help.contains(flag + "\n") || help.contains(flag + ","),
                          "\(command) has no \(flag): \(error)", file: file, line: line)
        }
    }

    // MARK: 6. data outside a run's vocabulary

    /// `train --resume DIR --new-data D2` and `finetune --new-data D2`, D2 holding
    /// words outside the run's vocabulary: refused naming one word and the count,
    /// with the way out (a new run remapped from the weights), which runs as printed.
    func testDataOutsideTheVocabularySaysTheWayOut() throws {
        let dir = try TemporaryFolder()
        let (run, _) = try goodRun(dir)
        let other = try smallCorpus(dir, name: "D2", words: (0..<15).map { "w\($0)" } + ["new1", "new2"], seed: 21)
        let before = try Data(contentsOf: run.appendingPathComponent("config.json"))
        let r = try CLI.run(["train", "--resume", run.path, "--data", other.path, "--new-data", "--epochs", "2"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("--data \(other.path) has 2 word(s) outside the run's vocabulary of 16 ('new"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--remap-vocab does not apply to --resume DIR"), r.stderr)
        try assertOwnFlags("train", r.stderr)
        let f = try CLI.run(["finetune", "--checkpoint", run.path, "--data", other.path, "--new-data"])
        XCTAssertEqual(f.status, 1, f.stderr)
        XCTAssertTrue(f.stderr.contains("has 2 word(s) outside the run's vocabulary"), f.stderr)
        XCTAssertTrue(f.stderr.contains("finetune has no --remap-vocab"), f.stderr)
        XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("config.json")), before)

        let suggested = try XCTUnwrap(r.stderr.split(separator: "`").dropFirst().first).split(separator: " ").map(String.init)
        XCTAssertEqual(Array(suggested.prefix(4)), ["awd-lstm", "train", "--resume", run.appendingPathComponent("model.safetensors").path])
        let target = dir.url.appendingPathComponent("NEW").path
        let remapped = try CLI.run(suggested.dropFirst().map { $0 == "NEW" ? target : $0 } + ["--max-batches", "1"] + Self.model)
        XCTAssertEqual(remapped.status, 0, remapped.stderr)
        XCTAssertTrue(remapped.stderr.contains("vocabulary remapped by word: 16 shared, 2 new"), remapped.stderr)
    }
}
