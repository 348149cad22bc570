import Foundation
import XCTest
@testable import AWDLSTM

/// Runs the `awd-lstm` executable built beside the test bundle.
struct CLI {
    static var binary: URL {
        #if os(macOS)
        let dir = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }!.bundleURL.deletingLastPathComponent()
        #else
        let dir = Bundle.main.bundleURL
        #endif
        return dir.appendingPathComponent("awd-lstm")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The path of `name` in one of `PATH`'s folders, or nil.
    static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs to completion (or until `timeout` seconds, then SIGKILL), with
    /// `environment` added to this process's.
    @discardableResult
    static func run(_ args: [String], environment: [String: String] = [:], launcher: [String] = [],
                    timeout: Double = 120, directory: URL? = nil, executable: URL = binary) throws -> Result {
        let p = try start(args, environment: environment, launcher: launcher, directory: directory, executable: executable)
        let deadline = Date().addingTimeInterval(timeout)
        while p.process.isRunning && Date() < deadline { usleep(20_000) }
        if p.process.isRunning { kill(p.process.processIdentifier, SIGKILL) }
        return p.finish()
    }

    final class Running {
        let process: Process
        let out: URL, err: URL
        init(process: Process, out: URL, err: URL) { (self.process, self.out, self.err) = (process, out, err) }
        func finish() -> Result {
            process.waitUntilExit()
            let o = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
            let e = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
            return Result(status: process.terminationStatus, stdout: o, stderr: e)
        }
        var stderrSoFar: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
    }

    /// Starts `executable` (the binary by default) with `args`, or `launcher` (a
    /// program and its arguments, such as mpirun's) with it and `args` after it.
    static func start(_ args: [String], environment: [String: String] = [:], launcher: [String] = [],
                      directory: URL? = nil, executable: URL = binary) throws -> Running {
        let p = Process()
        p.executableURL = launcher.first.map { URL(fileURLWithPath: $0) } ?? executable
        p.arguments = launcher.isEmpty ? args : Array(launcher.dropFirst()) + [executable.path] + args
        if let directory { p.currentDirectoryURL = directory }
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let tmp = FileManager.default.temporaryDirectory
        let out = tmp.appendingPathComponent("awd-cli-\(UUID().uuidString).out")
        let err = tmp.appendingPathComponent("awd-cli-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return Running(process: p, out: out, err: err)
    }
}

/// A tiny corpus folder for command-line runs.
func writeTinyCorpus(_ dir: TemporaryFolder, name: String = "data", lines: Int = 400, testLines: Int? = nil) throws -> URL {
    var rng = RandomSource(seed: 8)
    func text(_ n: Int) -> String {
        (0..<n).map { _ in (0..<(3 + Int(rng.next() % 8))).map { _ in "w\(rng.next() % 30)" }.joined(separator: " ") }
            .joined(separator: "\n") + "\n"
    }
    let folder = dir.url.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (split, n) in [("train", lines), ("valid", lines / 4), ("test", testLines ?? lines / 4)] {
        try Data(text(n).utf8).write(to: folder.appendingPathComponent("\(split).txt"))
    }
    return folder
}

let tinyModelFlags = ["--emsize", "8", "--nhid", "12", "--nlayers", "2", "--batch-size", "4", "--bptt", "10",
                      "--log-interval", "5"]

final class CommandLineTests: XCTestCase {
    func testTrainEvaluateAndDynamicEvalLeaveCheckpointUntouched() throws {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let run = dir.url.appendingPathComponent("run").path
        let train = try CLI.run(["train", "--data", data.path, "--save", run, "--epochs", "2", "--max-batches", "10", "--json"] + tinyModelFlags)
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("| end of epoch   1 |"), train.stderr)
        XCTAssertTrue(train.stderr.contains("| End of training | test loss"), train.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(summary["epochs"] as? Int, 2)

        let eval = try CLI.run(["evaluate", "--checkpoint", run, "--data", data.path, "--split", "valid", "--json"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let result = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(Set(result.keys), ["loss", "ppl", "bpc", "tokens", "scored_tokens", "per_token_loss"])

        let files = ["model.safetensors", "config.json", "vocab.txt", "state.safetensors", "metrics.jsonl"]
        let before = try files.map { try Data(contentsOf: URL(fileURLWithPath: run).appendingPathComponent($0)) }
        let dyn = try CLI.run(["dynamic-eval", "--checkpoint", run, "--data", data.path, "--batch-size", "4", "--lr", "0.001", "--json"])
        XCTAssertEqual(dyn.status, 0, dyn.stderr)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(dyn.stdout.utf8)) as? [String: Any])
        let pointer = try CLI.run(["pointer", "--checkpoint", run, "--data", data.path, "--window", "20", "--bptt", "100", "--json"])
        XCTAssertEqual(pointer.status, 0, pointer.stderr)
        let gen = try CLI.run(["generate", "--checkpoint", run, "--words", "30", "--seed", "3"])
        XCTAssertEqual(gen.status, 0, gen.stderr)
        XCTAssertEqual(gen.stdout, try CLI.run(["generate", "--checkpoint", run, "--words", "30", "--seed", "3"]).stdout)
        let after = try files.map { try Data(contentsOf: URL(fileURLWithPath: run).appendingPathComponent($0)) }
        XCTAssertEqual(before, after, "dynamic evaluation, pointer and generation never modify the run folder")
    }
}

/// `bench --json` on a tiny model: the documented fields are present and
/// consistent (throughput positive, the time loop a part of the LSTM forward).
final class BenchCommandTests: XCTestCase {
    func testBenchPrintsConsistentJSON() throws {
        let r = try CLI.run(["bench", "--batch-size", "3", "--bptt", "5", "--emsize", "8", "--nhid", "16",
                             "--nlayers", "2", "--vocab", "40", "--steps", "2", "--eval-batch-size", "2",
                             "--eval-steps", "3", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let json = try XCTUnwrap(object, r.stdout)
        for key in ["train_tokens_per_s", "eval_tokens_per_s", "peak_rss_bytes", "sgemm_gflops", "threads"] {
            let value = try XCTUnwrap(json[key] as? Double, key)
            XCTAssertGreaterThan(value, 0, key)
        }
        let window = try XCTUnwrap(json["eval_breakdown"] as? [String: Double])
        let forward = try XCTUnwrap(window["lstm_forward_ms"]), loop = try XCTUnwrap(window["recurrence_ms"])
        XCTAssertGreaterThan(loop, 0)
        XCTAssertLessThanOrEqual(loop, forward)
        XCTAssertEqual(json["eval_batch_size"] as? Int, 2)
    }
}

final class DownloadTests: XCTestCase {
    /// An archive with the right layout but other content fails the MD5 check
    /// and leaves nothing behind.
    func testArchiveWithWrongContentIsRejected() throws {
        let dir = try TemporaryFolder()
        for s in ["train", "valid", "test"] { _ = try dir.write("simple-examples/data/ptb.\(s).txt", "not the real corpus\n") }
        let archive = dir.url.appendingPathComponent("simple-examples.tgz")
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tar.arguments = ["tar", "-czf", archive.path, "-C", dir.url.path, "./simple-examples"]
        try tar.run()
        tar.waitUntilExit()
        XCTAssertEqual(tar.terminationStatus, 0)
        let target = dir.url.appendingPathComponent("ptb")
        let r = try CLI.run(["download", "ptb", "--to", target.path, "--archive", archive.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("ptb.train.txt has MD5"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.appendingPathComponent("train.txt").path))
    }

    func testUnknownCorpusIsRejected() throws {
        let r = try CLI.run(["download", "imagenet", "--to", "/tmp/nowhere"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("unknown corpus 'imagenet'"), r.stderr)
    }
}

/// `scripts/pytorch/awd_lstm.py` (PyTorch) evaluates a run folder to the same
/// loss as `awd-lstm evaluate`. Skipped when no Python with torch is found
/// (`AWDLSTM_PYTHON`, `.venv-bench/bin/python`, then `python3`).
final class PyTorchInteropTests: XCTestCase {
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func python() throws -> String {
        try referencePython(importing: "torch, safetensors", repository: Self.repository)
    }

    func testPyTorchLoaderMatchesEvaluate() throws {
        let py = try python()
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let run = dir.url.appendingPathComponent("run").path
        XCTAssertEqual(try CLI.run(["train", "--data", data.path, "--save", run, "--epochs", "1", "--max-batches", "20"] + tinyModelFlags).status, 0)
        let swift = try CLI.run(["evaluate", "--checkpoint", run, "--data", data.path, "--split", "valid", "--batch-size", "3", "--json"])
        XCTAssertEqual(swift.status, 0, swift.stderr)
        let script = Self.repository.appendingPathComponent("scripts/pytorch/awd_lstm.py").path
        let out = try runPython(py, [script, "--checkpoint", run, "--data", data.path, "--split", "valid", "--batch-size", "3", "--json"])
        let a = try JSONSerialization.jsonObject(with: Data(swift.stdout.utf8)) as! [String: Any]
        let b = try JSONSerialization.jsonObject(with: out) as! [String: Any]
        let la = a["loss"] as! Double, lb = b["loss"] as! Double
        XCTAssertEqual(la, lb, accuracy: 1e-4 * lb)
        XCTAssertEqual(a["ppl"] as! Double, b["ppl"] as! Double, accuracy: 1e-4 * (b["ppl"] as! Double))
    }
}

/// A Python that imports `modules` (as `import` takes them): `AWDLSTM_PYTHON`,
/// the repository's `.venv-bench/bin/python`, then `python3` on the PATH.
/// Throws `XCTSkip` naming the modules when none does.
func referencePython(importing modules: String, repository: URL) throws -> String {
    let env = ProcessInfo.processInfo.environment["AWDLSTM_PYTHON"]
    let candidates = [env, repository.appendingPathComponent(".venv-bench/bin/python").path, "/usr/bin/env"].compactMap { $0 }
    for c in candidates {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: c)
        p.arguments = (c == "/usr/bin/env" ? ["python3"] : []) + ["-c", "import \(modules)"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { continue }
        p.waitUntilExit()
        if p.terminationStatus == 0 { return c }
    }
    throw XCTSkip("no Python with \(modules.replacingOccurrences(of: ", ", with: " and "))")
}

/// The standard output of `python` (from `referencePython`) running `arguments`,
/// after checking that it exited with status 0.
func runPython(_ python: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Data {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = (python == "/usr/bin/env" ? ["python3"] : []) + arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = FileHandle.nullDevice
    try p.run()
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 0, file: file, line: line)
    return out
}
