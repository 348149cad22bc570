import ArgumentParser
import AWDLSTM
import Foundation

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn a PyTorch AWD-LSTM checkpoint (safetensors) into a run folder.")

    func run() throws {
        try reportingErrors { throw CLIError("import is not available yet") }
    }
}
