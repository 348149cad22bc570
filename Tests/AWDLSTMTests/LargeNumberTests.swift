import Foundation
import XCTest
@testable import AWDLSTM

/// Integer flags given values that fit their type but not the work, through
/// the executable: every integer flag of every command is refused above its
/// limit with one line naming the flag and the limit, before any work, exit 1;
/// values up to the limit never trap.
final class LargeNumberTests: XCTestCase {
    static let model = FieldFaultTests.model
    static let trained = TrainedRun.shared(name: "L", corpus: { try smallCorpus($0) }, ["--max-batches", "3"] + model)

    override class func tearDown() { trained.reset() }

    static let count = "2147483647"

    /// Each command with the arguments it needs, and its integer flags with their limits.
    func commands(run: String, data: String) -> [(args: [String], flags: [(String, String)])] {
        let counts = { (names: [String]) in names.map { ($0, Self.count) } }
        return [
            (["train", "--data", data], counts(["--emsize", "--nhid", "--nlayers", "--epochs", "--batch-size", "--bptt", "--nonmono",
                                                "--log-interval", "--max-batches", "--checkpoint-every", "--when"])),
            (["finetune", "--checkpoint", run, "--data", data], counts(["--epochs", "--batch-size", "--bptt", "--nonmono", "--log-interval"])),
            (["evaluate", "--checkpoint", run, "--data", data], counts(["--batch-size", "--bptt", "--gpu"])),
            (["pointer", "--checkpoint", run, "--data", data], counts(["--window", "--bptt"])),
            (["dynamic-eval", "--checkpoint", run, "--data", data], counts(["--bptt", "--batch-size", "--max-batches", "--gpu"])),
            (["generate", "--checkpoint", run], [("--words", "100000000")] + counts(["--log-interval"])),
            (["bench"], counts(["--batch-size", "--bptt", "--emsize", "--nhid", "--nlayers", "--vocab", "--eval-batch-size"])
                + ["--steps", "--warmup", "--eval-steps"].map { ($0, "1000000") }),
            (["bench", "--gemm-shapes"], [("--repeats", "1000000")]),
            (["synth-corpus", "--to", run + "/synth"], counts(["--words", "--train-words", "--valid-words", "--test-words"])),
            (["prepare", "enwik8", "--from", run + "/enwik8.zip", "--to", run + "/enwik8"], counts(["--held-out-bytes"])),
        ]
    }

    /// Int.max and 10^12 for every integer flag: one line, naming the flag and its limit.
    func testEveryIntegerFlagHasALimit() throws {
        let good = try Self.trained.get()
        for (args, flags) in commands(run: good.run.path, data: good.data.path) {
            for (flag, limit) in flags {
                for value in ["9223372036854775807", "1000000000000"] {
                    let r = try CLI.run(args + [flag, value])
                    XCTAssertEqual(r.status, 1, "\(args[0]) \(flag) \(value): \(r.stderr)")
                    XCTAssertTrue(r.stderr.contains("\(flag) must be at most \(limit) (got \(value))"), "\(args[0]) \(flag): \(r.stderr)")
                    XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args[0]) \(flag): \(r.stderr)")
                }
            }
        }
    }

    /// Values at the limit are work to do, not a trap: the pointer's window and
    /// chunk over a short text, evaluation windows, dynamic evaluation.
    func testValuesAtTheLimitRun() throws {
        let good = try Self.trained.get()
        let base = ["--checkpoint", good.run.path, "--data", good.data.path, "--json"]
        for args in [["pointer", "--window", Self.count, "--bptt", Self.count], ["evaluate", "--bptt", Self.count],
                     ["dynamic-eval", "--bptt", Self.count, "--max-batches", Self.count]] {
            let r = try CLI.run(args + base)
            XCTAssertTrue(r.status == 0 || (r.status == 1 && r.stderr.split(separator: "\n").filter { $0.hasPrefix("awd-lstm: error:") }.count == 1),
                          "\(args): status \(r.status): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)
        }
        let pointer = try CLI.run(["pointer", "--window", Self.count, "--bptt", Self.count] + base)
        XCTAssertEqual(pointer.status, 0, pointer.stderr)
        // A bench whose windows need more memory than the machine has says so.
        let bench = try CLI.run(["bench", "--bptt", Self.count, "--batch-size", Self.count])
        XCTAssertEqual(bench.status, 1, bench.stderr)
        XCTAssertTrue(bench.stderr.contains("memory"), bench.stderr)
    }
}
