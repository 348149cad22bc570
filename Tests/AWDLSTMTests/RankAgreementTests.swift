import Foundation
import XCTest
@testable import AWDLSTM

/// Ranks of `mpirun` that would not train one model, through the executable:
/// different data (token counts, the same words in another order), vocabulary
/// size, model size or learning rate stop every rank at start-up with one line
/// naming the difference, exit 1, before any training step. Ranks are given
/// different command lines with mpirun's `-np 1 A : -np 1 B`. Skipped where
/// Open MPI's `mpirun` is not installed.
final class RankAgreementTests: XCTestCase {
    static let model = ["--emsize", "16", "--nhid", "24", "--nlayers", "3", "--batch-size", "4", "--bptt", "10", "--epochs", "1",
                        "--max-batches", "2"]

    func mpirun() throws -> String {
        guard let found = CLI.onPath("mpirun") else { throw XCTSkip("mpirun not found (Debian: openmpi-bin)") }
        setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1)
        setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1)
        return found
    }

    /// Rank 0 runs `train` with `a`, rank 1 with `b`.
    func runRanks(_ a: [String], _ b: [String]) throws -> CLI.Result {
        let mpirun = try mpirun()
        let binary = CLI.binary.path
        let args = ["--oversubscribe", "-x", "AWDLSTM_THREADS=1", "-np", "1", binary] + a + [":", "-np", "1", binary] + b
        return try CLI.run(args, timeout: 300, executable: URL(fileURLWithPath: mpirun))
    }

    func testDisagreeingRanksStopWithTheDifference() throws {
        _ = try mpirun()
        let dir = try TemporaryFolder()
        let words = (0..<15).map { "w\($0)" }
        let data = try smallCorpus(dir, name: "D", words: words)
        let shorter = try smallCorpus(dir, name: "short", words: words, seed: 9)
        let reordered = try smallCorpus(dir, name: "reordered", words: words)
        // The same text with two words swapped everywhere: the same counts and vocabulary size, other ids.
        for split in ["train", "valid", "test"] {
            let file = reordered.appendingPathComponent("\(split).txt")
            let text = try String(contentsOf: file, encoding: .utf8)
                .replacingOccurrences(of: "w1 ", with: "@ ").replacingOccurrences(of: "w2 ", with: "w1 ").replacingOccurrences(of: "@ ", with: "w2 ")
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let cases: [(String, [String], [String], String)] = [
            ("tokens", ["--data", data.path], ["--data", shorter.path], "rank 1 has train tokens"),
            ("order", ["--data", data.path], ["--data", reordered.path], "rank 1 has vocabulary digest"),
            ("nhid", ["--data", data.path], ["--data", data.path, "--nhid", "32"], "rank 1 has nhid 32 where rank 0 has 24"),
            ("lr", ["--data", data.path], ["--data", data.path, "--lr", "20"], "rank 1 has lr 20 where rank 0 has 30"),
        ]
        for (name, a, b, message) in cases {
            let save = dir.url.appendingPathComponent("run-\(name)").path
            // The differing flag comes last: of a flag given twice, the last wins.
            let r = try runRanks(["train"] + Self.model + ["--save", save] + a, ["train"] + Self.model + ["--save", save] + b)
            XCTAssertNotEqual(r.status, 0, "\(name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("the ranks disagree: \(message)"), "\(name): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("| epoch"), "\(name): trained: \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("signal"), "\(name): a rank crashed: \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: save + "/model.safetensors"), name)
        }
        // Agreeing ranks still train.
        let save = dir.url.appendingPathComponent("agree").path
        let same = ["train", "--data", data.path] + Self.model + ["--save", save]
        let r = try runRanks(same, same)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: save + "/model.safetensors"), r.stderr)
    }

    /// bench compares its flags too.
    func testBenchRanksAgree() throws {
        let small = ["bench", "--emsize", "8", "--nhid", "8", "--nlayers", "1", "--vocab", "50", "--batch-size", "4", "--bptt", "5",
                     "--steps", "1", "--eval-steps", "1"]
        let r = try runRanks(small, small.map { $0 == "5" ? "6" : $0 })
        XCTAssertNotEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("the ranks disagree: rank 1 has --bptt 6 where rank 0 has 5"), r.stderr)
    }
}
