import Foundation
import XCTest
@_spi(CLI) @testable import AWDLSTM

/// Faults of the disk and the standard streams, through the executable: a
/// full disk while training, output to a full stdout or stderr, SIGTERM, two
/// writers of one new folder, and the advice printed for folders of each kind.
final class DiskFaultTests: XCTestCase {
    static let model = FieldFaultTests.model
    /// One good run (`D`, three batches) that tests copy before changing.
    static let trained = TrainedRun.shared(name: "G", corpus: { try smallCorpus($0) }, ["--max-batches", "3"] + model)

    override class func tearDown() { trained.reset() }

    /// The commands between backquotes in `text` (the tool's advice), as argument lists without the program name.
    func advisedCommands(_ text: String) -> [[String]] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }
            .map { $0.element.split(separator: " ").map(String.init) }
            .filter { $0.first == "awd-lstm" }.map { Array($0.dropFirst()) }
    }

    /// `train` with each write of its folder able to fail: the run stops with one
    /// line (no trap), and the folder is resumable (a state was saved) or starts
    /// again (none was: no model is left without its state). The fault is a file
    /// size limit (`ulimit -f`, SIGXFSZ ignored), which every user can set; with
    /// root, a full tmpfs as well.
    func testAFullDiskStopsTrainingWithOneLineAndAFolderThatGoesOn() throws {
        let dir = try TemporaryFolder()
        let data = try smallCorpus(dir)
        let run = dir.url.appendingPathComponent("run").path
        let train = ["train", "--data", data.path, "--save", run] + Self.model + ["--epochs", "2"]
        // The limit, 40 blocks of 512 bytes, is below the model's size: its first save fails.
        let limited = try CLI.run(["-c", "trap '' XFSZ; ulimit -f 40; exec \"$0\" \"$@\"", CLI.binary.path] + train,
                                  executable: URL(fileURLWithPath: "/bin/sh"))
        XCTAssertEqual(limited.status, 1, limited.stderr)
        let lines = limited.stderr.split(separator: "\n").filter { $0.hasPrefix("awd-lstm: error:") }
        XCTAssertEqual(lines.count, 1, limited.stderr)
        XCTAssertTrue(limited.stderr.contains("training stopped: cannot write"), limited.stderr)
        XCTAssertTrue(limited.stderr.contains("nothing resumable was saved"), limited.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run + "/model.safetensors"), "a model without its state was left")
        // The advice: the same command, which now has room.
        let again = try CLI.run(train)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertNoThrow(try RunFolder(URL(fileURLWithPath: run)).loadModel())

    }

    /// The issue's case: a tmpfs of 64 KiB, then 96 KiB (root only).
    func testAFullTmpfs() throws {
        guard getuid() == 0, CLI.onPath("mount") != nil else { throw XCTSkip("mounting a tmpfs needs root") }
        let dir = try TemporaryFolder()
        let data = try smallCorpus(dir)
        let mount = dir.url.appendingPathComponent("mnt")
        try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
        for size in ["64k", "96k"] {
            let m = try CLI.run(["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", mount.path], executable: URL(fileURLWithPath: CLI.onPath("mount")!))
            guard m.status == 0 else { throw XCTSkip("cannot mount a tmpfs here: \(m.stderr)") }
            defer { _ = try? CLI.run([mount.path], executable: URL(fileURLWithPath: CLI.onPath("umount")!)) }
            let run = mount.appendingPathComponent("run").path
            let train = ["train", "--data", data.path, "--save", run, "--emsize", "16", "--nhid", "24", "--nlayers", "3",
                         "--batch-size", "4", "--bptt", "10", "--epochs", "2"]
            let full = try CLI.run(train)
            XCTAssertEqual(full.status, 1, "\(size): \(full.stderr)")
            XCTAssertEqual(full.stderr.split(separator: "\n").filter { $0.hasPrefix("awd-lstm: error:") }.count, 1, full.stderr)
            let folder = RunFolder(URL(fileURLWithPath: run))
            XCTAssertFalse(folder.exists(folder.model) && !folder.exists(folder.state), "\(size): a model without its state")
            // Room again: what the error advised works.
            _ = try CLI.run(["-o", "remount,size=8m", mount.path], executable: URL(fileURLWithPath: CLI.onPath("mount")!))
            let next = folder.exists(folder.state) ? try XCTUnwrap(advisedCommands(full.stderr).first, full.stderr) : train
            let r = try CLI.run(next)
            XCTAssertEqual(r.status, 0, "\(size): \(next): \(r.stderr)")
            XCTAssertNoThrow(try folder.loadModel())
        }
    }

    /// A folder of weights without a training state (an import) is never
    /// advised to be resumed: each command the refusal names runs.
    func testAdviceForAFolderOfWeightsWorks() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let imported = dir.url.appendingPathComponent("TI2").path
        let i = try CLI.run(["import", "--from", good.run.path + "/model.safetensors", "--format", "salesforce",
                             "--data", good.data.path, "--save", imported])
        XCTAssertEqual(i.status, 0, i.stderr)
        let refused = try CLI.run(["train", "--data", good.data.path, "--save", imported] + Self.model)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertFalse(refused.stderr.contains("--resume \(imported) "), refused.stderr)
        let advice = advisedCommands(refused.stderr)
        XCTAssertEqual(advice.map { $0.first }, ["finetune", "train"], refused.stderr)
        for command in advice {
            let args = command.map { $0 == "NEW" ? dir.url.appendingPathComponent("NEW").path : $0 } + ["--epochs", "1", "--max-batches", "2"]
            let r = try CLI.run(args.first == "finetune" ? args.filter { $0 != "--max-batches" && $0 != "2" } : args)
            XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)")
        }
        // A run (with its state) is advised to be resumed, and that works.
        let run = try dir.copy(good.run, as: "R").path
        let again = try CLI.run(["train", "--data", good.data.path, "--save", run] + Self.model)
        let resume = try XCTUnwrap(advisedCommands(again.stderr).first, again.stderr)
        XCTAssertEqual(Array(resume.prefix(3)), ["train", "--resume", run])
        let r = try CLI.run(resume + ["--epochs", "2", "--max-batches", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// train --resume DIR checks vocab.txt as the other commands do (its size),
    /// and against the run's own data (its words, row by row).
    func testResumeRefusesAVocabularyThatIsNotTheRuns() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let words = try String(contentsOf: good.run.appendingPathComponent("vocab.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        for (name, changed, message) in [("extra", words + ["extra1"], "vocab.txt: \(words.count + 1) words, but config.json says vocab_size \(words.count)"),
                                         ("permuted", [words[0]] + words.dropFirst().reversed(), "row 2 is \"\(words.last!)\"")] {
            let run = try dir.copy(good.run, as: name)
            try AtomicFile.write(changed.joined(separator: "\n") + "\n", to: run.appendingPathComponent("vocab.txt"))
            let before = try Data(contentsOf: run.appendingPathComponent("state.safetensors"))
            let r = try CLI.run(["train", "--resume", run.path, "--data", good.data.path, "--epochs", "4"])
            XCTAssertEqual(r.status, 1, "\(name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(name): \(r.stderr)")
            XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("state.safetensors")), before, name)
        }
    }

    /// Two imports into one new folder: exactly one wins, and its folder is kept.
    func testConcurrentImportsKeepTheWinnersFolder() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let target = dir.url.appendingPathComponent("IC")
        let args = ["import", "--from", good.run.path + "/model.safetensors", "--format", "salesforce", "--save", target.path]
        for _ in 0..<12 {
            try? FileManager.default.removeItem(at: target)
            let a = try CLI.start(args), b = try CLI.start(args)
            let results = [a.finish(), b.finish()]
            XCTAssertEqual(results.filter { $0.status == 0 }.count, 1, results.map(\.stderr).joined(separator: " / "))
            XCTAssertNoThrow(try RunFolder(target).loadModel())
        }
    }

    /// Output that cannot be written: a full stdout is an error (exit 1, one
    /// line), a full stderr never traps.
    func testFullStandardStreams() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { throw XCTSkip("no /dev/full") }
        let good = try Self.trained.get()
        let full = URL(fileURLWithPath: "/dev/full")
        func run(_ args: [String], stdout: Bool) throws -> CLI.Result {
            // /dev/full as stdout or as stderr, through the shell's redirection.
            let script = "exec \"$0\" \"$@\" " + (stdout ? ">" : "2>") + full.path
            return try CLI.run(["-c", script, CLI.binary.path] + args, executable: URL(fileURLWithPath: "/bin/sh"))
        }
        for args in [["evaluate", "--checkpoint", good.run.path, "--data", good.data.path, "--json"],
                     ["generate", "--checkpoint", good.run.path, "--words", "20"], ["--version"]] {
            let out = try run(args, stdout: true)
            XCTAssertEqual(out.status, 1, "\(args): \(out.stderr)")
            XCTAssertTrue(out.stderr.contains("cannot write the output to stdout"), "\(args): \(out.stderr)")
            let err = try run(args, stdout: false)
            XCTAssertEqual(err.status, 0, "\(args) 2>/dev/full")
        }
        let failing = try run(["evaluate", "--checkpoint", "/nonexistent"], stdout: false)
        XCTAssertEqual(failing.status, 1, "an error with stderr full")
    }

    /// SIGTERM (timeout, schedulers) stops training like the first Ctrl-C: the
    /// epoch in progress is saved, the best model tested, exit 0.
    func testSIGTERMStopsTrainingInOrder() throws {
        let dir = try TemporaryFolder()
        let data = try smallCorpus(dir)
        let run = dir.url.appendingPathComponent("run")
        let p = try CLI.start(["train", "--data", data.path, "--save", run.path, "--epochs", "100000"] + Self.model.dropLast(2),
                              environment: ["AWDLSTM_PROGRESS": "lines"])
        waitUntil("the first saved model") { !p.process.isRunning || FileManager.default.fileExists(atPath: run.path + "/state.safetensors") }
        kill(p.process.processIdentifier, SIGTERM)
        let r = p.finish()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("SIGTERM: stopping after this batch"), r.stderr)
        XCTAssertTrue(r.stderr.contains("| End of training | test loss"), r.stderr)
        XCTAssertNoThrow(try SafeTensors(contentsOf: run.appendingPathComponent("state.safetensors")))
    }

    /// Output paths are checked before the work and named as given; a folder named .pt that is written is said to be one.
    func testOutputPathsAndPtNames() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let generate = try CLI.run(["generate", "--checkpoint", good.run.path, "--words", "5", "--out", dir.url.path + "/nodir/x.txt"],
                                   environment: ["AWDLSTM_PROGRESS": "lines"])
        XCTAssertEqual(generate.status, 1, generate.stderr)
        XCTAssertTrue(generate.stderr.contains("--out \(dir.url.path)/nodir/x.txt: folder \(dir.url.path)/nodir does not exist"), generate.stderr)
        XCTAssertFalse(generate.stderr.contains("BLAS"), "checked before the work: \(generate.stderr)")
        let file = try dir.write("regfile", "x")
        let plot = try CLI.run(["plot", "--checkpoint", good.run.path, "--out", file.path + "/x.svg"])
        XCTAssertEqual(plot.status, 1, plot.stderr)
        XCTAssertTrue(plot.stderr.contains("\(file.path) is a file, not a folder"), plot.stderr)

        let train = try CLI.run(["train", "--data", good.data.path, "--save", file.path + "/run"] + Self.model)
        XCTAssertEqual(train.status, 1, train.stderr)
        XCTAssertTrue(train.stderr.contains("--save \(file.path)/run: \(file.path) is a file, not a folder"), train.stderr)

        let pt = try dir.copy(good.run, as: "PTB.pt")
        let finetune = try CLI.run(["finetune", "--save", pt.path, "--data", good.data.path, "--epochs", "1"])
        XCTAssertEqual(finetune.status, 0, finetune.stderr)
        XCTAssertTrue(finetune.stderr.contains("--save \(pt.path): writing the run folder"), finetune.stderr)

        // --max-minutes counts the run's whole time: a resume under the same limit says so.
        let timed = try dir.copy(good.run, as: "T")
        let resumed = try CLI.run(["train", "--resume", timed.path, "--data", good.data.path, "--epochs", "3", "--max-minutes", "0.00001"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("counts the run's total training time"), resumed.stderr)
    }
}
