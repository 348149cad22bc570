import Foundation
import XCTest
@testable import AWDLSTM

/// What a newcomer meets in the first hour, through the executable: the
/// whole run's ETA, a time limit that bounds the whole command, a skippable
/// test, a resumable state on a time interval, progress only for long tasks
/// and while loading, help texts, `make install` and `make test`'s summary.
final class FirstHourTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A corpus whose test split is far too long to score in seconds at batch size 1.
    func corpusWithLongTest(_ dir: TemporaryFolder) throws -> URL {
        try writeTinyCorpus(dir, lines: 400, testLines: 200_000)
    }

    /// Every subcommand's --help (hidden ones too): no run of spaces inside a
    /// sentence. The two columns of the option and subcommand lists, and the
    /// indentation, are layout and are taken out first.
    func testHelpTextsHaveNoRunsOfSpaces() throws {
        let dump = try CLI.run(["--experimental-dump-help"])
        let tool = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let commands = try XCTUnwrap((tool["command"] as? [String: Any])?["subcommands"] as? [[String: Any]])
        let names = commands.compactMap { $0["commandName"] as? String }.filter { $0 != "help" }
        XCTAssertTrue(names.contains("train") && names.contains("load-corpus"), "\(names)")
        for args in [["--help"]] + names.map({ [$0, "--help"] }) {
            let r = try CLI.run(args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
            for line in r.stdout.split(separator: "\n") {
                var text = Substring(line)
                // A two-column row ("  --data <data>    Folder with …"): its first gap is layout.
                if text.hasPrefix("  ") && !text.hasPrefix("   "), let gap = text.dropFirst(2).range(of: "  ") {
                    text = text[gap.upperBound...]
                }
                let words = text.drop { $0 == " " }
                XCTAssertNil(words.range(of: "  "), "\(args.joined(separator: " ")): a run of spaces in '\(line)'")
            }
        }
    }

    /// The progress line shows the whole run's ETA beside the epoch's, and every
    /// epoch's line the run's time remaining.
    func testTheWholeRunsETAIsShown() throws {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let r = try CLI.run(["train", "--data", data.path, "--save", dir.url.appendingPathComponent("R").path, "--epochs", "3"] + tinyModelFlags,
                            environment: ["AWDLSTM_PROGRESS": "terminal"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertNotNil(r.stderr.range(of: #"\| ETA \d+:\d\d \| run ETA \d+:\d\d"#, options: .regularExpression), r.stderr.debugDescription)
        let ends = terminalScreen(r.stderr).lines.filter { $0.hasPrefix("| end of epoch ") }
        XCTAssertEqual(ends.count, 3, r.stderr)
        for line in ends {
            XCTAssertNotNil(line.range(of: #"\| valid bpc +[0-9.]+ \| run remaining \d+:\d\d$"#, options: .regularExpression), line)
        }
        // After the last epoch only the test is left: its estimate, well under a minute here.
        XCTAssertTrue(ends.last!.hasSuffix("| run remaining 0:00"), ends.last!)
    }

    /// `--max-minutes` bounds the whole command: training stops early enough to
    /// leave time for validation, and a test that cannot finish is cut at the
    /// limit and says so (exit 0, the model kept). `--no-test` skips it.
    func testMaxMinutesBoundsTheWholeCommandAndTheTestCanBeSkipped() throws {
        let dir = try TemporaryFolder()
        let data = try corpusWithLongTest(dir)
        let run = dir.url.appendingPathComponent("R")
        let limit = 0.15  // 9 s; the test alone would take far longer
        // Wide enough that scoring the long test split one token at a time takes
        // well over the half of the limit it may get, on a fast machine too.
        let model = ["--emsize", "32", "--nhid", "256", "--nlayers", "2", "--batch-size", "4", "--bptt", "10", "--log-interval", "5"]
        let start = Date()
        let r = try CLI.run(["train", "--data", data.path, "--save", run.path, "--epochs", "100000", "--max-minutes", "\(limit)", "--json"]
                            + model)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(r.status, 0, r.stderr)
        // The limit, plus start-up (reading the corpus) and the window in progress.
        XCTAssertLessThan(seconds, limit * 60 + 4, r.stderr)
        XCTAssertTrue(r.stderr.contains("Time limit of \(limit) minutes reached"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Final test cut at window "), r.stderr)
        XCTAssertTrue(r.stderr.contains("`awd-lstm evaluate --checkpoint \(run.path) --data \(data.path) --split test`"), r.stderr)
        XCTAssertFalse(r.stderr.contains("| End of training |"), r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertTrue(json["test"] == nil || json["test"] is NSNull, r.stdout)
        XCTAssertGreaterThanOrEqual(json["epochs"] as? Int ?? 0, 1, r.stdout)
        XCTAssertNoThrow(try RunFolder(run).loadModel())

        let skipped = try CLI.run(["train", "--data", data.path, "--save", dir.url.appendingPathComponent("S").path, "--epochs", "1",
                                   "--no-test", "--json"] + tinyModelFlags)
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        XCTAssertFalse(skipped.stderr.contains("End of training") || skipped.stderr.contains("evaluating test"), skipped.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(skipped.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(summary["epochs"] as? Int, 1)
        XCTAssertTrue(summary["test"] == nil || summary["test"] is NSNull, skipped.stdout)
        let finetune = try CLI.run(["finetune", "--checkpoint", dir.url.appendingPathComponent("S").path, "--data", data.path,
                                    "--epochs", "1", "--no-test"])
        XCTAssertEqual(finetune.status, 0, finetune.stderr)
        XCTAssertFalse(finetune.stderr.contains("End of training"), finetune.stderr)
    }

    /// With a tiny `--checkpoint-minutes`, a run killed outright (SIGKILL: no
    /// orderly stop) before its first epoch ends has a state to resume from.
    func testATimedStateSurvivesAHardStopAndResumes() throws {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir, lines: 40_000)
        let run = dir.url.appendingPathComponent("R")
        let p = try CLI.start(["train", "--data", data.path, "--save", run.path, "--epochs", "1", "--checkpoint-minutes", "0.002"]
                              + tinyModelFlags + ["--log-interval", "1000"])
        let state = run.appendingPathComponent("state.safetensors")
        waitUntil("a state written on the interval") { !p.process.isRunning || FileManager.default.fileExists(atPath: state.path) }
        kill(p.process.processIdentifier, SIGKILL)
        let killed = p.finish()
        XCTAssertEqual(killed.status, SIGKILL, killed.stderr)
        XCTAssertTrue(killed.stderr.contains("The resumable state is written every 0.002 minutes of training"), killed.stderr)
        // Written mid-epoch: no epoch had ended.
        XCTAssertFalse(killed.stderr.contains("end of epoch"), killed.stderr)
        XCTAssertTrue(try MetricsLog.readIfPresent(RunFolder(run).metrics).allSatisfy { $0.kind != "epoch" })

        let resumed = try CLI.run(["train", "--resume", run.path, "--data", data.path, "--max-batches", "60", "--no-test"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("Resuming \(run.path)"), resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("| end of epoch   1 |"), resumed.stderr)
        XCTAssertNoThrow(try RunFolder(run).loadModel())

        // 0 turns it off: nothing is written before the epoch ends.
        let off = try CLI.run(["train", "--data", data.path, "--save", dir.url.appendingPathComponent("O").path, "--epochs", "1",
                               "--checkpoint-minutes", "0", "--max-batches", "3", "--no-test"] + tinyModelFlags)
        XCTAssertEqual(off.status, 0, off.stderr)
        XCTAssertFalse(off.stderr.contains("The resumable state is written every"), off.stderr)
        assertOneLineRefusal(try CLI.run(["train", "--data", data.path, "--checkpoint-minutes=-1"] + tinyModelFlags),
                             "--checkpoint-minutes must be non-negative and finite (got -1.0)")
    }

    /// Off a terminal a task shorter than 2 s prints no progress line (a
    /// one-second `generate` used to print ten); loading a corpus and `import` show progress.
    func testProgressOnlyForLongTasksAndWhileLoading() throws {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let run = dir.url.appendingPathComponent("R")
        XCTAssertEqual(try CLI.run(["train", "--data", data.path, "--save", run.path, "--epochs", "1", "--max-batches", "3", "--no-test"]
                                   + tinyModelFlags).status, 0)
        let quick = try CLI.run(["generate", "--checkpoint", run.path, "--words", "200"], environment: ["AWDLSTM_PROGRESS": "lines"])
        XCTAssertEqual(quick.status, 0, quick.stderr)
        XCTAssertFalse(quick.stderr.contains("generate "), quick.stderr)
        let shown = try CLI.run(["generate", "--checkpoint", run.path, "--words", "200"],
                                environment: ["AWDLSTM_PROGRESS": "lines", "AWDLSTM_PROGRESS_AFTER": "0"])
        XCTAssertTrue(shown.stderr.contains("generate 20/200 words (10 %)"), shown.stderr)

        let load = try CLI.run(["load-corpus", "--data", data.path], environment: ["AWDLSTM_PROGRESS": "terminal"])
        XCTAssertEqual(load.status, 0, load.stderr)
        XCTAssertTrue(load.stderr.contains("\r\u{1B}[Kloading \(data.path) 0/1 MiB (0 %)"), load.stderr.debugDescription)
        XCTAssertEqual(terminalScreen(load.stderr).current, "")

        let imported = try CLI.run(["import", "--from", ImportCommandTests.fastaiItos.path, "--format", "fastai", "--vocab",
                                    ImportCommandTests.itos.path, "--save", dir.url.appendingPathComponent("I").path],
                                   environment: ["AWDLSTM_PROGRESS": "terminal"])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        // The first stage; the status line is redrawn at most ten times a second, so a
        // small checkpoint's later stages pass unseen.
        XCTAssertTrue(imported.stderr.contains("\r\u{1B}[Kimport 0/4 steps (0 %) | reading \(ImportCommandTests.fastaiItos.path)"),
                      imported.stderr.debugDescription)
        XCTAssertEqual(terminalScreen(imported.stderr).current, "")
    }

    /// `make install PREFIX=DIR` puts the release binary on DIR/bin as awd-lstm.
    func testMakeInstallPutsTheBinaryUnderPrefix() throws {
        guard let make = CLI.onPath("make") else { throw XCTSkip("make is not on PATH") }
        let built = Self.root.appendingPathComponent(".build/release/awd-lstm")
        guard FileManager.default.isExecutableFile(atPath: built.path) else { throw XCTSkip("no release build at \(built.path)") }
        let dir = try TemporaryFolder()
        let r = try CLI.run(["--no-print-directory", "-C", Self.root.path, "install", "PREFIX=\(dir.url.path)/usr"],
                            executable: URL(fileURLWithPath: make))
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        let installed = dir.url.appendingPathComponent("usr/bin/awd-lstm")
        let version = try CLI.run(["--version"], executable: installed)
        XCTAssertEqual(version.status, 0, version.stderr)
        XCTAssertTrue(version.stdout.hasPrefix("awd-lstm "), version.stdout)
    }

    /// `make test`'s summary: the tests swift test skipped, with their reasons,
    /// read from its output; nothing when none was skipped; exit 0 either way.
    func testSkippedTestsAreListedWithTheirReasons() throws {
        let script = Self.root.appendingPathComponent("scripts/skipped-tests.sh")
        let dir = try TemporaryFolder()
        let log = try dir.write("test.log", """
            Test Case 'ParityTests.testPTBSlice' started at 2026-12-07 21:00:00.000
            /src/Tests/AWDLSTMTests/TestData.swift:9: ParityTests.testPTBSlice : Test skipped - AWDLSTM_DATA not set
            Test Case 'ParityTests.testPTBSlice' skipped (0.001 seconds)
            Test Case 'CommandLineTests.testPyTorchLoaderMatchesEvaluate' started at 2026-12-07 21:00:00.000
            /src/Tests/AWDLSTMTests/CommandLineTests.swift:199: CommandLineTests.testPyTorchLoaderMatchesEvaluate : Test skipped - no Python with torch and safetensors
            Test Case 'CommandLineTests.testPyTorchLoaderMatchesEvaluate' skipped (0.002 seconds)
            Test Case 'PlotTests.testNoEpochsSaysSo' passed (0.003 seconds)
            Executed 3 tests, with 2 tests skipped and 0 failures (0 unexpected) in 0.006 (0.006) seconds

            """)
        let r = try CLI.run([log.path], executable: script)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, """

            2 tests were skipped:
              ParityTests.testPTBSlice: AWDLSTM_DATA not set
              CommandLineTests.testPyTorchLoaderMatchesEvaluate: no Python with torch and safetensors
            (see "Skipped tests" in README.md for what each needs)

            """)
        let none = try dir.write("none.log", "Test Case 'PlotTests.testNoEpochsSaysSo' passed (0.003 seconds)\n")
        let quiet = try CLI.run([none.path], executable: script)
        XCTAssertEqual(quiet.status, 0)
        XCTAssertEqual(quiet.stdout, "")
    }
}
