import ArgumentParser
import AWDLSTM
import Foundation

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw training_curves.svg from a run folder's metrics.jsonl.")

    @Option(help: "Run folder.") var checkpoint: String
    @Option(help: "Output file (default DIR/training_curves.svg).") var out: String?

    func run() throws {
        try reportingErrors { throw CLIError("plot is not available yet") }
    }
}
