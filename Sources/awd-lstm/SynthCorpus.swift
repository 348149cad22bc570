import ArgumentParser
@_spi(CLI) import AWDLSTM
import Foundation

/// Writes the seeded Zipf corpus of `SyntheticCorpus` (WikiText-103's size by
/// default): for tests and for measuring the corpus pipeline and the
/// large-vocabulary benchmark without the real corpus.
struct SynthCorpus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth-corpus",
        abstract: "Write a seeded Zipf-distributed corpus (WikiText-103's size by default).",
        shouldDisplay: false)

    @Option(help: "Folder to write train.txt, valid.txt, test.txt into.") var to: String
    @Option(help: "Distinct words besides <eos> (default 267734: a 267,735-word vocabulary).") var words = 267_734
    @Option(name: .customLong("train-words"), help: "Words in train.txt.") var trainWords = 101_425_671
    @Option(name: .customLong("valid-words"), help: "Words in valid.txt.") var validWords = 213_886
    @Option(name: .customLong("test-words"), help: "Words in test.txt.") var testWords = 241_211
    @Option(help: "Zipf exponent.") var exponent = 1.0
    @Option(help: "Random seed.") var seed: UInt64 = 103

    func validate() throws {
        try FlagBounds.require([("--words", words), ("--train-words", trainWords), ("--valid-words", validWords), ("--test-words", testWords)])
    }

    func run() throws {
        try reportingErrors {
            for (name, v) in [("--words", words), ("--train-words", trainWords), ("--valid-words", validWords),
                              ("--test-words", testWords)] where v < 1 {
                throw CLIError("\(name) must be at least 1 (got \(v))")
            }
            try requireFlag(exponent >= 0 && exponent.isFinite, "--exponent", exponent, .nonNegativeAndFinite)
            var c = SyntheticCorpus()
            (c.vocabulary, c.trainWords, c.validWords, c.testWords, c.exponent, c.seed) =
                (words, trainWords, validWords, testWords, exponent, seed)
            try c.write(to: URL(fileURLWithPath: to))
            logLine("synth-corpus: \(to)/{train,valid,test}.txt")
        }
    }
}
