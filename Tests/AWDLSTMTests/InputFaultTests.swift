import Foundation
import XCTest
@testable import AWDLSTM

/// Input of the kinds users bring: Windows line ends and byte order marks,
/// aliases given twice, non-finite numbers, sizes too small for a flag,
/// few rows per column, `--version` and empty paths after a subcommand.
final class InputFaultTests: XCTestCase {
    /// One good run (`D`: 15 words, no `<unk>`), trained once for the class.
    static let trained = TrainedRun.shared(name: "G", corpus: { try smallCorpus($0) }, ["--max-batches", "3"] + FieldFaultTests.model)

    override class func tearDown() { trained.reset() }

    func json(_ r: CLI.Result) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout + r.stderr)
    }

    /// Every text is read by one line reader: `\r\n` and `\r` end lines, a leading BOM is dropped.
    func testLineEndsAndByteOrderMarkReadAlike() throws {
        let plain = try Corpus.tokenize(Data("w1 w2\nw3\n".utf8), source: "plain").ids
        for variant in ["w1 w2\r\nw3\r\n", "w1 w2\rw3\r", "\u{FEFF}w1 w2\r\nw3"] {
            XCTAssertEqual(try Corpus.tokenize(Data(variant.utf8), source: "v").ids, plain, variant.debugDescription)
        }
        let words = try Vocabulary(fileData: Data("\u{FEFF}<eos>\r\nw1\r\nw2\r\n".utf8), source: "v")
        XCTAssertEqual(words.words, ["<eos>", "w1", "w2"])
        XCTAssertEqual(try Vocabulary(fileData: Data("a\rb".utf8), source: "v").words, ["a", "b"])
        XCTAssertThrowsError(try Vocabulary(fileData: Data("a\n\nb\n".utf8), source: "v.txt")) {
            XCTAssertEqual($0 as? CorpusError, .emptyWord(source: "v.txt", line: 2))
        }
        XCTAssertThrowsError(try Vocabulary(fileData: Data("a\nb\n\n".utf8), source: "v.txt")) {
            XCTAssertEqual($0 as? CorpusError, .emptyWord(source: "v.txt", line: 3))
        }
    }

    /// A run folder's vocab.txt saved with CRLF and a BOM, a --file with them:
    /// the same figures as the plain files; an empty line in vocab.txt is refused by line.
    func testWindowsFilesThroughTheCommands() throws {
        let shared = try Self.trained.get()
        let dir = try TemporaryFolder()
        let vocab = try String(contentsOf: shared.run.appendingPathComponent("vocab.txt"), encoding: .utf8)
        let windows = try dir.copy(shared.run, as: "VC")
        try Data(("\u{FEFF}" + vocab.replacingOccurrences(of: "\n", with: "\r\n")).utf8).write(to: windows.appendingPathComponent("vocab.txt"))
        let expected = try CLI.run(["evaluate", "--checkpoint", shared.run.path, "--data", shared.data.path, "--json"])
        let got = try CLI.run(["evaluate", "--checkpoint", windows.path, "--data", shared.data.path, "--json"])
        XCTAssertEqual(got.status, 0, got.stderr)
        XCTAssertEqual(try json(got)["loss"] as? Double, try json(expected)["loss"] as? Double)

        let text = try dir.write("plain.txt", "w1 w2 w3\nw4 w5\n")
        let bom = try dir.write("bom.txt", "\u{FEFF}w1 w2 w3\r\nw4 w5\r\n")
        let a = try CLI.run(["evaluate", "--checkpoint", shared.run.path, "--file", text.path, "--json"])
        let b = try CLI.run(["evaluate", "--checkpoint", shared.run.path, "--file", bom.path, "--json"])
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertEqual(try json(b)["loss"] as? Double, try json(a)["loss"] as? Double)

        let empty = try dir.copy(shared.run, as: "VE")
        try Data((vocab + "\nw99\n").utf8).write(to: empty.appendingPathComponent("vocab.txt"))
        let lines = vocab.split(separator: "\n").count
        assertOneLineRefusal(try CLI.run(["evaluate", "--checkpoint", empty.path, "--data", shared.data.path]),
                             "vocab.txt: line \(lines + 1) is empty")
    }

    /// `--file` reads a pipe to its end, as Python's `open()` does; a folder or a
    /// missing file is named as such.
    func testFileFromAPipeAndFilesThatAreNotText() throws {
        let shared = try Self.trained.get()
        let dir = try TemporaryFolder()
        let text = try dir.write("plain.txt", "w1 w2 w3\nw4 w5\n")
        let plain = try CLI.run(["evaluate", "--checkpoint", shared.run.path, "--file", text.path, "--json"])
        // `sh -c 'cat FILE | awd-lstm "$@"' awd-lstm ARGS…`: the text arrives through a pipe.
        let piped = try CLI.run(["evaluate", "--checkpoint", shared.run.path, "--file", "/dev/stdin", "--json"],
                                launcher: ["/bin/sh", "-c", "cat '\(text.path)' | \"$0\" \"$@\""])
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertEqual(try json(piped)["loss"] as? Double, try json(plain)["loss"] as? Double)
        assertOneLineRefusal(try CLI.run(["evaluate", "--checkpoint", shared.run.path, "--file", dir.url.path]),
                             "--file \(dir.url.path): is a folder, not a text file")
        assertOneLineRefusal(try CLI.run(["evaluate", "--checkpoint", shared.run.path, "--file", dir.url.path + "/none.txt"]),
                             "--file \(dir.url.path)/none.txt: no such file")
    }

    /// `--checkpoint` and its alias `--save` (and generate's `--out`/`--outf`) with different values are refused.
    func testAliasesWithDifferentValuesAreRefused() throws {
        let shared = try Self.trained.get()
        let (run, data) = (shared.run.path, shared.data.path)
        assertOneLineRefusal(try CLI.run(["evaluate", "--save", "/nonexistent", "--checkpoint", run, "--data", data]),
                             "--save /nonexistent and --checkpoint \(run)")
        assertOneLineRefusal(try CLI.run(["finetune", "--checkpoint", run, "--save=/elsewhere", "--data", data]),
                             "--checkpoint \(run) and --save /elsewhere")
        assertOneLineRefusal(try CLI.run(["generate", "--checkpoint", run, "--out", "a.txt", "--outf", "b.txt"]),
                             "--out a.txt and --outf b.txt")
        let same = try CLI.run(["evaluate", "--save", run, "--checkpoint", run, "--data", data])
        XCTAssertEqual(same.status, 0, same.stderr)
    }

    /// Non-finite numbers are refused naming the flag and the value; an update
    /// that diverges says that --lr and --lamb made it.
    func testDynamicEvaluationNumbers() throws {
        let shared = try Self.trained.get()
        let base = ["dynamic-eval", "--checkpoint", shared.run.path, "--data", shared.data.path]
        assertOneLineRefusal(try CLI.run(base + ["--lr", "nan"]), "--lr must be non-negative and finite (got nan)")
        assertOneLineRefusal(try CLI.run(base + ["--lr", "inf"]), "--lr must be non-negative and finite (got inf)")
        assertOneLineRefusal(try CLI.run(base + ["--lamb", "inf"]), "--lamb must be non-negative and finite (got inf)")
        assertOneLineRefusal(try CLI.run(base + ["--epsilon", "inf"]), "--epsilon must be positive and finite (got inf)")
        assertOneLineRefusal(try CLI.run(["pointer", "--checkpoint", shared.run.path, "--data", shared.data.path, "--theta", "inf"]),
                             "--theta must be finite (got inf)")
        let diverged = try CLI.run(base + ["--lr", "1e300", "--json"])
        XCTAssertEqual(diverged.status, 1, diverged.stderr)
        XCTAssertTrue(diverged.stderr.contains("the dynamic updates diverged with --lr 1e+300 and --lamb 0.002"), diverged.stderr)
        XCTAssertEqual(try json(diverged)["loss"] as? String, "NaN")
    }

    /// --bptt does not limit the statistics pass (Krause's gradstat takes a shorter
    /// last window); sizes are checked before any work, naming the flags involved.
    func testDynamicEvaluationSizes() throws {
        let shared = try Self.trained.get()
        let dir = try TemporaryFolder()
        let base = ["dynamic-eval", "--checkpoint", shared.run.path, "--data", shared.data.path]
        let long = try CLI.run(base + ["--bptt", "100", "--json"])
        XCTAssertEqual(long.status, 0, long.stderr)
        XCTAssertTrue((try json(long)["loss"] as? Double)?.isFinite == true, long.stdout)
        assertOneLineRefusal(try CLI.run(base + ["--batch-size", "100000"]), "--batch-size 100000 is larger than the training split allows")
        // One line: refused before the statistics pass (and its BLAS line).
        let two = try dir.write("two.txt", "w1")
        assertOneLineRefusal(try CLI.run(base + ["--file", two.path]), "has 2 tokens; dynamic evaluation needs at least 3")
    }

    /// At 2 rows per column the authors' figure is half the loss per scored token:
    /// the JSON says how many tokens were scored and one note gives the per-token figure.
    func testFewRowsPerColumnAreReported() throws {
        let shared = try Self.trained.get()
        let base = ["evaluate", "--checkpoint", shared.run.path, "--data", shared.data.path, "--json"]
        let tokens = try XCTUnwrap(try json(try CLI.run(base))["tokens"] as? Int)
        let columns = tokens / 2
        let r = try CLI.run(base + ["--batch-size", "\(columns)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try json(r)
        XCTAssertEqual(object["scored_tokens"] as? Int, columns)
        let loss = try XCTUnwrap(object["loss"] as? Double)
        let notes = r.stderr.split(separator: "\n").filter { $0.hasPrefix("note: test has 2 rows per column") }
        XCTAssertEqual(notes.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains(String(format: "per scored token it is %.3f", 2 * loss)), r.stderr)
        XCTAssertTrue(r.stderr.contains("a smaller --batch-size (now \(columns))"), r.stderr)
    }

    /// A prompt word outside a vocabulary without an unknown token is refused, naming it.
    func testPromptWithoutUnknownToken() throws {
        let shared = try Self.trained.get()
        assertOneLineRefusal(try CLI.run(["generate", "--checkpoint", shared.run.path, "--prompt", "zzqq w1", "--words", "3"]),
                             "word 'zzqq' is not in the model's vocabulary")
    }

    /// `--version` after any subcommand prints the version; `--resume ''` is no resume.
    func testVersionAndEmptyResume() throws {
        for command in ["train", "evaluate", "generate", "dynamic-eval"] {
            let r = try CLI.run([command, "--version"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.hasPrefix("awd-lstm "), r.stdout)
        }
        let dir = try TemporaryFolder()
        let data = try smallCorpus(dir)
        let run = dir.url.appendingPathComponent("X")
        let r = try CLI.run(["train", "--data", data.path, "--resume", "", "--save", run.path, "--max-batches", "2"] + FieldFaultTests.model)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("model.safetensors").path))
    }

    /// A missing archive, or a file that is not one, is named before tar runs.
    func testDownloadArchiveChecked() throws {
        let dir = try TemporaryFolder()
        let to = dir.url.appendingPathComponent("ptb").path
        assertOneLineRefusal(try CLI.run(["download", "ptb", "--to", to, "--archive", "/nonexistent/x.tgz"]), "/nonexistent/x.tgz: no such file")
        let text = try dir.write("x.tgz", "not an archive\n")
        assertOneLineRefusal(try CLI.run(["download", "ptb", "--to", to, "--archive", text.path]), "not a gzip-compressed tar archive")
        XCTAssertFalse(FileManager.default.fileExists(atPath: to))
    }

    /// With variable BPTT the epoch's batch total is an estimate: shown `~N`, never below the batches done.
    func testEstimatedBatchTotalNeverExceeded() throws {
        let dir = try TemporaryFolder()
        let data = try smallCorpus(dir)
        let run = dir.url.appendingPathComponent("P")
        let r = try CLI.run(["train", "--data", data.path, "--save", run.path] + FieldFaultTests.model, environment: ["AWDLSTM_PROGRESS": "lines", "AWDLSTM_PROGRESS_AFTER": "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let progress = r.stderr.split(separator: "\n").filter { $0.hasPrefix("epoch 1 ") && $0.contains(" batches (") }
        XCTAssertFalse(progress.isEmpty, r.stderr)
        for line in progress {
            let fraction = line.split(separator: " ")[2]  // DONE/~TOTAL
            let parts = fraction.split(separator: "/")
            let (done, total) = (Int(parts[0]) ?? -1, Int(parts[1].dropFirst()) ?? -1)
            XCTAssertTrue(parts[1].hasPrefix("~"), String(line))
            XCTAssertLessThan(done, total, String(line))
        }
        let epoch = try XCTUnwrap(try MetricsLog.read(RunFolder(run).metrics).first { $0.kind == "epoch" })
        XCTAssertGreaterThanOrEqual(epoch.batch ?? 0, Int(progress.last!.split(separator: " ")[2].split(separator: "/")[0])!)
    }
}
