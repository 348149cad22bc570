import Foundation
import XCTest
@testable import AWDLSTM

/// `mpirun -np 2 awd-lstm train …` against one process. Skipped where Open MPI's
/// `mpirun` is not installed.
final class DataParallelTests: XCTestCase {
    /// `mpirun --oversubscribe -np N`, one pool thread per rank, allowed to run as root (CI).
    func mpirun(ranks: Int = 2) throws -> [String] {
        guard let found = CLI.onPath("mpirun") else {
            throw XCTSkip("mpirun not found (Debian: openmpi-bin)")
        }
        setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1)
        setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1)
        return [found, "--oversubscribe", "-np", "\(ranks)", "-x", "AWDLSTM_THREADS=1"]
    }

    /// Every dropout off, fixed windows: two ranks must compute what one process does.
    let noDropout = ["--dropout", "0", "--dropouth", "0", "--dropouti", "0", "--dropoute", "0", "--wdrop", "0", "--fixed-bptt"]

    func losses(_ run: URL, kind: String = "log") throws -> [Double] {
        try MetricsLog.read(run.appendingPathComponent("metrics.jsonl")).filter { $0.kind == kind }
            .map { $0.kind == "epoch" ? $0.valLoss! : $0.loss! }
    }

    func weights(_ run: URL) throws -> [Float] {
        try SafeTensors(contentsOf: run.appendingPathComponent("state.safetensors")).floats("weights")
    }

    /// max |a − b| / max |a|.
    func relativeDifference(_ a: [Float], _ b: [Float]) -> Float {
        XCTAssertEqual(a.count, b.count)
        let scale = a.map { abs($0) }.max() ?? 0
        return zip(a, b).map { abs($0 - $1) }.max()! / max(scale, .leastNormalMagnitude)
    }

    func assertClose(_ a: [Double], _ b: [Double], _ what: String, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, what, line: line)
        for (k, (x, y)) in zip(a, b).enumerated() {
            XCTAssertLessThanOrEqual(abs(x - y), 1e-5 * abs(x), "\(what) \(k): \(x) vs \(y)", line: line)
        }
    }

    /// Dropout off, fixed bptt, the same global batch: the same loss at every
    /// step, the same validation and test loss, and the same weights after 20 steps.
    func testTwoRanksEqualOneProcess() throws {
        let launcher = try mpirun()
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir, lines: 3000)
        let flags = ["train", "--data", data.path, "--emsize", "16", "--nhid", "24", "--nlayers", "3", "--batch-size", "8",
                     "--bptt", "10", "--epochs", "1", "--max-batches", "20", "--log-interval", "1"] + noDropout
        let one = dir.url.appendingPathComponent("one"), two = dir.url.appendingPathComponent("two")
        let r1 = try CLI.run(flags + ["--save", one.path])
        XCTAssertEqual(r1.status, 0, r1.stderr)
        let r2 = try CLI.run(flags + ["--save", two.path, "--json"], launcher: launcher)
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertTrue(r2.stderr.contains("Data-parallel: 2 ranks of 4 batch columns each"), r2.stderr)
        // Rank 0 alone logs and prints the summary.
        XCTAssertEqual(r2.stderr.components(separatedBy: "| end of epoch").count, 2, r2.stderr)
        XCTAssertEqual(r2.stdout.split(separator: "\n").count, 1, r2.stdout)

        let steps = try losses(one)
        XCTAssertEqual(steps.count, 20)
        assertClose(steps, try losses(two), "loss at step")
        assertClose(try losses(one, kind: "epoch"), try losses(two, kind: "epoch"), "validation loss")
        assertClose(try losses(one, kind: "test"), try losses(two, kind: "test"), "test loss")
        XCTAssertLessThanOrEqual(relativeDifference(try weights(one), try weights(two)), 1e-5)
        // The weights moved: the comparison is not between two initial states.
        var rng = RandomSource(seed: 1111)
        let initial = try AWDLSTMModel(config: ModelConfig(vocabSize: 31, emsize: 16, nhid: 24, nlayers: 3), rng: &rng)
        XCTAssertGreaterThan(relativeDifference(Array(initial.weights.buffer), try weights(one)), 1e-3)
    }

    /// The binary does not link an MPI library; under mpirun it opens one, and
    /// says clearly when it cannot.
    func testMPIIsOpenedOnlyUnderMpirun() throws {
        // As if started by mpirun, with the library missing.
        let dir = try TemporaryFolder()
        let r = try CLI.run(["train", "--data", try writeTinyCorpus(dir).path, "--save", dir.url.appendingPathComponent("run").path],
                            environment: ["OMPI_COMM_WORLD_SIZE": "2", "AWDLSTM_LIBMPI": "libmpi-missing.so"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("awd-lstm: error: launched by mpirun, but Open MPI's library cannot be loaded"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("run").path))

        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ldd") else { throw XCTSkip("no ldd") }
        let ldd = Process()
        ldd.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        ldd.arguments = [CLI.binary.path]
        let pipe = Pipe()
        ldd.standardOutput = pipe
        try ldd.run()
        let libraries = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ldd.waitUntilExit()
        XCTAssertTrue(libraries.contains("libc.so"), libraries)
        XCTAssertFalse(libraries.contains("libmpi"), libraries)
    }

    /// `bench` under mpirun: rank 0 alone reports, with the allreduce's time.
    func testBenchReportsTheAllreduce() throws {
        let launcher = try mpirun()
        let r = try CLI.run(["bench", "--emsize", "16", "--nhid", "24", "--nlayers", "2", "--vocab", "50", "--batch-size", "8",
                             "--bptt", "10", "--steps", "2", "--eval-steps", "1", "--json"], launcher: launcher)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stdout)
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        XCTAssertEqual(object?["ranks"] as? Int, 2)
        XCTAssertEqual(object?["batch_size"] as? Int, 8)
        let breakdown = object?["breakdown"] as? [String: Any]
        XCTAssertGreaterThan(breakdown?["allreduce_ms"] as? Double ?? 0, 0)
    }

    /// Commands other than train and bench refuse to run as several ranks.
    func testOtherCommandsRefuseSeveralRanks() throws {
        let launcher = try mpirun()
        let dir = try TemporaryFolder()
        let r = try CLI.run(["plot", "--checkpoint", dir.url.path], launcher: launcher)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("awd-lstm: error: only train and bench run under mpirun"), r.stderr)
    }

    func testBatchThatDoesNotSplitIsAnError() throws {
        let launcher = try mpirun()
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir)
        let run = dir.url.appendingPathComponent("run")
        let r = try CLI.run(["train", "--data", data.path, "--save", run.path, "--batch-size", "5"], launcher: launcher)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("rank 0 of 2: --batch-size 5 does not split over 2 ranks"), r.stderr)
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("config.json").path))
    }

    /// Runs `flags` (training with mid-epoch checkpoints) under `launcher` and
    /// SIGKILLs the process with `victim` (rank 1's under mpirun) once a
    /// checkpoint exists. Returns the job's result and the seconds from the kill
    /// to the end of every rank; nil when the run finished before the kill.
    func killMidway(_ flags: [String], run: URL, launcher: [String]) throws -> (CLI.Result, Double)? {
        try? FileManager.default.removeItem(at: run)
        let p = try CLI.start(flags + ["--save", run.path], launcher: launcher)
        let state = run.appendingPathComponent("state.safetensors")
        waitUntil("the first checkpoint") { !p.process.isRunning || FileManager.default.fileExists(atPath: state.path) }
        let ranks = launcher.isEmpty ? [p.process.processIdentifier] : rankProcesses(of: p.process.processIdentifier)
        guard p.process.isRunning, let victim = ranks.last else { _ = p.finish(); return nil }
        kill(victim, SIGKILL)
        let killed = Date()
        let r = p.finish()
        // mpirun returns once its ranks are gone; check that none is left.
        for pid in ranks { XCTAssertFalse(running(pid), "rank process \(pid) still running") }
        return (r, Date().timeIntervalSince(killed))
    }

    /// Whether `pid` is a live process (not gone, not a zombie awaiting its parent).
    func running(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    /// The rank processes that `mpirun` (pid `parent`) started, in rank order.
    func rankProcesses(of parent: Int32) -> [Int32] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var ranks: [(Int, Int32)] = []
        for name in all {
            guard let pid = Int32(name),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, Int32(fields[1]) == parent,
                  let env = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            for entry in env.split(separator: 0) {
                let text = String(decoding: entry, as: UTF8.self)
                if text.hasPrefix("OMPI_COMM_WORLD_RANK="), let r = Int(text.dropFirst(21)) { ranks.append((r, pid)) }
            }
        }
        return ranks.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Trains one process uninterrupted for reference; then the same run under
    /// `killedUnder`, SIGKILLed mid-epoch (rank 1 under mpirun), resumed under
    /// `resumedUnder`: the final weights must match the reference. Returns the
    /// killed job's result and the seconds from the kill to the end of every rank.
    func killAndResume(killedUnder: [String], resumedUnder: [String]) throws -> (CLI.Result, Double, URL) {
        let dir = try TemporaryFolder()
        let data = try writeTinyCorpus(dir, lines: 3000)
        let flags = ["train", "--data", data.path, "--epochs", "2", "--checkpoint-every", "4", "--emsize", "48", "--nhid", "96",
                     "--nlayers", "2", "--batch-size", "8", "--bptt", "20", "--log-interval", "1000", "--lr", "5"] + noDropout
        let reference = dir.url.appendingPathComponent("reference"), run = dir.url.appendingPathComponent("run")
        XCTAssertEqual(try CLI.run(flags + ["--save", reference.path]).status, 0)

        var outcome: (CLI.Result, Double)?
        for _ in 0..<3 where outcome == nil { outcome = try killMidway(flags, run: run, launcher: killedUnder) }
        let (killed, seconds) = try XCTUnwrap(outcome, "the run finished before it could be killed")
        let resumed = try CLI.run(["train", "--resume", run.path, "--data", data.path], launcher: resumedUnder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertLessThanOrEqual(relativeDifference(try weights(reference), try weights(run)), 1e-5)
        return (killed, seconds, run)
    }

    /// One rank killed mid-epoch: every rank ends within seconds, non-zero, with a
    /// message; the folder resumes in one process and ends where an uninterrupted
    /// run of one process does.
    func testKilledRankEndsTheJobAndTheRunResumesInOneProcess() throws {
        let (r, seconds, run) = try killAndResume(killedUnder: try mpirun(), resumedUnder: [])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertLessThan(seconds, 10)
        XCTAssertTrue(r.stderr.contains("rank 0 of 2: ended by mpirun"), r.stderr)
        XCTAssertTrue(r.stderr.contains("--resume \(run.path)"), r.stderr)
    }

    /// A folder written mid-epoch by one process continues on two ranks (each
    /// takes its columns of the saved hidden state) and ends where one process does.
    func testOneProcessFolderResumesOnTwoRanks() throws {
        _ = try killAndResume(killedUnder: [], resumedUnder: try mpirun())
    }

    /// With every dropout on, two ranks (each its own masks) reach a validation
    /// loss within the spread that the seed alone gives one process, on a PTB slice.
    func testTwoRanksWithDropoutMatchOneProcessWithinNoise() throws {
        let ptb = try SharedData.folder("ptb")
        let launcher = try mpirun()
        let dir = try TemporaryFolder()
        let data = dir.url.appendingPathComponent("ptb-slice")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for (split, lines) in [("train", 2000), ("valid", 300), ("test", 100)] {
            let text = try String(contentsOf: ptb.appendingPathComponent("\(split).txt"), encoding: .utf8)
            let slice = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(lines).joined(separator: "\n") + "\n"
            try Data(slice.utf8).write(to: data.appendingPathComponent("\(split).txt"))
        }
        func validLoss(seed: Int, launcher: [String] = []) throws -> Double {
            let run = dir.url.appendingPathComponent("run-\(seed)-\(launcher.count)")
            let r = try CLI.run(["train", "--data", data.path, "--save", run.path, "--seed", "\(seed)", "--epochs", "2",
                                 "--emsize", "32", "--nhid", "64", "--nlayers", "2", "--batch-size", "20", "--bptt", "35",
                                 "--lr", "20"], launcher: launcher, timeout: 300)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try losses(run, kind: "epoch").last!
        }
        let single = try (1...3).map { try validLoss(seed: $0) }
        let mean = single.reduce(0, +) / 3
        let spread = single.map { abs($0 - mean) }.max()!
        let parallel = try validLoss(seed: 1, launcher: launcher)
        // Training helped (the untrained loss is ln V ≈ 8 on this slice).
        XCTAssertLessThan(mean, 7)
        XCTAssertLessThanOrEqual(abs(parallel - mean), 3 * max(spread, 0.01),
                                 "2 ranks: \(parallel), 1 process over seeds 1-3: \(single)")
    }
}
