import ArgumentParser
import AWDLSTM

@main
struct AWDLSTMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "awd-lstm",
        abstract: "AWD-LSTM language models: train, evaluate, fine-tune, sample.",
        subcommands: [])
}
